"""The case itself: its choices, its step (django-fsm, table in workflow.py) and its step changes."""

from django.conf import settings
from django.core.signals import setting_changed
from django.db import models
from django.dispatch import receiver
from django.utils import timezone
from django.utils.encoding import force_str
from django.utils.translation import get_language
from django.utils.translation import gettext_lazy as _
from django_fsm import ConcurrentTransitionMixin, FSMField

from portal import files
from portal.history import HistoricalRecords
from portal.models import School
from portal.validators import LONG_TEXT_MAX_LENGTH, BoundedTextField, validate_in_past

from .. import workflow
from ..workflow import State


def private_storage():
    return files.private_storage()


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
    # "Het gaat om een naaktbeeld van een minderjarige": ticked on the report or marked by the school leader. Such a
    # case carries no file (incidents/imagery.py), and its files are quarantined (services/quarantine.py).
    minor_nudity = models.BooleanField(_("it concerns a nude image of a minor"), default=False)
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
