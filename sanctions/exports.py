"""Exports of a person's dossier: a PDF, and a ZIP with the PDF and every attachment in folders."""

import re
import tempfile
import zipfile

from incidents.exports import evidence_archive_name, evidence_manifest, write_evidence_files
from incidents.models import Evidence, Involvement
from portal.audit import audit_record
from django.utils.translation import gettext_lazy as _

from portal.access import access_for
from portal.exports import Column, RegisterExport, render_pdf

from .models import Correspondence
from . import selectors
from .selectors import dossier_entries, dossier_title as _title


def _safe(name):
    return re.sub(r"[^\w.\- ]+", "_", name).strip() or "bestand"


def _dossier_pdf_bytes(*, person, actor):
    return render_pdf(
        template="exports/dossier.html",
        context={"person": person, "title": _title(person), "entries": dossier_entries(person=person),
                 "header_right": f"{_title(person)} {person.full_name}"},
        school_name=person.school.name, exported_by=actor,
    )


def dossier_pdf(*, person, actor):
    pdf = _dossier_pdf_bytes(person=person, actor=actor)
    audit_record(actor=actor, action="export.dossier_pdf", obj=person, board=person.school.board)
    return pdf


def _evidence_name(item):
    return evidence_archive_name(item, folder=f"bewijs/{item.incident.reference}")


def dossier_filename(person, extension):
    return _safe(f"{_title(person)} {person.full_name}").replace(" ", "-").lower() + f".{extension}"


def dossier_zip(*, person, actor):
    """A temporary file holding the ZIP: the dossier PDF, correspondence/ and evidence/<case>/."""
    target = tempfile.TemporaryFile(suffix=".zip")
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(dossier_filename(person, "pdf"), _dossier_pdf_bytes(person=person, actor=actor))
        for letter in Correspondence.objects.filter(person=person).order_by("uploaded_at", "pk"):
            with letter.file.open("rb") as handle:
                archive.writestr(f"correspondentie/{letter.uploaded_at:%Y%m%d}-{letter.pk}-{_safe(letter.original_name)}", handle.read())
        # The evidence of the cases the person is (still) linked to; withdrawn links and evidence stay out, and a
        # quarantined file (a minor's nudity) is never in it. The manifest lists each file's SHA-256.
        cases = Involvement.objects.current().filter(person=person).values("incident_id")
        evidence = list(Evidence.objects.servable().filter(incident__in=cases).select_related("incident", "created_by")
                        .distinct().order_by("incident_id", "pk"))
        write_evidence_files(archive, evidence, name_of=_evidence_name)
        if evidence:
            manifest_csv, manifest_json = evidence_manifest(evidence, name_of=_evidence_name)
            archive.writestr("bewijs-manifest.csv", manifest_csv)
            archive.writestr("bewijs-manifest.json", manifest_json)
    audit_record(actor=actor, action="export.dossier_zip", obj=person, board=person.school.board)
    target.seek(0)
    return target


SANCTION_COLUMNS = [
    # A tombstone (anonymised at the end of the retention period) has no person.
    Column(_("Person"), lambda s: s.person.full_name if s.person else ""),
    Column(_("Kind"), lambda s: s.person.get_kind_display() if s.person else ""),
    Column(_("Class"), lambda s: s.person.class_name if s.person else ""),
    Column(_("School"), lambda s: s.school.name),
    Column(_("Measure"), lambda s: s.measure_label),
    Column(_("Status"), lambda s: s.state_label),
    Column(_("Case"), lambda s: s.incident.reference if s.incident else ""),
    Column(_("What is imposed"), lambda s: s.decision),
    Column(_("Reasoning"), lambda s: s.reasoning),
    Column(_("Takes effect on"), lambda s: s.starts_on),
    Column(_("Ends on"), lambda s: s.ends_on),
    Column(_("Proposed by"), lambda s: str(s.proposed_by)),
    Column(_("Proposed at"), lambda s: s.proposed_at),
    Column(_("Decided by"), lambda s: str(s.decided_by) if s.decided_by else ""),
    Column(_("Decided at"), lambda s: s.decided_at),
    Column(_("Guardians contacted at"), lambda s: s.guardians_contacted_at),
]

POLICE_REPORT_COLUMNS = [
    Column(_("Case"), lambda r: r.incident.reference),
    Column(_("School"), lambda r: r.incident.school.name),
    Column(_("Filed by"), lambda r: r.get_filed_by_display()),
    Column(_("Filed at"), lambda r: r.filed_at),
    Column(_("Police reference"), lambda r: r.police_reference),
    Column(_("Police contact"), lambda r: r.police_contact),
    Column(_("Note"), lambda r: r.note),
]


def sanction_register(*, user, params):
    from .forms import SanctionFilterForm

    form = SanctionFilterForm(params or None, schools=access_for(user).filter_schools())
    filters = form.filters()
    return RegisterExport(name="sanctions", rows=selectors.sanction_list_visible_to(user=user, filters=filters),
                          columns=SANCTION_COLUMNS, filename="sancties", title=_("Sanctions"), filters=filters, form=form)


def police_report_register(*, user, params):
    from .forms import PoliceReportFilterForm

    form = PoliceReportFilterForm(params or None, schools=access_for(user).filter_schools())
    filters = form.filters()
    return RegisterExport(name="police_reports", rows=selectors.police_report_list_visible_to(user=user, filters=filters),
                          columns=POLICE_REPORT_COLUMNS, filename="aangiften", title=_("Police reports"),
                          filters=filters, form=form)


DUTY_COLUMNS = [
    Column(_("Report to"), lambda d: d.get_recipient_display()),
    Column(_("Because of"), lambda d: d.get_reason_display()),
    Column(_("Pupil"), lambda d: d.sanction.person.full_name if d.sanction.person else ""),
    Column(_("Class"), lambda d: d.sanction.person.class_name if d.sanction.person else ""),
    Column(_("School"), lambda d: d.school.name),
    Column(_("Due on"), lambda d: d.due_on),
    Column(_("Done on"), lambda d: d.done_on),
    Column(_("Reference"), lambda d: d.reference),
    Column(_("Recorded by"), lambda d: str(d.done_by) if d.done_by else ""),
    Column(_("Withdrawn at"), lambda d: d.withdrawn_at),
    Column(_("Reason for withdrawal"), lambda d: d.withdrawal_reason),
]


def duty_register(*, user, params):
    from .forms import DutyFilterForm

    form = DutyFilterForm(params or None, schools=access_for(user).filter_schools())
    filters = form.filters()
    return RegisterExport(name="duties", rows=selectors.duty_list_visible_to(user=user, filters=filters),
                          columns=DUTY_COLUMNS, filename="meldplichten", title=_("Duties to report"), filters=filters,
                          form=form)
