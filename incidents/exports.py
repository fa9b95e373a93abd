"""Exports of the incidents app: the case report PDF, the police package and the incident and breach registers."""

import csv
import io
import json
import re
import shutil
import tempfile
import zipfile

from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from portal.audit import audit_record
from portal.access import access_for
from portal.exports import Column, RegisterExport, choice_label, render_pdf, yes_no
from portal.models import School

from . import selectors
from .selectors import current_records, incident_records, incident_timeline


def _case_report_pdf_bytes(*, incident, actor, records=None, manifest=None):
    records = records if records is not None else incident_records(incident=incident)
    return render_pdf(
        template="exports/case_report.html",
        context={"incident": incident, "records": records, "current": current_records(records=records),
                 "timeline": incident_timeline(records=records), "manifest": manifest,
                 "header_right": incident.reference},
        school_name=incident.school.name, exported_by=actor,
    )


def case_report_pdf(*, incident, actor):
    """One case: the facts, the people, every step's records (each file with its SHA-256) and the full timeline."""
    pdf = _case_report_pdf_bytes(incident=incident, actor=actor)
    audit_record(actor=actor, action="export.case_report", obj=incident, board=incident.school.board)
    return pdf


# The evidence manifest: one row per file, in the police package and the dossier ZIP ----------------------------

MANIFEST_FIELDS = ["file", "original_name", "sha256", "size", "sha256_as_received", "size_as_received",
                   "uploaded_at", "uploaded_by", "case"]


def _safe_name(name):
    return re.sub(r"[^\w.\- ]+", "_", name).strip() or "bestand"


def evidence_archive_name(item, folder="bewijs"):
    """The name of an evidence file inside a ZIP: unique (its id) and safe."""
    return f"{folder}/{item.pk}-{_safe_name(item.original_name)}"


def evidence_manifest(items, *, name_of=evidence_archive_name):
    """The manifest of evidence files as (csv_bytes, json_bytes): per file its name in the ZIP, its SHA-256 and size
    as stored (what the ZIP holds), its SHA-256 and size as received (before re-encoding), when and by whom it was
    uploaded. ``items`` are servable evidence (never quarantined)."""
    rows = [{
        "file": name_of(item),
        "original_name": item.original_name,
        "sha256": item.stored_sha256,
        "size": item.size,
        "sha256_as_received": item.sha256,
        "size_as_received": item.received_size,
        "uploaded_at": timezone.localtime(item.created_at).isoformat(),
        "uploaded_by": str(item.created_by),
        "case": item.incident.reference,
    } for item in items]
    text = io.StringIO()
    writer = csv.DictWriter(text, fieldnames=MANIFEST_FIELDS, lineterminator="\n")
    writer.writeheader()
    writer.writerows(rows)
    as_json = json.dumps({"files": rows}, ensure_ascii=False, indent=2).encode()
    return text.getvalue().encode(), as_json


def write_evidence_files(archive, items, *, name_of=evidence_archive_name):
    """Copy each evidence file into the ZIP through the storage, in chunks (works on any storage backend)."""
    for item in items:
        with item.file.open("rb") as source, archive.open(name_of(item), "w") as target:
            shutil.copyfileobj(source, target, 1024 * 1024)


def police_package_zip(*, incident, actor):
    """The police package (aangiftepakket) of one case, as a temporary file holding the ZIP: the case report PDF,
    the evidence files, and the manifest (CSV and JSON) with each file's name, SHA-256, size, upload time and
    uploader; the PDF prints the SHA-256 of both manifests, so the package proves itself. Quarantined files are
    never in it. Audit-logged."""
    import hashlib

    items = list(selectors.evidence_servable(incident=incident))
    manifest_csv, manifest_json = evidence_manifest(items)
    manifest = {"csv": hashlib.sha256(manifest_csv).hexdigest(), "json": hashlib.sha256(manifest_json).hexdigest(),
                "count": len(items)}
    target = tempfile.TemporaryFile(suffix=".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(f"zaakrapport-{incident.reference}.pdf",
                         _case_report_pdf_bytes(incident=incident, actor=actor, manifest=manifest))
        archive.writestr("manifest.csv", manifest_csv)
        archive.writestr("manifest.json", manifest_json)
        write_evidence_files(archive, items)
    audit_record(actor=actor, action="export.police_package", obj=incident, board=incident.school.board,
                 evidence=[item.pk for item in items], manifest_sha256=manifest["json"])
    target.seek(0)
    return target


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
