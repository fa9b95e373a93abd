"""Retention: closed cases older than the board's period are anonymised, leaving a tombstone.

The tombstone is the incident row itself with its id, school, dates, category, platform, severity and
final step — enough for the statistics — while every text, person, file and record about the case is
removed, including the field history that would otherwise keep the old texts.
"""

from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.db import transaction
from django.utils import timezone

from portal.audit import audit_record
from portal.files import field_file_delete_on_commit
from portal.models import Board, Notification

from .models import (
    Action, Assignment, BreachAssessment, CaseEvent, Evaluation, Evidence, Incident, InformedParty, Involvement, Message,
    PoliceReport, Takedown, Transition, Waiver,
)
from .workflow import State

RECORD_MODELS = [Evidence, Involvement, Action, Waiver, PoliceReport, Takedown, InformedParty, Message, Evaluation, Assignment]
FINAL_STATES = [State.CLOSED, State.DISMISSED]


@dataclass
class RetentionReport:
    """What a run would anonymise (dry run) or did anonymise, per board."""

    boards: dict = field(default_factory=dict)  # board name -> list of case references

    @property
    def total(self):
        return sum(len(refs) for refs in self.boards.values())


def retention_candidates(*, board, now=None):
    if not board.retention_months:
        return Incident.objects.none()
    cutoff = (now or timezone.now()) - relativedelta(months=board.retention_months)
    return Incident.objects.filter(
        school__board=board, state__in=FINAL_STATES, state_changed_at__lt=cutoff, anonymised_at__isnull=True,
    ).select_related("school")


def incident_anonymise(*, incident, now=None):
    """Remove everything personal about one case; keep the tombstone. Idempotent."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
        if locked.anonymised_at is not None:
            return False
        for evidence in Evidence.objects.filter(incident=locked).exclude(file=""):
            field_file_delete_on_commit(evidence.file)  # the files go once the rows are gone for good
        CaseEvent.objects.filter(incident=locked).delete()  # their reasons and old values are texts about the case
        for model in RECORD_MODELS:
            model.objects.filter(incident=locked).delete()
            model.history.filter(incident_id=locked.pk).delete()
        BreachAssessment.objects.filter(incident=locked).update(
            data_description="", data_subjects="", risk_reasoning="", subjects_informed_how="",
        )
        BreachAssessment.history.filter(incident_id=locked.pk).delete()
        Transition.objects.filter(incident=locked).update(note="")
        Notification.objects.filter(incident=locked).delete()
        Incident.objects.filter(pk=locked.pk).update(
            description="", facts_account="", decision_reasoning="", reporter=None, decided_by=None,
            anonymised_at=now,
        )
        locked.history.all().delete()
        audit_record(actor=None, action="retention.anonymise", obj=locked, board=locked.school.board)
    return True


def retention_run(*, apply, now=None):
    """Find (and with ``apply``, anonymise) the cases past their board's retention period."""
    report = RetentionReport()
    for board in Board.objects.filter(retention_months__isnull=False).order_by("name"):
        references = []
        for incident in retention_candidates(board=board, now=now).iterator(chunk_size=500):
            references.append(incident.reference)
            if apply:
                incident_anonymise(incident=incident, now=now)
        if references:
            report.boards[board.name] = references
    return report
