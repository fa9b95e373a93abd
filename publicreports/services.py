"""Writes of the public reporting page. A report is turned into a case by the incidents' own report service
(one rule for what a report is and who hears of it), and every step is kept: who handled it, when and why."""

import datetime

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from rules import has_perm

from incidents.models import CaseEventKind, Incident
from incidents.notifications import notify
from incidents.services import case_event_record, incident_report
from portal.audit import audit_record

from .followup import code_hash, code_new
from .models import Outcome, PublicReport, PublicReportAddition, ReportingPage, SenderRole


def reporting_page_for(*, school):
    """The school's public page (made the first time someone looks after it)."""
    page, _created = ReportingPage.objects.get_or_create(school=school)
    return page


def reporting_page_pause(*, school, actor, paused, reason=""):
    """Close the page for new reports during a flood, or open it again. The audit trail keeps who, when and why."""
    if not has_perm("publicreports.manage_reporting_page", actor, school):
        raise PermissionDenied(_("Only the school leader or an administrator can pause this school's reporting page."))
    reason = (reason or "").strip()
    if paused and not reason:
        raise ValidationError({"reason": _("Say why the page is paused, for instance “a flood of fake reports”.")})
    with transaction.atomic():
        page = ReportingPage.objects.select_for_update().get(pk=reporting_page_for(school=school).pk)
        page.paused, page.changed_at, page.changed_by = paused, timezone.now(), actor
        page.save()
        audit_record(actor=actor, action="public_page.paused" if paused else "public_page.resumed", obj=page,
                     board=school.board, reason=reason)
    return page


def _report_url(report):
    return reverse("publicreports:detail", args=[report.pk])


def public_report_submit(*, page, sender_role, description, platform, links=(), occurred_on=None, sender_name="",
                         sender_contact="", wants_counsellor=False):
    """Store a report from the public page and tell the school leader (and the counsellor if asked). Returns the
    report and its follow-up code: the code is shown once and kept only as a hash."""
    if page.paused:
        raise ValidationError(_("This reporting page is paused for now. Try again later, or tell a teacher or your mentor."))
    code = code_new()
    with transaction.atomic():
        report = PublicReport(
            school=page.school, sender_role=sender_role, description=description, platform=platform, links=list(links),
            occurred_on=occurred_on, sender_name=sender_name.strip(), sender_contact=sender_contact.strip(),
            wants_counsellor=wants_counsellor, code_hash=code_hash(code),
        )
        report.full_clean()
        report.save()
        sender = SenderRole(sender_role).label.lower()
        notify("public_report_received", school=report.school, url=_report_url(report), sender=sender)
        if wants_counsellor:
            notify("public_report_counsellor", school=report.school, url=_report_url(report))
    return report, code


def public_report_add_information(*, report, text, links=()):
    """The sender adds information with their code. On a case it is an entry of the case's timeline too.

    Not to a report anonymised meanwhile (retention): the case and then the report are locked, in the order
    retention locks them, and the report is read again."""
    with transaction.atomic():
        if report.incident_id is not None:
            Incident.objects.select_for_update(no_key=True, of=("self",)).get(pk=report.incident_id)
        report = (PublicReport.objects.select_for_update(no_key=True, of=("self",))
                  .select_related("school", "incident").get(pk=report.pk))
        if report.anonymised_at is not None:
            raise ValidationError(_("No report was found with this code. Check it and try again."))
        addition = PublicReportAddition(report=report, text=text, links=list(links))
        addition.full_clean()
        addition.save()
        if report.incident_id is not None:
            _addition_event(report.incident, addition)
        notify("public_report_added", school=report.school, url=_report_url(report))
        if report.wants_counsellor:
            notify("public_report_counsellor", school=report.school, url=_report_url(report))
    return addition


def _addition_event(incident, addition):
    case_event_record(incident=incident, actor=None, kind=CaseEventKind.PUBLIC_REPORT_ADDITION, record=addition,
                      changes={"text": [None, addition.text], "links": [None, addition.links]})


def _lock_undecided(report, actor):
    locked = PublicReport.objects.select_for_update().select_related("school__board").get(pk=report.pk)
    if not has_perm("publicreports.handle_public_report", actor, locked):
        raise PermissionDenied(_("Only the school leader of this school decides what happens with this report."))
    if locked.outcome:
        raise ValidationError(_("This report has been dealt with already (%(outcome)s). Reload the page.")
                              % {"outcome": locked.get_outcome_display().lower()})
    return locked


def _link(report, incident, actor, outcome):
    """Record on the report what was decided, and on the case where it came from (never who the sender is)."""
    report.outcome, report.incident, report.handled_by, report.handled_at = outcome, incident, actor, timezone.now()
    report.save()
    kind = CaseEventKind.PUBLIC_REPORT_NAMED if report.is_named else CaseEventKind.PUBLIC_REPORT
    changes = {"sender_role": [None, report.sender_role], "platform": [None, report.platform],
               "description": [None, report.description]}
    if report.links:
        changes["links"] = [None, report.links]
    if report.occurred_on:
        changes["occurred_on"] = [None, report.occurred_on.isoformat()]
    case_event_record(incident=incident, actor=actor, kind=kind, record=report, changes=changes)
    for addition in report.additions.all():
        _addition_event(incident, addition)
    audit_record(actor=actor, action=f"public_report.{outcome}", obj=report, board=report.school.board,
                 incident=incident.pk)


def public_report_open_case(*, report, actor, category, privacy_flag=False):
    """Make the report a case: its text becomes the case's report, filed by the school leader for the school."""
    with transaction.atomic():
        locked = _lock_undecided(report, actor)
        occurred_at = None
        if locked.occurred_on:
            occurred_at = timezone.make_aware(datetime.datetime.combine(locked.occurred_on, datetime.time.min))
        incident = incident_report(
            school=locked.school, reporter=actor, platform=locked.platform, category=category,
            description=locked.description, privacy_flag=privacy_flag, occurred_at=occurred_at,
            discovered_at=locked.received_at, links=locked.links,
        )
        _link(locked, incident, actor, Outcome.CASE_OPENED)
    return locked


def public_report_add_to_case(*, report, actor, incident):
    """Add the report to an open case of the same school; it shows on that case's timeline."""
    with transaction.atomic():
        locked = _lock_undecided(report, actor)
        case = Incident.objects.select_for_update(of=("self",)).get(pk=incident.pk)
        if case.school_id != locked.school_id or not has_perm("incidents.manage_incident", actor, case):
            raise ValidationError({"incident": _("Choose an open case of this school.")})
        _link(locked, case, actor, Outcome.ADDED_TO_CASE)
    return locked


def public_report_set_aside(*, report, actor, reason):
    """Set the report aside with a reason (a joke, a duplicate, nothing for the school). It stays, with who, when
    and why; the sender sees "dealt with"."""
    reason = (reason or "").strip()
    if not reason:
        raise ValidationError({"reason": _("Give the reason for setting this report aside.")})
    with transaction.atomic():
        locked = _lock_undecided(report, actor)
        locked.outcome, locked.handled_by, locked.handled_at = Outcome.SET_ASIDE, actor, timezone.now()
        locked.set_aside_reason = reason
        locked.full_clean()
        locked.save()
        audit_record(actor=actor, action="public_report.set_aside", obj=locked, board=locked.school.board)
    return locked


def public_report_view_logged(*, report, actor):
    """Reading a report (and a named sender's identity) is written to the audit trail."""
    audit_record(actor=actor, action="public_report.view", obj=report, board=report.school.board)
