"""Retention of the public reports: a report past its board's retention period is anonymised, leaving a tombstone.

Which reports, and when (the board is that of the report's school):

- A report that became a case, or was added to one, goes with that case: in the same transaction that anonymises
  the case (``anonymise_with_case``), so the case's texts and the report's never outlive each other. A report whose
  case was anonymised before reports were covered is picked up by the next run.
- A report set aside (a joke, a duplicate, nothing for the school) is anonymised once its last activity is older
  than the period: the last of its arrival, the decision, and information the sender added with the code.
- A report nobody has decided on yet is kept, as an open case is: it is on the school leader's list of reports
  still to decide, and may be about a pupil in danger.

Anonymising removes every text and contact detail (the description, links, the sender's name and contact, the
reason it was set aside, all information added later, who decided), the school's notifications about it, and makes
the follow-up code useless: its stored hash is replaced by a value no code hashes to, so the public page answers as
for a code it does not know. The public page takes no files and the report has no field history, so there is
neither to remove. The tombstone is the row itself: its id, school, dates (received, happened, decided), sender role,
platform and outcome (with the case it went to, itself a tombstone), enough for the statistics. The audit trail gets
``retention.anonymise`` for the report, as for a case.
"""

from django.db import transaction
from django.db.models import OuterRef, Q, Subquery
from django.db.models.functions import Coalesce, Greatest
from django.urls import reverse
from django.utils import timezone

from incidents.retention import RetentionPart, retention_candidates, retention_cutoff
from portal.audit import audit_record
from portal.models import Notification

from .models import Outcome, PublicReport, PublicReportAddition

NOTIFICATION_KINDS = ["public_report_received", "public_report_added", "public_report_counsellor"]


def _anonymised_code_hash(pk):
    # A sha256 hex digest never contains ":", so no follow-up code finds this; unique as code_hash must be.
    return f"anonymised:{pk}"


def public_report_last_activity():
    """The moment a report was last touched: received, decided, or added to by the sender."""
    last_addition = Subquery(
        PublicReportAddition.objects.filter(report=OuterRef("pk")).order_by("-added_at").values("added_at")[:1]
    )
    return Greatest("received_at", Coalesce("handled_at", "received_at"), Coalesce(last_addition, "received_at"))


def public_report_retention_candidates(*, board, now=None):
    """The reports of ``board``'s schools past its retention period and not yet anonymised: those set aside whose
    last activity is older than the period, and those of a case that is anonymised or is itself a candidate."""
    now = now or timezone.now()
    cutoff = retention_cutoff(board=board, now=now)
    if cutoff is None:
        return PublicReport.objects.none()
    cases = retention_candidates(board=board, now=now).values("pk")
    return (
        PublicReport.objects.filter(school__board=board, anonymised_at__isnull=True)
        .annotate(last_activity=public_report_last_activity())
        .filter(
            Q(incident__isnull=True, outcome=Outcome.SET_ASIDE, last_activity__lt=cutoff)
            | Q(incident__anonymised_at__isnull=False)
            | Q(incident__in=cases)
        )
        .order_by("pk")
    )


def public_report_anonymise(*, report, now=None):
    """Remove every text and contact detail of one report and make its follow-up code useless; keep the tombstone.
    Idempotent: False if it was anonymised already."""
    now = now or timezone.now()
    with transaction.atomic():
        locked = PublicReport.objects.select_for_update(of=("self",)).select_related("school__board").get(pk=report.pk)
        if locked.anonymised_at is not None:
            return False
        PublicReportAddition.objects.filter(report=locked).delete()
        Notification.objects.filter(
            kind__in=NOTIFICATION_KINDS, incident__isnull=True, url=reverse("publicreports:detail", args=[locked.pk]),
        ).delete()
        PublicReport.objects.filter(pk=locked.pk).update(
            description="", links=[], sender_name="", sender_contact="", set_aside_reason="", handled_by=None,
            code_hash=_anonymised_code_hash(locked.pk), anonymised_at=now,
        )
        audit_record(actor=None, action="retention.anonymise", obj=locked, board=locked.school.board)
    return True


class PublicReportRetention(RetentionPart):
    """The public reports in the retention run (``settings.MELDPUNT_RETENTION_PARTS``)."""

    name = "public report(s)"

    def candidates(self, *, board, now):
        return public_report_retention_candidates(board=board, now=now)

    def reference(self, obj):
        return reverse("publicreports:detail", args=[obj.pk])

    model = PublicReport

    def anonymise_record(self, *, record, now):
        return public_report_anonymise(report=record, now=now)

    def anonymise_with_case(self, *, incident, now):
        for report in PublicReport.objects.filter(incident=incident, anonymised_at__isnull=True).order_by("pk"):
            public_report_anonymise(report=report, now=now)


public_reports = PublicReportRetention()
