"""The records the seven protocol steps produce on a case; withdrawn or corrected, never erased."""

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.history import HistoricalRecords
from portal.models import Person
from portal.validators import BoundedTextField, validate_in_past

from .. import workflow
from ..workflow import State
from .incident import private_storage, Platform, ChoiceLabelsMixin, Incident


class IncidentRecordQuerySet(models.QuerySet):
    def current(self):
        """The records that count: not withdrawn. Step guards, dossiers, registers and reminders read these."""
        return self.filter(withdrawn_at__isnull=True)


class EvidenceQuerySet(IncidentRecordQuerySet):
    def servable(self):
        """The files that may be opened, exported or handed over: counted, re-encoded, present and never quarantined
        (an image of a minor's nudity is opened by nobody)."""
        return self.current().filter(processed=True, quarantined_at__isnull=True).exclude(file="")


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
    # Integrity: the SHA-256 of the bytes as they were received (computed while the upload streamed in, before any
    # re-encoding; created_by and created_at say who uploaded it and when) and of the copy that is stored and served.
    sha256 = models.CharField(_("SHA-256 as received"), max_length=64, blank=True)
    received_size = models.PositiveIntegerField(_("size as received"), default=0)
    stored_sha256 = models.CharField(_("SHA-256 of the stored copy"), max_length=64, blank=True)
    # The box "het gaat om een naaktbeeld van een minderjarige" was ticked when this (link) was recorded.
    minor_nudity = models.BooleanField(_("it concerns a nude image of a minor"), default=False)
    # Quarantine: a file marked as (possibly) showing a minor's nudity is opened by nobody, and deleted for good at
    # the handover to the police or at once. The row stays (hash, size, who and when), the file goes.
    quarantined_at = models.DateTimeField(_("quarantined at"), null=True, blank=True)
    quarantined_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                       related_name="+", verbose_name=_("quarantined by"), db_index=False)
    destroyed_at = models.DateTimeField(_("file deleted at"), null=True, blank=True)
    destroyed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("file deleted by"), db_index=False)

    objects = EvidenceQuerySet.as_manager()
    history = HistoricalRecords(no_db_index=["created_by", "token", "quarantined_by", "destroyed_by"])
    correctable_fields = ("description",)

    class Meta(IncidentRecord.Meta):
        verbose_name = _("evidence")
        verbose_name_plural = _("evidence")
        constraints = [
            models.CheckConstraint(
                condition=(~models.Q(file="") | ~models.Q(url="") | ~models.Q(processing_error="")
                           | models.Q(destroyed_at__isnull=False)),
                name="evidence_has_file_or_link",
            ),
        ]

    def __str__(self):
        return self.original_name or self.url

    @property
    def is_image(self):
        return self.content_type.startswith("image/")

    @property
    def is_quarantined(self):
        return self.quarantined_at is not None

    @property
    def is_servable(self):
        return bool(self.file) and self.processed and not self.is_quarantined and not self.is_withdrawn


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
