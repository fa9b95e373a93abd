"""An incident and every record the seven protocol steps produce."""

import uuid

from django.conf import settings
from django.core.files.storage import storages
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from portal.history import HistoricalRecords
from portal.models import Person, School
from portal.validators import LONG_TEXT_MAX_LENGTH, BoundedTextField, validate_in_past

from . import workflow
from .workflow import State


def private_storage():
    return storages["private"]


class Platform(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    INSTAGRAM = "instagram", "Instagram"
    TIKTOK = "tiktok", "TikTok"
    SNAPCHAT = "snapchat", "Snapchat"
    FACEBOOK = "facebook", "Facebook"
    X = "x", "X / Twitter"
    YOUTUBE = "youtube", "YouTube"
    LINKEDIN = "linkedin", "LinkedIn"
    TELEGRAM = "telegram", "Telegram"
    OTHER = "other", _("Other")


class Category(models.TextChoices):
    BULLYING = "bullying", _("Bullying")
    INSULTING = "insulting", _("Insulting")
    STALKING = "stalking", _("Stalking")
    THREATS = "threats", _("Threats")
    SEXTING = "sexting", _("Sexting")
    ACCOUNT_HACKING = "account_hacking", _("Account hacking")
    IDENTITY_FRAUD = "identity_fraud", _("Identity fraud")
    INCITEMENT = "incitement", _("Incitement to violence")
    RADICALISATION = "radicalisation", _("Radicalisation")
    DISCRIMINATION = "discrimination", _("Discrimination")
    DEFAMATION = "defamation", _("Defamation")
    IMAGES_WITHOUT_CONSENT = "images_without_consent", _("Images shared without consent")
    DATA_BREACH = "data_breach", _("Privacy / data breach")
    DERAILING_DISCUSSION = "derailing_discussion", _("Derailing discussion")
    OFFENSIVE_CONTENT = "offensive_content", _("Offensive content")
    OTHER = "other", _("Other")


class Severity(models.TextChoices):
    LOW = "low", _("Low")
    MEDIUM = "medium", _("Medium")
    HIGH = "high", _("High")
    CRITICAL = "critical", _("Critical")


class Decision(models.TextChoices):
    NOT_CRIMINAL = "not_criminal", _("Not a criminal offence")
    POSSIBLY_CRIMINAL = "possibly_criminal", _("Possibly a criminal offence")
    CRIMINAL = "criminal", _("Criminal offence")


class VictimType(models.TextChoices):
    PUPIL = "pupil", _("A pupil")
    STAFF = "staff", _("A staff member")
    SCHOOL = "school", _("The school")


# (field, language) -> {value: label in that language}. Translations do not change while the process runs;
# the tests that switch catalogs (LANGUAGES, LOCALE_PATHS) clear it, as Django clears its own.
_CHOICE_LABELS = {}


@receiver(setting_changed)
def _forget_choice_labels(*, setting, **kwargs):
    if setting in ("LANGUAGES", "LANGUAGE_CODE", "LOCALE_PATHS"):
        _CHOICE_LABELS.clear()


class ChoiceLabelsMixin:
    """get_FOO_display() with each field's labels translated once per language. Django rebuilds the whole
    dict on every call and translates each lazy label on the way: a list of 25 cases or a timeline of
    hundreds of records pays that thousands of times."""

    def _get_FIELD_display(self, field):
        value = getattr(self, field.attname)
        return _choice_labels(field).get(value, value)

    @classmethod
    def choice_labels(cls, field_name):
        """{value: label} of a field in the active language, as get_FOO_display() gives them (list rows read
        as values() look their labels up here, once per page)."""
        return _choice_labels(cls._meta.get_field(field_name))

    @classmethod
    def choice_label(cls, field_name, value):
        return cls.choice_labels(field_name).get(value, value)


def _choice_labels(field):
    key = (field, get_language())
    labels = _CHOICE_LABELS.get(key)
    if labels is None:
        labels = _CHOICE_LABELS[key] = {value: force_str(label, strings_only=True) for value, label in field.flatchoices}
    return labels


class Incident(ChoiceLabelsMixin, ConcurrentTransitionMixin, workflow.IncidentTransitions, models.Model):
    """A reported incident. Its step changes (start_gathering, ..., close, dismiss, reopen) are the django-fsm
    transitions built from ``workflow.TRANSITIONS``; they only move ``state``."""

    # school and reporter lead the indexes in Meta; an index of their own would only slow every report down.
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="incidents", verbose_name=_("school"),
                               db_index=False)
    reporter = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, related_name="reported_incidents",
        verbose_name=_("reporter"), db_index=False,
    )
    reported_at = models.DateTimeField(_("reported at"), default=timezone.now)
    occurred_at = models.DateTimeField(_("occurred at"), null=True, blank=True, validators=[validate_in_past])
    discovered_at = models.DateTimeField(_("discovered at"), default=timezone.now, validators=[validate_in_past])
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    category = models.CharField(_("category"), max_length=32, choices=Category.choices)
    severity = models.CharField(_("severity"), max_length=16, choices=Severity.choices, blank=True)
    privacy_flag = models.BooleanField(
        _("privacy incident or data breach"), default=False,
        help_text=_("Personal data was exposed or shared; the privacy officer (FG) is informed."),
    )
    description = BoundedTextField(_("what happened"), max_length=LONG_TEXT_MAX_LENGTH)
    facts_account = BoundedTextField(_("written account of the facts"), blank=True, max_length=LONG_TEXT_MAX_LENGTH)

    state = FSMField(_("step"), max_length=16, choices=State.choices, default=State.REPORTED, protected=True)
    state_changed_at = models.DateTimeField(_("in this step since"), default=timezone.now)

    decision = models.CharField(_("decision"), max_length=20, choices=Decision.choices, blank=True)
    victim_type = models.CharField(_("victim"), max_length=8, choices=VictimType.choices, blank=True)
    decision_reasoning = BoundedTextField(_("reasoning"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)
    protocol_version = models.ForeignKey(
        "portal.ProtocolVersion", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("protocol version"),
    )

    # History rows are read per case (by id) and by date; the foreign keys need no index there.
    history = HistoricalRecords(excluded_fields=["state_changed_at"],
                                no_db_index=["school", "reporter", "decided_by", "protocol_version"])

    class Meta:
        verbose_name = _("incident")
        verbose_name_plural = _("incidents")
        ordering = ["-reported_at"]
        indexes = [
            # Covers the dashboard: its counts and the ids of a page are read from this index alone.
            models.Index(
                fields=["school", "state", "-reported_at"], name="incident_school_state_list",
                include=["id", "category", "severity", "platform", "privacy_flag", "state_changed_at"],
            ),
            models.Index(fields=["reporter", "-reported_at"]),
            models.Index(fields=["state", "state_changed_at"]),
        ]

    def refresh_from_db(self, using=None, fields=None, from_queryset=None):
        """Reload the row, the protected step included, safely under a threaded server.

        django-fsm's own refresh switches the step's protection off on the field, which the whole process shares,
        and back on afterwards: a second thread reloading a case at that moment found the protection back on and
        failed with "Direct state modification is not allowed" (two leaders changing the step of one case at
        once). Only this instance's step is forgotten instead, so that the reload may set it."""
        names = None if fields is None else {self._meta.get_field(name).attname for name in fields}
        if names is None or "state" in names:
            saved = self.__dict__.pop("state", None)
            try:
                models.Model.refresh_from_db(self, using=using, fields=fields, from_queryset=from_queryset)
            except Exception:
                if saved is not None and "state" not in self.__dict__:
                    self.__dict__["state"] = saved
                raise
        else:
            models.Model.refresh_from_db(self, using=using, fields=fields, from_queryset=from_queryset)
        self._update_initial_state()

    def __str__(self):
        return f"{self.reference} – {self.get_category_display()}"

    @property
    def reference(self):
        return self.make_reference(self.pk, self.reported_at)

    @staticmethod
    def make_reference(pk, reported_at):
        """The case number staff quote: M-<year reported>-<number>."""
        return f"M-{reported_at:%Y}-{pk:05d}" if pk else "M-nieuw"

    @property
    def is_open(self):
        return self.state in workflow.OPEN_STATES

    @property
    def step_number(self):
        return workflow.step_number(self.state)


class IncidentRecordQuerySet(models.QuerySet):
    def current(self):
        """The records that count: not withdrawn. Step guards, dossiers, registers and reminders read these."""
        return self.filter(withdrawn_at__isnull=True)


class IncidentRecord(ChoiceLabelsMixin, models.Model):
    """Fields every record on a case shares: which case, who logged it, when, and in which step.

    A record is never deleted by a user: it is withdrawn (who, when, why) or corrected (simple-history keeps the
    old values, a CaseEvent says what changed). ``correctable_fields`` are the fields a correction may change;
    what a record *is* (the person linked, the kind of action, the audience of a message) is not corrected but
    withdrawn and recorded anew."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="+", verbose_name=_("incident"))
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("logged by"))
    created_at = models.DateTimeField(_("logged at"), default=timezone.now)
    step = models.CharField(_("step"), max_length=16, choices=State.choices)
    withdrawn_at = models.DateTimeField(_("withdrawn at"), null=True, blank=True)
    withdrawn_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                     verbose_name=_("withdrawn by"), db_index=False)
    withdrawal_reason = BoundedTextField(_("reason for withdrawal"), blank=True)

    objects = IncidentRecordQuerySet.as_manager()

    correctable_fields = ()

    class Meta:
        abstract = True
        ordering = ["created_at"]

    @property
    def is_withdrawn(self):
        return self.withdrawn_at is not None

    @classmethod
    def record_type(cls):
        """The record's kind as it appears in URLs and case events."""
        return cls._meta.model_name


class Transition(ChoiceLabelsMixin, models.Model):
    """One row per step change: the case's history of where it has been."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="transitions", verbose_name=_("incident"))
    name = models.CharField(_("transition"), max_length=32)
    source = models.CharField(_("from"), max_length=16, choices=State.choices)
    target = models.CharField(_("to"), max_length=16, choices=State.choices)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("by"))
    at = models.DateTimeField(_("at"), default=timezone.now)
    note = BoundedTextField(_("note"), blank=True)

    class Meta:
        verbose_name = _("step change")
        verbose_name_plural = _("step changes")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"])]


class Evidence(IncidentRecord):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evidence", verbose_name=_("incident"))
    file = models.FileField(_("file"), storage=private_storage, upload_to="evidence/%Y/%m/", blank=True)
    content_type = models.CharField(_("type"), max_length=64, blank=True)
    original_name = models.CharField(_("original file name"), max_length=255, blank=True)
    size = models.PositiveIntegerField(_("size"), default=0)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    description = models.CharField(_("description"), max_length=500, blank=True)
    token = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    # An image is stored as uploaded (after the checks) and re-encoded by a worker; until then it is not served.
    processed = models.BooleanField(_("processed"), default=True)
    processing_error = models.CharField(_("processing error"), max_length=300, blank=True)

    history = HistoricalRecords(no_db_index=["created_by", "token"])
    correctable_fields = ("description",)

    class Meta(IncidentRecord.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(file="") | ~models.Q(url="") | ~models.Q(processing_error=""),
                name="evidence_has_file_or_link",
            ),
        ]

    def __str__(self):
        return self.original_name or self.url

    @property
    def is_image(self):
        return self.content_type.startswith("image/")


class InvolvementRole(models.TextChoices):
    VICTIM = "victim", _("Victim")
    PERPETRATOR = "perpetrator", _("Perpetrator")
    WITNESS = "witness", _("Witness")
    REPORTER = "reporter", _("Reporter")


class Involvement(IncidentRecord):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="involvements", verbose_name=_("incident"))
    person = models.ForeignKey(Person, on_delete=models.PROTECT, related_name="involvements", verbose_name=_("person"))
    role = models.CharField(_("role"), max_length=16, choices=InvolvementRole.choices)
    note = models.CharField(_("note"), max_length=500, blank=True)

    history = HistoricalRecords()
    correctable_fields = ("role", "note")

    class Meta(IncidentRecord.Meta):
        verbose_name = _("involved person")
        verbose_name_plural = _("involved people")
        constraints = [models.UniqueConstraint(fields=["incident", "person", "role"], condition=models.Q(withdrawn_at__isnull=True),
                                               name="involvement_unique_current")]

    def __str__(self):
        return f"{self.person} ({self.get_role_display()})"


class ActionKind(models.TextChoices):
    CONFRONTATION = "confrontation", _("Perpetrator confronted with the facts")
    SANCTIONS = "sanctions", _("Sanctions considered")
    AFTERCARE = "aftercare", _("Aftercare arranged")
    POLICE_CONSULTATION = "police_consultation", _("Situation put to the police")
    VICTIM_CONSULTATION = "victim_consultation", _("Victim (or guardians) consulted about a police report")
    STAY_INFORMED = "stay_informed", _("Agreed how everyone stays informed")
    FORWARD_REQUEST = "forward_request", _("Asked people not to forward")
    PROTOCOL = "protocol", _("Action required by the board's protocol")


class Action(IncidentRecord):
    """Work done for a step that is not a record of its own kind: who was spoken to, what was agreed."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="actions", verbose_name=_("incident"))
    kind = models.CharField(_("kind"), max_length=24, choices=ActionKind.choices)
    happened_at = models.DateTimeField(_("when"), default=timezone.now, validators=[validate_in_past])
    with_whom = models.CharField(_("with whom"), max_length=300, blank=True)
    outcome = BoundedTextField(_("what was said or agreed"))
    wants_police_report = models.BooleanField(_("they want a police report to be filed"), null=True, blank=True)
    protocol_code = models.SlugField(_("protocol action"), max_length=40, blank=True)

    history = HistoricalRecords()
    correctable_fields = ("happened_at", "with_whom", "outcome", "wants_police_report")

    class Meta(IncidentRecord.Meta):
        verbose_name = _("action")
        verbose_name_plural = _("actions")

    def __str__(self):
        return self.get_kind_display()

    def clean(self):
        from django.core.exceptions import ValidationError

        if self.kind == ActionKind.VICTIM_CONSULTATION and self.wants_police_report is None:
            raise ValidationError({"wants_police_report": _("Record whether they want a police report to be filed.")})


class Waiver(IncidentRecord):
    """An explicit 'not applicable' for one piece of a step's work, with the reason."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="waivers", verbose_name=_("incident"))
    item = models.CharField(_("work item"), max_length=24, choices=workflow.WaivableItem.choices)
    reason = BoundedTextField(_("reason"))

    history = HistoricalRecords()
    correctable_fields = ("reason",)

    class Meta(IncidentRecord.Meta):
        verbose_name = _("not applicable")
        verbose_name_plural = _("not applicable")

    def __str__(self):
        return self.get_item_display()


class PoliceReportFiler(models.TextChoices):
    SCHOOL = "school", _("The school")
    GUARDIANS = "guardians", _("The guardians")
    PUPIL = "pupil", _("The pupil")
    STAFF_MEMBER = "staff_member", _("The staff member")


class PoliceReport(IncidentRecord):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="police_reports", verbose_name=_("incident"))
    filed_by = models.CharField(_("filed by"), max_length=16, choices=PoliceReportFiler.choices)
    filed_at = models.DateTimeField(_("filed at"), validators=[validate_in_past])
    police_reference = models.CharField(_("police reference"), max_length=100, blank=True)
    police_contact = models.CharField(_("police contact"), max_length=200, blank=True)
    note = BoundedTextField(_("note"), blank=True)

    history = HistoricalRecords()
    correctable_fields = ("filed_by", "filed_at", "police_reference", "police_contact", "note")

    class Meta(IncidentRecord.Meta):
        verbose_name = _("police report")
        verbose_name_plural = _("police reports")

    def __str__(self):
        return f"{self.get_filed_by_display()} {self.filed_at:%d-%m-%Y} {self.police_reference}"


class TakedownOutcome(models.TextChoices):
    PENDING = "pending", _("Not yet handled")
    REMOVED_BY_AUTHOR = "removed_by_author", _("Removed by the author")
    REMOVED_BY_PLATFORM = "removed_by_platform", _("Removed by the platform")
    REQUESTED = "requested", _("Removal requested")
    NOT_POSSIBLE = "not_possible", _("Removal not possible")


# A post with one of these outcomes is still watched (reminders); the others are final.
WATCHED_TAKEDOWN_OUTCOMES = (TakedownOutcome.PENDING, TakedownOutcome.REQUESTED)


class Takedown(IncidentRecord):
    """A harmful post and what was done to have it removed."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="takedowns", verbose_name=_("incident"))
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    url = models.URLField(_("link"), max_length=2000, blank=True)
    description = models.CharField(_("description"), max_length=500)
    outcome = models.CharField(_("outcome"), max_length=24, choices=TakedownOutcome.choices, default=TakedownOutcome.PENDING)
    outcome_reason = BoundedTextField(_("explanation"), blank=True)
    outcome_at = models.DateTimeField(_("outcome recorded at"), null=True, blank=True)

    history = HistoricalRecords()
    # The outcome has a service of its own (takedown_resolve): each change is an event of its own.
    correctable_fields = ("platform", "url", "description")

    class Meta(IncidentRecord.Meta):
        verbose_name = _("harmful post")
        verbose_name_plural = _("harmful posts")

    def __str__(self):
        return f"{self.get_platform_display()}: {self.description}"

    @property
    def outcome_is_final(self):
        return self.outcome not in WATCHED_TAKEDOWN_OUTCOMES


class InformedParty(IncidentRecord):
    """Step 5: who was informed, when, what they were told and what happens next."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="informed_parties", verbose_name=_("incident"))
    who = models.CharField(_("who was informed"), max_length=300)
    informed_at = models.DateTimeField(_("when"), default=timezone.now, validators=[validate_in_past])
    what_was_said = BoundedTextField(_("what was said"))
    next_steps = BoundedTextField(_("next steps"))

    history = HistoricalRecords()
    correctable_fields = ("who", "informed_at", "what_was_said", "next_steps")

    class Meta(IncidentRecord.Meta):
        verbose_name = _("informed party")
        verbose_name_plural = _("informed parties")

    def __str__(self):
        return self.who


class Audience(models.TextChoices):
    INTERNAL = "internal", _("Internal")
    EXTERNAL = "external", _("External")
    PRESS = "press", _("Press")


class Message(IncidentRecord):
    """Step 6: the communication log. Internal before external; the press only via the spokesperson."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="messages", verbose_name=_("incident"))
    audience = models.CharField(_("audience"), max_length=16, choices=Audience.choices)
    sent_at = models.DateTimeField(_("sent at"), default=timezone.now, validators=[validate_in_past])
    channel = models.CharField(_("channel"), max_length=100, help_text=_("For example: letter, e-mail, meeting, press release."))
    recipients = models.CharField(_("recipients"), max_length=300)
    summary = BoundedTextField(_("content"))
    approved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
        verbose_name=_("approved by the spokesperson"),
    )

    history = HistoricalRecords()
    # Audience and approval are checked when the message is logged (internal first, the spokesperson).
    correctable_fields = ("sent_at", "channel", "recipients", "summary")

    class Meta(IncidentRecord.Meta):
        verbose_name = _("message")
        verbose_name_plural = _("messages")

    def __str__(self):
        return f"{self.get_audience_display()}: {self.recipients}"


class ProtocolWorked(models.TextChoices):
    YES = "yes", _("Yes")
    PARTLY = "partly", _("Partly")
    NO = "no", _("No")


class Evaluation(IncidentRecord):
    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="evaluations", verbose_name=_("incident"))
    protocol_worked = models.CharField(_("did the protocol work?"), max_length=8, choices=ProtocolWorked.choices)
    measures_worked = BoundedTextField(_("did the measures work?"))
    adjustments = BoundedTextField(_("what should be adjusted?"), blank=True)
    propose_protocol_change = models.BooleanField(_("propose a change to the protocol"), default=False)

    history = HistoricalRecords()
    correctable_fields = ("protocol_worked", "measures_worked", "adjustments", "propose_protocol_change")

    class Meta(IncidentRecord.Meta):
        verbose_name = _("evaluation")
        verbose_name_plural = _("evaluations")

    def __str__(self):
        label = _("Evaluation")
        return f"{label} {self.created_at:%d-%m-%Y}"


class AssignmentKind(models.TextChoices):
    AFTERCARE = "aftercare", _("Aftercare")
    COMMUNICATION = "communication", _("Communication advice")
    COLLEAGUE = "colleague", _("Helping with the case")


class Assignment(IncidentRecord):
    """Someone asked to work on the case (counsellor for aftercare, communications officer for step 6)."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="assignments", verbose_name=_("incident"))
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="assignments", verbose_name=_("person"))
    kind = models.CharField(_("for"), max_length=16, choices=AssignmentKind.choices)

    history = HistoricalRecords()

    class Meta(IncidentRecord.Meta):
        verbose_name = _("assignment")
        verbose_name_plural = _("assignments")
        constraints = [models.UniqueConstraint(fields=["incident", "user", "kind"], condition=models.Q(withdrawn_at__isnull=True),
                                               name="assignment_unique_current")]
        indexes = [models.Index(fields=["user", "incident"])]

    def __str__(self):
        return f"{self.user} ({self.get_kind_display()})"


class BreachRisk(models.TextChoices):
    """The FG's conclusion: not a data breach after all, or a breach with no risk, a risk or a high risk."""

    NO_BREACH = "no_breach", _("No data breach")
    NONE = "none", _("No risk")
    RISK = "risk", _("Risk")
    HIGH = "high", _("High risk")


# Conclusions after which the breach is reported to the Autoriteit Persoonsgegevens.
BREACH_REPORTABLE = (BreachRisk.RISK, BreachRisk.HIGH)


BREACH_DEADLINE = timezone.timedelta(hours=72)


class BreachAssessmentQuerySet(models.QuerySet):
    def ap_decision_open(self):
        """Breaches whose 72-hour question (must the AP be told?) is not settled yet."""
        return self.filter(
            models.Q(decided_at__isnull=True)
            | models.Q(risk__in=BREACH_REPORTABLE, ap_notified_at__isnull=True)
        )

    def overdue(self, now=None):
        return self.ap_decision_open().filter(discovered_at__lt=(now or timezone.now()) - BREACH_DEADLINE)


class BreachAssessment(models.Model):
    """The FG's review of a privacy incident (AVG art. 33/34), kept in the breach register whatever the outcome."""

    incident = models.OneToOneField(Incident, on_delete=models.CASCADE, related_name="breach_assessment", verbose_name=_("incident"))
    discovered_at = models.DateTimeField(_("discovered at"), validators=[validate_in_past])
    data_description = BoundedTextField(_("which personal data"), blank=True)
    data_subjects = BoundedTextField(_("whose data (data subjects)"), blank=True)
    risk = models.CharField(_("conclusion"), max_length=16, choices=BreachRisk.choices, blank=True,
                            help_text=_("Is it a data breach, and if so, how great is the risk for the data subjects?"))
    risk_reasoning = BoundedTextField(_("reasoning"), blank=True)
    ap_notified_at = models.DateTimeField(_("reported to the Autoriteit Persoonsgegevens at"), null=True, blank=True,
                                          validators=[validate_in_past])
    ap_reference = models.CharField(_("AP reference"), max_length=100, blank=True)
    subjects_informed_at = models.DateTimeField(_("data subjects informed at"), null=True, blank=True,
                                                validators=[validate_in_past])
    subjects_informed_how = BoundedTextField(_("how the data subjects were informed"), blank=True)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("decided by")
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)
    created_at = models.DateTimeField(_("opened at"), default=timezone.now)

    history = HistoricalRecords()
    objects = BreachAssessmentQuerySet.as_manager()

    class Meta:
        verbose_name = _("data-breach assessment")
        verbose_name_plural = _("data-breach assessments")
        ordering = ["discovered_at"]
        indexes = [models.Index(fields=["decided_at", "discovered_at"])]

    def __str__(self):
        label = _("Breach review")
        return f"{label} {self.incident.reference}"

    @property
    def deadline(self):
        return self.discovered_at + BREACH_DEADLINE

    @property
    def ap_decision_open(self):
        return self.decided_at is None or (self.risk in BREACH_REPORTABLE and self.ap_notified_at is None)

    @property
    def is_overdue(self):
        return self.ap_decision_open and timezone.now() > self.deadline

    @property
    def is_concluded(self):
        """Nothing left to do: assessed, reported to the AP when it must be, data subjects informed at high risk."""
        return not self.ap_decision_open and not (self.risk == BreachRisk.HIGH and self.subjects_informed_at is None)

    @property
    def status(self):
        if self.decided_at is None:
            return _("To be assessed")
        if self.risk in BREACH_REPORTABLE and self.ap_notified_at is None:
            return _("To be reported to the AP")
        if self.risk == BreachRisk.HIGH and self.subjects_informed_at is None:
            return _("Data subjects to be informed")
        return _("Completed")


class CaseEventKind(models.TextChoices):
    TAKEDOWN_OUTCOME = "takedown_outcome", _("Outcome of a harmful post")
    RECORD_CORRECTED = "record_corrected", _("Record corrected")
    RECORD_WITHDRAWN = "record_withdrawn", _("Record withdrawn")
    BREACH_ASSESSED = "breach_assessed", _("Breach assessed")
    BREACH_AP_NOTIFIED = "breach_ap_notified", _("Breach reported to the AP")
    BREACH_SUBJECTS_INFORMED = "breach_subjects_informed", _("Data subjects informed")
    BREACH_CONCLUDED = "breach_concluded", _("Breach review concluded")
    LVI_REPORT = "lvi_report", _("LVI report")
    LVI_CALL = "lvi_call", _("Reported to the LVI")


def event_value(obj, name):
    """A field's value as a case event keeps it: JSON, readable without the row (a related row with its name)."""
    field = obj._meta.get_field(name)
    value = getattr(obj, name)
    if field.is_relation:
        return {"id": value.pk, "text": str(value)} if value is not None else None
    if hasattr(value, "isoformat"):
        return value.isoformat()
    return value


class CaseEvent(ChoiceLabelsMixin, models.Model):
    """A change on a case that no record row holds by itself: a takedown's new outcome, a correction (what
    changed from what to what), a withdrawal, a step of the FG's review, an LVI report. Append-only: written by
    the service that makes the change, in its transaction, and never updated.

    ``record_type``/``record_id`` name the record it is about (IncidentRecord.record_type(), or another app's
    model name); ``changes`` holds {field: [old, new]} as JSON values (dates in ISO form, a related row as
    {"id", "text"})."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="events", verbose_name=_("incident"),
                                 db_index=False)
    at = models.DateTimeField(_("at"), default=timezone.now)
    actor = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                              verbose_name=_("by"), db_index=False)
    kind = models.CharField(_("kind"), max_length=32, choices=CaseEventKind.choices)
    record_type = models.CharField(_("record type"), max_length=32, blank=True)
    record_id = models.PositiveBigIntegerField(_("record"), null=True, blank=True)
    changes = models.JSONField(_("changes"), default=dict, blank=True)
    reason = BoundedTextField(_("reason"), blank=True)

    class Meta:
        verbose_name = _("case event")
        verbose_name_plural = _("case events")
        ordering = ["at", "pk"]
        indexes = [models.Index(fields=["incident", "at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.get_kind_display()}"
