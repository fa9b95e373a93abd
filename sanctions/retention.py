"""Retention of the sanctions app's records: past the board's retention period they are anonymised, leaving a tombstone.

Which records, and when (the board is that of the record's school):

- A sanction that belongs to a case goes with that case: in the same transaction that anonymises the case
  (``anonymise_with_case``). One whose case was anonymised before sanctions were covered is picked up by the next run.
- A sanction without a case goes once its last activity is older than the period: the latest moment found on it
  (proposed, decided, guardians contacted, letter sent, admission, withdrawn, the day it takes effect and ends, any
  change in its field history) and on its records (hearings, decision letters, duties and their history, objections,
  dossier documents). One still running is kept, as an open case is: proposed and not decided yet, an objection not
  decided, a duty to report not done.
- A dossier document goes with its sanction; one without a sanction goes with its case, or, standing alone, once it
  was uploaded longer ago than the period. Its file is deleted once the anonymisation is committed.
- An LVI report goes by its own date: once the staff member was told and the LVI called longer ago than the period.

Anonymising removes the link to the person (the tombstone does not say whom it was about), every free text, reason,
name, address and file (decision, reasoning, the board's reason, how the guardians were contacted, the admitting
school, the hearings' who-was-there and summary, the letters' texts and addressees, the objections' objector, grounds
and reasoning, the duties' references, every reason for a withdrawal, the documents' descriptions, names and files,
the LVI report's how, inspector and summary), the users who decided and recorded where the row allows it, and the
field history that would otherwise keep the old texts. The tombstone keeps what the statistics need: the measure as
decided, its kind under education law, school, status, dates and number of days, the case it went with (a tombstone
itself), the hearings' parties, the letters' kind and dates, the duties' recipient and dates, the objections' dates
and outcome. The audit trail gets ``retention.anonymise`` for each sanction, document and LVI report, as for a case.
"""

from django.db import transaction
from django.db.models import DateTimeField, Exists, F, Max, OuterRef, Q, Subquery
from django.db.models.functions import Cast, Greatest
from django.urls import reverse
from django.utils import timezone

from incidents.retention import RetentionPart, retention_candidates, retention_cutoff
from portal.audit import audit_record
from portal.files import field_file_delete_on_commit

from .models import (
    Correspondence, DecisionLetter, Duty, Hearing, LviReport, Objection, ObjectionOutcome, Sanction, SanctionStatus,
)

FINAL_STATUSES = [SanctionStatus.DECIDED, SanctionStatus.REJECTED, SanctionStatus.WITHDRAWN]


def _moment(model, name):
    """A date or time field as a moment (a date counts from its midnight)."""
    if model._meta.get_field(name).get_internal_type() == "DateField":
        return Cast(F(name), DateTimeField())
    return F(name)


def _latest_of(model, names):
    moments = [_moment(model, name) for name in names]
    return moments[0] if len(moments) == 1 else Greatest(*moments)


def _latest_in(model, link, *names):
    """The latest of ``names`` over the rows of ``model`` whose ``link`` is the outer row (NULL without rows)."""
    rows = (model.objects.filter(**{link: OuterRef("pk")}).order_by().values(link)
            .annotate(latest=Max(_latest_of(model, names))).values("latest"))
    return Subquery(rows[:1], output_field=DateTimeField())


def sanction_last_activity():
    """The moment a sanction was last touched, by itself or by one of its records (PostgreSQL's GREATEST passes
    over the NULLs of what did not happen)."""
    return Greatest(
        _latest_of(Sanction, ["proposed_at", "decided_at", "guardians_contacted_at", "letter_sent_at", "withdrawn_at",
                              "admitted_on", "starts_on", "ends_on"]),
        _latest_in(Sanction.history.model, "id", "history_date"),
        _latest_in(Hearing, "sanction", "held_at", "recorded_at", "withdrawn_at"),
        _latest_in(DecisionLetter, "sanction", "made_at", "sent_at", "withdrawn_at"),
        _latest_in(Duty, "sanction", "opened_at", "done_on", "withdrawn_at"),
        _latest_in(Duty.history.model, "sanction", "history_date"),
        _latest_in(Objection, "sanction", "received_on", "recorded_at", "outcome_on", "withdrawn_at"),
        _latest_in(Correspondence, "sanction", "uploaded_at"),
        output_field=DateTimeField(),
    )


def sanction_running():
    """Still running, kept as an open case is: not decided yet, an objection not decided, a duty not done."""
    pending_objection = Objection.objects.current().filter(sanction=OuterRef("pk"), outcome=ObjectionOutcome.PENDING)
    open_duty = Duty.objects.current().filter(sanction=OuterRef("pk"), done_on__isnull=True)
    return ~Q(status__in=FINAL_STATUSES) | Exists(pending_objection) | Exists(open_duty)


def sanction_retention_candidates(*, board, now=None):
    """The sanctions of ``board``'s schools past its retention period and not yet anonymised: those of a case that
    is anonymised or is itself a candidate, and those without a case, no longer running, whose last activity is
    older than the period."""
    now = now or timezone.now()
    cutoff = retention_cutoff(board=board, now=now)
    if cutoff is None:
        return Sanction.objects.none()
    cases = retention_candidates(board=board, now=now).values("pk")
    standalone = (Sanction.objects.filter(school__board=board, anonymised_at__isnull=True, incident__isnull=True)
                  .exclude(sanction_running()).annotate(last_activity=sanction_last_activity())
                  .filter(last_activity__lt=cutoff).values("pk"))
    return (
        Sanction.objects.filter(school__board=board, anonymised_at__isnull=True)
        .filter(Q(incident__anonymised_at__isnull=False) | Q(incident__in=cases) | Q(pk__in=standalone))
        .order_by("pk")
    )


def correspondence_retention_candidates(*, board, now=None):
    """The dossier documents of ``board``'s people past its period: those of a sanction that is anonymised or a
    candidate; without a sanction, those of a case that is anonymised or a candidate; standing alone, those uploaded
    before the period."""
    now = now or timezone.now()
    cutoff = retention_cutoff(board=board, now=now)
    if cutoff is None:
        return Correspondence.objects.none()
    sanctions = sanction_retention_candidates(board=board, now=now).values("pk")
    cases = retention_candidates(board=board, now=now).values("pk")
    return (
        Correspondence.objects.filter(person__school__board=board, anonymised_at__isnull=True)
        .filter(
            Q(sanction__anonymised_at__isnull=False) | Q(sanction__in=sanctions)
            | Q(sanction__isnull=True, incident__anonymised_at__isnull=False)
            | Q(sanction__isnull=True, incident__in=cases)
            | Q(sanction__isnull=True, incident__isnull=True, uploaded_at__lt=cutoff)
        )
        .order_by("pk")
    )


def lvi_report_retention_candidates(*, board, now=None):
    """The LVI reports of ``board``'s schools whose own last date (told, reported, last changed) is before the
    period."""
    now = now or timezone.now()
    cutoff = retention_cutoff(board=board, now=now)
    if cutoff is None:
        return LviReport.objects.none()
    return (
        LviReport.objects.filter(school__board=board, anonymised_at__isnull=True)
        .annotate(last_activity=Greatest(
            "staff_told_at", "reported_at", _latest_in(LviReport.history.model, "id", "history_date"),
            output_field=DateTimeField()))
        .filter(last_activity__lt=cutoff)
        .order_by("pk")
    )


def correspondence_anonymise(*, document, now=None):
    """Remove the link to the person, the description, the name and the file (deleted once this commits) of one
    dossier document; keep the tombstone. Idempotent: False if it was anonymised already."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = (Correspondence.objects.select_for_update(of=("self",))
                  .select_related("person__school__board", "sanction__school__board").get(pk=document.pk))
        if locked.anonymised_at is not None:
            return False
        owner = locked.person or locked.sanction
        board = owner.school.board if owner is not None else None
        field_file_delete_on_commit(locked.file)
        Correspondence.objects.filter(pk=locked.pk).update(
            person=None, file="", original_name="", description="", anonymised_at=now,
        )
        audit_record(actor=None, action="retention.anonymise", obj=locked, board=board)
    return True


def sanction_anonymise(*, sanction, now=None):
    """Remove the person and every text of one sanction, its records and documents; keep the tombstone.
    Idempotent: False if it was anonymised already."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = Sanction.objects.select_for_update(of=("self",)).select_related("school__board").get(pk=sanction.pk)
        if locked.anonymised_at is not None:
            return False
        for document in Correspondence.objects.filter(sanction=locked, anonymised_at__isnull=True).order_by("pk"):
            correspondence_anonymise(document=document, now=now)
        withdrawal = {"withdrawal_reason": "", "withdrawn_by": None}
        Hearing.objects.filter(sanction=locked).update(present="", summary="", **withdrawal)
        DecisionLetter.objects.filter(sanction=locked).update(
            subject="", body="", objection_to="", sent_to="", sent_recorded_by=None, **withdrawal,
        )
        Objection.objects.filter(sanction=locked).update(
            lodged_by="", grounds="", outcome_reasoning="", outcome_by=None, **withdrawal,
        )
        Duty.objects.filter(sanction=locked).update(reference="", done_by=None, **withdrawal)
        Duty.history.filter(sanction_id=locked.pk).delete()  # old references and the reasons of corrections
        Sanction.objects.filter(pk=locked.pk).update(
            person=None, decision="", reasoning="", board_reason="", guardians_contacted_how="", admitted_by="",
            decided_by=None, guardians_contacted_by=None, admission_recorded_by=None, anonymised_at=now, **withdrawal,
        )
        Sanction.history.filter(id=locked.pk).delete()
        audit_record(actor=None, action="retention.anonymise", obj=locked, board=locked.school.board)
    return True


def lvi_report_anonymise(*, report, now=None):
    """Remove the staff member, how they were told, the inspector and the summary of one LVI report, and its field
    history; keep the tombstone. Idempotent: False if it was anonymised already."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = LviReport.objects.select_for_update(of=("self",)).select_related("school__board").get(pk=report.pk)
        if locked.anonymised_at is not None:
            return False
        LviReport.objects.filter(pk=locked.pk).update(
            person=None, staff_told_how="", inspector="", summary="", reported_by=None, anonymised_at=now,
        )
        LviReport.history.filter(id=locked.pk).delete()
        audit_record(actor=None, action="retention.anonymise", obj=locked, board=locked.school.board)
    return True


class SanctionRetention(RetentionPart):
    """The sanctions, with their records and documents, in the retention run (``settings.MELDPUNT_RETENTION_PARTS``)."""

    name = "sanction(s)"

    def candidates(self, *, board, now):
        return sanction_retention_candidates(board=board, now=now)

    def reference(self, obj):
        return reverse("sanctions:detail", args=[obj.pk])

    model = Sanction

    def anonymise_record(self, *, record, now):
        return sanction_anonymise(sanction=record, now=now)

    def anonymise_with_case(self, *, incident, now):
        for sanction in Sanction.objects.filter(incident=incident, anonymised_at__isnull=True).order_by("pk"):
            sanction_anonymise(sanction=sanction, now=now)


class CorrespondenceRetention(RetentionPart):
    """The dossier documents in the retention run. Those of a sanction go with it (the sanctions come first in
    ``MELDPUNT_RETENTION_PARTS``); this part takes those of a case without a sanction, those standing alone, and
    any added to a sanction or case after it was anonymised."""

    name = "dossier document(s)"

    def candidates(self, *, board, now):
        return correspondence_retention_candidates(board=board, now=now)

    def reference(self, obj):
        return reverse("sanctions:correspondence_file", args=[obj.token])

    model = Correspondence

    def owner(self, record):
        return record.sanction if record.sanction_id is not None else super().owner(record)

    def anonymise_record(self, *, record, now):
        return correspondence_anonymise(document=record, now=now)

    def anonymise_with_case(self, *, incident, now):
        documents = Correspondence.objects.filter(incident=incident, sanction__isnull=True, anonymised_at__isnull=True)
        for document in documents.order_by("pk"):
            correspondence_anonymise(document=document, now=now)


class LviReportRetention(RetentionPart):
    """The LVI reports in the retention run, each by its own date."""

    name = "LVI report(s)"

    def candidates(self, *, board, now):
        return lvi_report_retention_candidates(board=board, now=now)

    def reference(self, obj):
        return reverse("sanctions:lvi_detail", args=[obj.pk])

    model = LviReport

    def owner(self, record):
        return None  # an LVI report names a case but goes by its own dates

    def anonymise_record(self, *, record, now):
        return lvi_report_anonymise(report=record, now=now)


sanctions = SanctionRetention()
documents = CorrespondenceRetention()
lvi_reports = LviReportRetention()
