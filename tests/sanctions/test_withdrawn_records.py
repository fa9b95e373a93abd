"""A withdrawn record no longer shows as current in any dossier or register: a wrongly linked pupil is no longer
"Dader" in their dossier nor in its export, a withdrawn police report leaves /aangiften/ (and the case is listed
again as lacking police contact). An LVI report made from the case is on the case's timeline."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone

from incidents import services as incident_services
from incidents.models import Action, ActionKind, InvolvementRole
from incidents.selectors import incident_records, incident_timeline
from portal.models import Membership, PersonKind, Role
from sanctions import services
from tests.factories import IncidentFactory, PersonFactory

from .support import dossier_url, involve, section
from .test_police_register import REGISTER, decided_case, file_report, missing_police

pytestmark = pytest.mark.django_db


def test_a_withdrawn_link_leaves_the_pupils_dossier(client, school, leader):
    milan = PersonFactory(school=school, first_name="Milan", last_name="Verkeerd")
    incident = IncidentFactory(school=school, gathering=True)
    involvement = involve(incident, milan, InvolvementRole.PERPETRATOR, leader)
    client.force_login(leader)
    entries = section(client.get(dossier_url(milan)).content.decode(), "dossier-entries")
    assert incident.reference in entries and "Dader" in entries

    incident_services.record_withdraw(record=involvement, actor=leader, reason="Verkeerde Milan; het is Mila.")
    entries = section(client.get(dossier_url(milan)).content.decode(), "dossier-entries") or ""
    assert incident.reference not in entries and "Dader" not in entries


def test_a_withdrawn_link_takes_the_case_evidence_out_of_the_dossier_export(client, school, leader):
    milan = PersonFactory(school=school, first_name="Milan", last_name="Verkeerd")
    incident = IncidentFactory(school=school, gathering=True)
    involvement = involve(incident, milan, InvolvementRole.PERPETRATOR, leader)
    from django.core.files.uploadedfile import SimpleUploadedFile

    incident_services.evidence_add(incident=incident, actor=leader, files=[
        SimpleUploadedFile("verslag.pdf", b"%PDF-1.4\n%\xe2\xe3\xcf\xd3\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n",
                           content_type="application/pdf")])
    client.force_login(leader)

    def exported_evidence():
        response = client.get(reverse("sanctions:dossier_export", args=[milan.pk, "zip"]))
        assert response.status_code == 200
        archive = zipfile.ZipFile(io.BytesIO(b"".join(response.streaming_content)))
        return [name for name in archive.namelist() if name.startswith("bewijs/")]

    assert exported_evidence()
    incident_services.record_withdraw(record=involvement, actor=leader, reason="Verkeerde leerling.")
    assert exported_evidence() == []


def test_a_withdrawn_police_report_leaves_the_register(client, school, leader):
    incident = IncidentFactory(school=school)
    report = file_report(incident, leader, "PL-FOUT-1")
    file_report(IncidentFactory(school=school), leader, "PL-GOED-2")
    client.force_login(leader)
    assert "PL-FOUT-1" in client.get(REGISTER).content.decode()

    incident_services.record_withdraw(record=report, actor=leader, reason="Aangifte hoort bij een andere zaak.")
    content = client.get(REGISTER).content.decode()
    assert "PL-FOUT-1" not in content and "PL-GOED-2" in content
    export = client.get(REGISTER + "?export=csv")
    assert export.status_code == 200 and export["Content-Type"].startswith("text/csv")
    csv_text = b"".join(export.streaming_content if export.streaming else [export.content]).decode("utf-8-sig")
    assert "PL-GOED-2" in csv_text and "PL-FOUT-1" not in csv_text


def test_a_corrected_police_reference_shows_in_the_register(client, school, leader):
    report = file_report(IncidentFactory(school=school), leader, "PL-2026-0001")
    incident_services.record_correct(record=report, actor=leader, reason="Kenmerk verkeerd overgenomen.",
                                     police_reference="PL-2026-0100")
    client.force_login(leader)
    content = client.get(REGISTER).content.decode()
    assert "PL-2026-0100" in content and "PL-2026-0001" not in content


def test_a_withdrawn_police_contact_puts_the_case_back_on_the_missing_police_list(client, school, leader):
    school.board.police_on_any_suspicion = True
    school.board.save()
    possible = decided_case(school, "possibly_criminal")
    leader_of_case = Membership.objects.filter(school=school, role=Role.SCHOOL_LEADER).order_by("pk").first().user
    consultation = incident_services.incident_add_record(incident=possible, actor=leader_of_case, record=Action(
        kind=ActionKind.POLICE_CONSULTATION, with_whom="Wijkagent", outcome="Voorgelegd."))
    client.force_login(leader)
    assert possible.reference not in missing_police(client)
    incident_services.record_withdraw(record=consultation, actor=leader_of_case, reason="Was een andere zaak.")
    assert possible.reference in missing_police(client)


def test_an_lvi_report_made_from_the_case_is_on_its_timeline(client, school, leader):
    teacher = PersonFactory(school=school, kind=PersonKind.STAFF, class_name="")
    incident = IncidentFactory(school=school, gathering=True)
    told = timezone.now() - timezone.timedelta(hours=3)
    report = services.lvi_report_start(person=teacher, actor=leader, incident=incident, staff_told_at=told,
                                       staff_told_how="Gesprek met de docent.")
    services.lvi_report_record_call(report=report, actor=leader, reported_at=timezone.now() - timezone.timedelta(hours=1),
                                    inspector="Mevr. De Vries")
    events = [e for e in incident_timeline(records=incident_records(incident=incident)) if e.kind == "events"]
    assert [(e.record.kind, e.actor) for e in events] == [("lvi_call", leader), ("lvi_report", leader)]
    assert events[0].record.changes["inspector"] == [None, "Mevr. De Vries"]
    client.force_login(leader)
    content = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert reverse("sanctions:lvi_detail", args=[report.pk]) in content and "Mevr. De Vries" in content
