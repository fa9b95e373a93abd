"""Reports from pupils, parents and others without an account, made on a school's public reporting page.

A report is never erased: the school leader turns it into a case, adds it to a case, or sets it aside with a
reason (who, when, why stay on the row). The sender follows it with a code of which only a hash is kept. At the end
of the board's retention period the report is anonymised (``publicreports/retention.py``): a tombstone stays."""

import secrets

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from incidents.models import ChoiceLabelsMixin, Incident, Platform
from incidents.workflow import OPEN_STATES
from portal.models import School
from portal.validators import TEXT_MAX_LENGTH, BoundedTextField, validate_in_past

NAME_MAX_LENGTH = 100
CONTACT_MAX_LENGTH = 200
DESCRIPTION_MAX_LENGTH = TEXT_MAX_LENGTH
MAX_LINKS = 5


def new_page_key():
    """The part of the public address that names the school's page: not a school number that can be counted up."""
    return secrets.token_urlsafe(9)


class ReportingPage(models.Model):
    """A school's public reporting page: its address and whether it takes reports now."""

    school = models.OneToOneField(School, on_delete=models.PROTECT, related_name="reporting_page", verbose_name=_("school"))
    key = models.CharField(_("address key"), max_length=24, unique=True, default=new_page_key, editable=False)
    paused = models.BooleanField(_("paused"), default=False)
    changed_at = models.DateTimeField(_("changed at"), null=True, blank=True)
    changed_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("changed by"))

    class Meta:
        verbose_name = _("public reporting page")
        verbose_name_plural = _("public reporting pages")

    def __str__(self):
        return str(self.school)


class SenderRole(models.TextChoices):
    PUPIL = "pupil", _("Pupil")
    GUARDIAN = "guardian", _("Parent or guardian")
    OTHER = "other", _("Someone else")


class Outcome(models.TextChoices):
    CASE_OPENED = "case_opened", _("Made into a case")
    ADDED_TO_CASE = "added_to_case", _("Added to a case")
    SET_ASIDE = "set_aside", _("Set aside")


class Status(models.TextChoices):
    """What the sender sees with the code, and nothing more."""

    RECEIVED = "received", _("Received")
    IN_PROGRESS = "in_progress", _("Being handled")
    CLOSED = "closed", _("Dealt with")


class PublicReport(ChoiceLabelsMixin, models.Model):
    school = models.ForeignKey(School, on_delete=models.PROTECT, related_name="public_reports", verbose_name=_("school"),
                               db_index=False)
    received_at = models.DateTimeField(_("received at"), default=timezone.now)
    sender_role = models.CharField(_("sender"), max_length=12, choices=SenderRole.choices)
    description = BoundedTextField(_("what happened"), max_length=DESCRIPTION_MAX_LENGTH)
    platform = models.CharField(_("platform"), max_length=16, choices=Platform.choices)
    links = models.JSONField(_("links"), default=list, blank=True)
    occurred_on = models.DateField(_("when it happened"), null=True, blank=True, validators=[validate_in_past])
    sender_name = models.CharField(_("sender's name"), max_length=NAME_MAX_LENGTH, blank=True)
    sender_contact = models.CharField(_("sender's contact details"), max_length=CONTACT_MAX_LENGTH, blank=True)
    wants_counsellor = models.BooleanField(_("the confidential counsellor may read it"), default=False)
    # sha256 of the follow-up code (120 random bits): the code itself is shown once and kept nowhere.
    code_hash = models.CharField(max_length=64, unique=True, editable=False)

    outcome = models.CharField(_("outcome"), max_length=16, choices=Outcome.choices, blank=True)
    incident = models.ForeignKey(Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="public_reports",
                                 verbose_name=_("case"))
    handled_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True,
                                   related_name="+", verbose_name=_("handled by"))
    handled_at = models.DateTimeField(_("handled at"), null=True, blank=True)
    set_aside_reason = BoundedTextField(_("reason"), blank=True)
    anonymised_at = models.DateTimeField(_("anonymised at"), null=True, blank=True)

    class Meta:
        verbose_name = _("public report")
        verbose_name_plural = _("public reports")
        ordering = ["-received_at", "-pk"]
        indexes = [models.Index(fields=["school", "-received_at"])]

    def __str__(self):
        return f"{self.get_sender_role_display()} – {self.received_at:%Y-%m-%d %H:%M}"

    @property
    def is_named(self):
        return bool(self.sender_name or self.sender_contact)

    @property
    def status(self):
        """Received until the school leader decides; being handled while its case is open; dealt with once it is
        set aside or its case is closed or dismissed."""
        if self.outcome == Outcome.SET_ASIDE:
            return Status.CLOSED
        if self.incident_id is not None:
            return Status.IN_PROGRESS if self.incident.state in OPEN_STATES else Status.CLOSED
        return Status.RECEIVED


class PublicReportAddition(models.Model):
    """Information the sender added later with the follow-up code."""

    report = models.ForeignKey(PublicReport, on_delete=models.PROTECT, related_name="additions", verbose_name=_("report"))
    added_at = models.DateTimeField(_("added at"), default=timezone.now)
    text = BoundedTextField(_("added information"), max_length=DESCRIPTION_MAX_LENGTH)
    links = models.JSONField(_("links"), default=list, blank=True)

    class Meta:
        verbose_name = _("added information")
        verbose_name_plural = _("added information")
        ordering = ["added_at", "pk"]

    def __str__(self):
        return f"{self.report} + {self.added_at:%Y-%m-%d %H:%M}"
