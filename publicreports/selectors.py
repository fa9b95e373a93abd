"""Reads of the public reports, always scoped to the user: the school leader reads their school's reports, a
confidential counsellor only those whose sender asked for them. The public side finds a report by its code alone."""

from django.db.models import Q
from django.shortcuts import get_object_or_404

from incidents.models import Incident
from incidents.workflow import OPEN_STATES
from portal.access import access_for
from portal.models import Role, School

from .followup import code_hash
from .models import PublicReport, ReportingPage


def public_report_visibility_q(*, user):
    access = access_for(user)
    return (
        Q(school_id__in=access.led_school_ids)
        | Q(wants_counsellor=True, school_id__in=access.school_ids[Role.COUNSELLOR])
        | Q(wants_counsellor=True, school__board_id__in=access.board_wide_ids[Role.COUNSELLOR])
    )


def public_reports_visible_to(*, user, open_only=False):
    reports = PublicReport.objects.filter(public_report_visibility_q(user=user)).select_related("school", "incident")
    if open_only:
        reports = reports.filter(outcome="")
    return reports


def public_report_get_visible(*, user, pk):
    """A report the user may read (another school's, or one the sender did not open to the counsellor: 404)."""
    return get_object_or_404(public_reports_visible_to(user=user).select_related("handled_by"), pk=pk)


def public_report_by_code(*, code):
    """The report a follow-up code belongs to, or None (a wrong code, a malformed one and that of an anonymised
    report are the same)."""
    digest = code_hash(code)
    if digest is None:
        return None
    return (PublicReport.objects.select_related("school", "incident")
            .filter(code_hash=digest, anonymised_at__isnull=True).first())


def reporting_page_by_key(*, key):
    return get_object_or_404(ReportingPage.objects.select_related("school"), key=key)


def reporting_page_schools(*, user):
    """The schools whose public page the user looks after: those they lead, and every school of a board they
    administer."""
    access = access_for(user)
    return School.objects.filter(
        Q(pk__in=access.led_school_ids) | Q(board_id__in=access.board_ids[Role.ADMIN])
    ).select_related("board").order_by("name")


def reporting_page_school_get(*, user, school_id):
    return get_object_or_404(reporting_page_schools(user=user), pk=school_id)


def public_report_cases_to_join(*, report):
    """The open cases of the report's school that it may be added to, newest first."""
    return Incident.objects.filter(school_id=report.school_id, state__in=OPEN_STATES).order_by("-reported_at")
