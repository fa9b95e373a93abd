"""Retention: closed cases older than the board's period are anonymised, leaving a tombstone.

The tombstone is the incident row itself with its id, school, dates, category, platform, severity and
final step — enough for the statistics — while every text, person, file and record about the case is
removed, including the field history that would otherwise keep the old texts.

Other apps keep personal data that retention covers too (the public reports). incidents imports no other domain
app, so those apps give a ``RetentionPart`` and the settings name it (``MELDPUNT_RETENTION_PARTS``, as they name
the export registers): the run lists and anonymises their records with the cases, and a part may anonymise what
belongs to a case in the case's own transaction.
"""

from dataclasses import dataclass, field

from dateutil.relativedelta import relativedelta
from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

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


CASES = "case(s)"


class RetentionPart:
    """Records of another app that retention anonymises too, named in ``settings.MELDPUNT_RETENTION_PARTS``."""

    name = ""  # what the run's report calls them, e.g. "public report(s)"

    def candidates(self, *, board, now):
        """What of ``board`` is past its period at ``now``: what a dry run lists. This includes what goes with a
        case that is itself a candidate (a dry run anonymises no case, yet lists what would go with it)."""
        raise NotImplementedError

    def reference(self, obj):
        return str(obj.pk)

    model = None  # the part's records, locked by ``anonymise``

    def owner(self, record):
        """What ``record`` goes with (its case, or its sanction), or None when it goes by its own dates."""
        return record.incident if getattr(record, "incident_id", None) is not None else None

    def anonymise_record(self, *, record, now):
        """Remove what ``record`` says about people, keep its tombstone; True if it was anonymised now."""
        raise NotImplementedError

    def anonymise(self, *, obj, board, now):
        """Anonymise one candidate if it is still past the period under the lock; True if it was anonymised now.
        Idempotent. A record that goes with something else goes after it, never before; one that goes by its own
        dates is listed anew, as something may have been recorded on it since the run listed it."""
        with transaction.atomic():
            locked = self.model.objects.select_for_update(of=("self",)).get(pk=obj.pk)
            owner = self.owner(locked)
            if owner is not None:
                if owner.anonymised_at is None:
                    return False
            elif not self.candidates(board=board, now=now).filter(pk=locked.pk).exists():
                return False
            return self.anonymise_record(record=locked, now=now)

    def anonymise_with_case(self, *, incident, now):
        """Anonymise what belongs to ``incident``, inside the transaction that anonymises the case."""


def retention_parts():
    return [import_string(path) for path in settings.MELDPUNT_RETENTION_PARTS]


@dataclass
class RetentionReport:
    """What a run would anonymise (dry run) or did anonymise: per kind (the cases first, then each part's), per
    board, their references."""

    kinds: dict = field(default_factory=dict)  # kind -> board name -> list of references

    def add(self, kind, board, references):
        boards = self.kinds.setdefault(kind, {})
        if references:
            boards[board.name] = references

    def references(self, kind):
        return [ref for refs in self.kinds.get(kind, {}).values() for ref in refs]

    def count(self, kind):
        return len(self.references(kind))

    @property
    def total(self):
        return sum(self.count(kind) for kind in self.kinds)


def retention_cutoff(*, board, now=None):
    """The moment before which what closed (or was last touched) is past ``board``'s period; None: kept for ever."""
    if not board.retention_months:
        return None
    return (now or timezone.now()) - relativedelta(months=board.retention_months)


def retention_candidates(*, board, now=None):
    cutoff = retention_cutoff(board=board, now=now)
    if cutoff is None:
        return Incident.objects.none()
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
        for part in retention_parts():  # what belongs to the case goes with it, in this transaction
            part.anonymise_with_case(incident=locked, now=now)
        audit_record(actor=None, action="retention.anonymise", obj=locked, board=locked.school.board)
    return True


def retention_run(*, apply, now=None):
    """Find (and with ``apply``, anonymise) the cases past their board's retention period, and the records of the
    parts (``MELDPUNT_RETENTION_PARTS``). A part's candidates are listed before the board's cases are anonymised,
    so that what goes with a case is listed by the dry run and by the run that anonymises it alike."""
    now = now or timezone.now()
    parts = retention_parts()
    report = RetentionReport(kinds={CASES: {}, **{part.name: {} for part in parts}})
    for board in Board.objects.filter(retention_months__isnull=False).order_by("name"):
        listed = [(part, list(part.candidates(board=board, now=now))) for part in parts]
        references = []
        for incident in retention_candidates(board=board, now=now).iterator(chunk_size=500):
            references.append(incident.reference)
            if apply:
                incident_anonymise(incident=incident, now=now)
        report.add(CASES, board, references)
        for part, objs in listed:
            for obj in objs:
                if apply:
                    part.anonymise(obj=obj, board=board, now=now)
            report.add(part.name, board, [part.reference(obj) for obj in objs])
    return report
