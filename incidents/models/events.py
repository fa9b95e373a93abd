"""The case's append-only events: what a record row cannot hold by itself (outcome changes, corrections, withdrawals, the FG's review, LVI reports)."""

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.validators import BoundedTextField

from .incident import ChoiceLabelsMixin, Incident


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
    PUBLIC_REPORT = "public_report", _("Report from the public reporting page")
    PUBLIC_REPORT_NAMED = "public_report_named", _(
        "Report from the public reporting page; the sender gave a name (only the school leader and the confidential counsellor see it, on the report)")
    PUBLIC_REPORT_ADDITION = "public_report_addition", _("Information added by the sender of a public report")
    MINOR_NUDITY_MARKED = "minor_nudity_marked", _("Marked: a nude image of a minor")
    EVIDENCE_QUARANTINED = "evidence_quarantined", _("File quarantined")
    EVIDENCE_HANDED_OVER = "evidence_handed_over", _("Quarantined file deleted at the handover to the police")
    EVIDENCE_DESTROYED = "evidence_destroyed", _("Quarantined file deleted at once")


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
