"""Exports of the incidents app: the case report PDF and the incident and breach registers."""

from django.utils.translation import gettext_lazy as _

from portal.audit import audit_record
from portal.exports import Column, render_pdf

from .selectors import incident_records, incident_timeline


def case_report_pdf(*, incident, actor):
    """One case: the facts, the people, every step's records and the full timeline."""
    records = incident_records(incident=incident)
    pdf = render_pdf(
        template="exports/case_report.html",
        context={"incident": incident, "records": records, "timeline": incident_timeline(records=records),
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
    Column(_("Category"), lambda i: i.get_category_display()),
    Column(_("Platform"), lambda i: i.get_platform_display()),
    Column(_("Severity"), lambda i: i.get_severity_display()),
    Column(_("Privacy incident"), lambda i: _("yes") if i.privacy_flag else _("no")),
    Column(_("Step"), lambda i: i.get_state_display()),
    Column(_("In this step since"), lambda i: i.state_changed_at),
    Column(_("Decision"), lambda i: i.get_decision_display()),
]

BREACH_COLUMNS = [
    Column(_("Reference"), lambda a: a.incident.reference),
    Column(_("School"), lambda a: a.incident.school.name),
    Column(_("Discovered at"), lambda a: a.discovered_at),
    Column(_("Deadline"), lambda a: a.deadline),
    Column(_("Status"), lambda a: a.status),
    Column(_("Risk"), lambda a: a.get_risk_display()),
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


def register_export_logged(*, actor, register, fmt, filters, board=None):
    audit_record(actor=actor, action=f"export.{register}", object_type=register, board=board, format=fmt,
                 filters={k: str(v) for k, v in filters.items()})
