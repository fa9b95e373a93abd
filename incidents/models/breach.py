"""The FG's data-breach review of a privacy incident (AVG art. 33/34)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.history import HistoricalRecords
from portal.validators import BoundedTextField, validate_in_past

from .incident import Incident


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
        return self.is_overdue_at(timezone.now())

    def is_overdue_at(self, now):
        """The 72 hours have passed and the AP question is still open (at the deadline itself: passed)."""
        return self.ap_decision_open and now >= self.deadline

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
