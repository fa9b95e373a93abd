"""Exports of the incidents app: the case report PDF and the incident and breach registers."""

from django.utils.translation import gettext_lazy as _

from portal.audit import audit_record
from portal.access import access_for
from portal.exports import Column, RegisterExport, choice_label, render_pdf, yes_no
from portal.models import School

from . import selectors
from .selectors import current_records, incident_records, incident_timeline


def case_report_pdf(*, incident, actor):
    """One case: the facts, the people, every step's records and the full timeline."""
    records = incident_records(incident=incident)
    pdf = render_pdf(
        template="exports/case_report.html",
        context={"incident": incident, "records": records, "current": current_records(records=records),
                 "timeline": incident_timeline(records=records),
                 "header_right": incident.reference},
        school_name=incident.school.name, exported_by=actor,
    )
    audit_record(actor=actor, action="export.case_report", obj=incident, board=incident.school.board)
    return pdf


INCIDENT_COLUMNS = [
    Column(_("Reference"), lambda i: i.reference),
    Column(_("School"), lambda i: i.school.name),
    Column(_("Reported at"), lambda i: i.reported_at),
    Column(_("Occurred at"), lambda i: i.occurred_at),
    Column(_("Discovered at"), lambda i: i.discovered_at),
    Column(_("Category"), choice_label("category")),
    Column(_("Platform"), choice_label("platform")),
    Column(_("Severity"), choice_label("severity")),
    Column(_("Privacy incident"), yes_no("privacy_flag")),
    Column(_("Step"), choice_label("state")),
    Column(_("In this step since"), lambda i: i.state_changed_at),
    Column(_("Decision"), choice_label("decision")),
]

BREACH_COLUMNS = [
    Column(_("Reference"), lambda a: a.incident.reference),
    Column(_("School"), lambda a: a.incident.school.name),
    Column(_("Discovered at"), lambda a: a.discovered_at),
    Column(_("Deadline"), lambda a: a.deadline),
    Column(_("Status"), lambda a: a.status),
    Column(_("Conclusion"), lambda a: a.get_risk_display()),
    Column(_("Reasoning"), lambda a: a.risk_reasoning),
    Column(_("Which personal data"), lambda a: a.data_description),
    Column(_("Whose data"), lambda a: a.data_subjects),
    Column(_("Reported to the AP at"), lambda a: a.ap_notified_at),
    Column(_("AP reference"), lambda a: a.ap_reference),
    Column(_("Data subjects informed at"), lambda a: a.subjects_informed_at),
    Column(_("How informed"), lambda a: a.subjects_informed_how),
    Column(_("Decided by"), lambda a: str(a.decided_by) if a.decided_by else ""),
    Column(_("Decided at"), lambda a: a.decided_at),
]


def incident_filter_form(*, user, params):
    """The case list's filters (dashboard and register export)."""
    from .forms import CaseFilterForm

    access = access_for(user)
    several = access.may_filter_on_several_schools(with_privacy_boards=True)
    return CaseFilterForm(params or None, schools=access.filter_schools(with_privacy_boards=True) if several else None)


def incident_register(*, user, params):
    form = incident_filter_form(user=user, params=params)
    filters = form.filters()
    # The columns read the case and its school; the reporter that the list's query joins is left out.
    rows = selectors.incident_list_visible_to(user=user, filters=filters).select_related(None).select_related("school")
    return RegisterExport(name="incidents", rows=rows,
                          columns=INCIDENT_COLUMNS, filename="incidenten", title=_("Incidents"), filters=filters, form=form)


def breach_register(*, user, params):
    from .forms import BreachFilterForm

    boards = selectors.breach_register_board_ids(user=user)
    form = BreachFilterForm(params or None, schools=School.objects.filter(board__in=boards).order_by("name"))
    filters = form.filters()
    return RegisterExport(name="breaches", rows=selectors.breach_list_visible_to(user=user, filters=filters),
                          columns=BREACH_COLUMNS, filename="datalekregister", title=_("Breach register"),
                          filters=filters, form=form)
