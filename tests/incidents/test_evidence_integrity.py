"""Evidence as the law requires: no image of a minor's nudity is kept (incidents/imagery.py, quarantine), and every
file can be proven (SHA-256 as received and as stored, the police package)."""

import hashlib
import io
import json
import zipfile

import pytest
from django.core.exceptions import ValidationError
from django.core.files.storage import storages
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.files.uploadhandler import StopFutureHandlers
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse
from hypothesis import HealthCheck, given, settings as hypothesis_settings, strategies as st

from incidents import services
from incidents.models import CaseEvent, CaseEventKind, Evidence
from portal.models import AuditEvent
from portal.uploads import HashingMemoryFileUploadHandler, HashingTemporaryFileUploadHandler

from ..conftest import process_uploaded_images
from ..exports.support import body, pdf_pages
from ..factories import IncidentFactory
from ..security.world import PDF, png_bytes

pytestmark = pytest.mark.django_db


def png(name="schermafbeelding.png", color=(30, 120, 200)):
    return SimpleUploadedFile(name, png_bytes(color=color), content_type="image/png")


def pdf(name="chat.pdf"):
    return SimpleUploadedFile(name, PDF, content_type="application/pdf")


def report_data(school, **extra):
    return {"school": school.pk, "category": "bullying", "platform": "snapchat",
            "description": "Een foto van een leerling gaat rond.", "discovered_at": "2026-01-10T10:00", **extra}


def compact(pdf_bytes):
    """A PDF's text without any whitespace: a long hash may be broken over lines anywhere."""
    return "".join("".join(pdf_pages(pdf_bytes)).split())


# --- the rule: no file with sexting or a minor's nudity -----------------------------------------------------------

@pytest.mark.parametrize("case", [{"category": "sexting"}, {"category": "bullying", "minor_nudity": True}])
@pytest.mark.parametrize("upload", [png, pdf])
def test_report_service_refuses_every_file_with_sexting_or_a_minors_nudity(school, staff, case, upload):
    with pytest.raises(ValidationError) as refused:
        services.incident_report(school=school, reporter=staff, platform="snapchat", description="Doorgestuurd.",
                                 files=[upload()], **case)
    assert "files" in refused.value.message_dict
    assert not Evidence.objects.exists()


def test_a_sexting_report_keeps_its_links_and_text(school, staff):
    incident = services.incident_report(school=school, reporter=staff, platform="snapchat", category="bullying",
                                        minor_nudity=True, description="Foto doorgestuurd in de klassenchat.",
                                        links=["https://www.snapchat.com/add/iemand"])
    assert incident.minor_nudity
    [link] = incident.evidence.all()
    assert link.url and link.minor_nudity and not link.file


def test_evidence_on_a_sexting_or_marked_case_takes_links_only(school, staff, leader):
    sexting = IncidentFactory(school=school, reporter=staff, category="sexting")
    with pytest.raises(ValidationError) as refused:
        services.evidence_add(incident=sexting, actor=leader, files=[pdf()])
    assert "files" in refused.value.message_dict
    services.evidence_add(incident=sexting, actor=leader, links=["https://www.instagram.com/p/x/"])
    with pytest.raises(ValidationError):  # the box on the evidence form, on any case
        services.evidence_add(incident=IncidentFactory(school=school, reporter=staff), actor=leader, files=[png()],
                              minor_nudity=True)


def test_report_page_refuses_the_file_at_its_field_and_keeps_what_was_typed(client, school, staff):
    client.force_login(staff)
    response = client.post(reverse("incidents:report"), {
        **report_data(school, category="sexting"), "links": "https://www.snapchat.com/add/x", "files": [png()]})
    assert response.status_code == 400
    form = response.context["form"]
    assert list(form.errors) == ["files"]
    assert "Geen bestanden bij sexting" in form.errors["files"][0]
    page = response.content.decode()
    assert "Een foto van een leerling gaat rond." in page and "https://www.snapchat.com/add/x" in page
    assert "Maak of bewaar geen screenshot" in page and "helpwanted.nl" in page and "offlimits.nl" in page
    assert not Evidence.objects.exists()


def test_case_page_evidence_form_refuses_a_file_with_the_box_ticked(client, school, staff, leader):
    incident = IncidentFactory(school=school, reporter=staff)
    client.force_login(leader)
    response = client.post(reverse("incidents:record", args=[incident.pk, "evidence"]), {
        "evidence-minor_nudity": "on", "evidence-files": [png()], "evidence-description": "Naaktfoto"})
    assert response.status_code == 400
    # The refused form comes back at its slot on the case page (in the checklist or among the other forms).
    slots = [slot for item in response.context["checklist"] for slot in item.slots] + response.context["other_slots"]
    assert any(slot.slot == "evidence" and slot.form is not None for slot in slots)
    forms = response.context["forms"]
    assert list(forms["evidence"].errors) == ["files"]
    assert forms["evidence"]["description"].value() == "Naaktfoto"
    assert not incident.evidence.exists()


def test_api_refuses_files_on_a_sexting_report_with_json_at_the_field(school, staff):
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(staff)
    response = api.post(reverse("api:incident-list"), {
        "school": school.pk, "category": "sexting", "platform": "snapchat", "description": "Doorgestuurd.",
        "files": [png()]}, format="multipart")
    assert response.status_code == 400
    assert "files" in response.json()
    assert not Evidence.objects.exists()


# --- integrity: SHA-256 while received, and of the stored copy -----------------------------------------------------

def test_the_hash_is_of_the_bytes_received_and_the_stored_copy_has_its_own(client, school, staff):
    data = png_bytes(color=(200, 10, 10))
    client.force_login(staff)
    response = client.post(reverse("incidents:report"), {
        **report_data(school), "files": [SimpleUploadedFile("foto.png", data, content_type="image/png")]})
    assert response.status_code == 302
    evidence = Evidence.objects.get()
    assert evidence.sha256 == hashlib.sha256(data).hexdigest() and evidence.received_size == len(data)
    assert evidence.created_by == staff and evidence.stored_sha256 == ""
    process_uploaded_images()
    evidence.refresh_from_db()
    with evidence.file.open("rb") as handle:
        assert evidence.stored_sha256 == hashlib.sha256(handle.read()).hexdigest()
    assert evidence.sha256 == hashlib.sha256(data).hexdigest()  # the original's hash stays


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.binary(max_size=5000), cut=st.lists(st.integers(min_value=1, max_value=700), max_size=12),
       in_memory=st.booleans())
def test_upload_handlers_hash_whatever_chunks_arrive(data, cut, in_memory):
    request = RequestFactory().post("/")
    handler = (HashingMemoryFileUploadHandler if in_memory else HashingTemporaryFileUploadHandler)(request)
    handler.activated = True  # as for a body under FILE_UPLOAD_MAX_MEMORY_SIZE
    try:
        handler.new_file("files", "x.bin", "application/octet-stream", len(data))
    except StopFutureHandlers:
        pass
    start = 0
    for size in cut + [len(data)]:
        chunk = data[start:start + size]
        if chunk:
            assert handler.receive_data_chunk(chunk, start) is None
        start += len(chunk)
    uploaded = handler.file_complete(len(data))
    assert uploaded.read() == data
    assert uploaded.sha256 == hashlib.sha256(data).hexdigest()


def test_case_page_and_case_report_show_the_hashes(client, school, staff, leader):
    incident = IncidentFactory(school=school, reporter=staff, files=[pdf()])
    evidence = incident.evidence.get()
    client.force_login(leader)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert evidence.sha256 == hashlib.sha256(PDF).hexdigest() and evidence.sha256 in page
    report = body(client.get(reverse("incidents:case_report", args=[incident.pk])))
    assert evidence.sha256 in compact(report)


# --- quarantine ----------------------------------------------------------------------------------------------------

def test_quarantined_files_are_opened_by_nobody_and_left_out_everywhere(client, school, staff, leader, board_member):
    incident = IncidentFactory(school=school, reporter=staff, files=[png(), pdf()])
    process_uploaded_images()
    services.evidence_add(incident=incident, actor=leader, links=["https://www.tiktok.com/@x"])
    image, document = incident.evidence.exclude(file="").order_by("pk")
    items = services.evidence_quarantine(incident=incident, actor=leader, reason="Naaktfoto")
    assert {i.pk for i in items} == {image.pk, document.pk}
    incident.refresh_from_db()
    assert incident.minor_nudity

    for user in (leader, board_member, staff):
        client.force_login(user)
        for item in (image, document):
            assert client.get(reverse("incidents:evidence_file", args=[item.token])).status_code == 404
    client.force_login(leader)
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert str(image.token) not in page and str(document.token) not in page and image.sha256 in page
    from rest_framework.test import APIClient

    api = APIClient()
    api.force_authenticate(leader)
    evidence = api.get(reverse("api:incident-detail", args=[incident.pk])).json()["evidence"]
    assert [e["url"] for e in evidence] == ["https://www.tiktok.com/@x"]
    package = zipfile.ZipFile(io.BytesIO(body(client.get(reverse("incidents:police_package", args=[incident.pk])))))
    assert json.loads(package.read("manifest.json"))["files"] == []
    assert not any(name.startswith("bewijs/") for name in package.namelist())
    # No new file may be added to a marked case.
    with pytest.raises(ValidationError):
        services.evidence_add(incident=incident, actor=leader, files=[pdf()])
    # The timeline keeps that the files existed, their hashes and sizes, who and when.
    events = CaseEvent.objects.filter(incident=incident, kind=CaseEventKind.EVIDENCE_QUARANTINED)
    assert {e.changes["sha256"][1] for e in events} == {image.sha256, document.sha256}
    assert all(e.actor == leader and e.reason == "Naaktfoto" for e in events)
    assert CaseEvent.objects.filter(incident=incident, kind=CaseEventKind.MINOR_NUDITY_MARKED).count() == 1


def test_quarantined_image_is_never_decoded_by_the_worker(school, staff, leader):
    incident = IncidentFactory(school=school, reporter=staff, files=[png()])
    [item] = services.evidence_quarantine(incident=incident, actor=leader, evidence=incident.evidence.get())
    assert services.evidence_process(evidence_id=item.pk) is False
    item.refresh_from_db()
    assert not item.processed and item.stored_sha256 == ""


def test_deletion_at_the_handover_follows_the_transaction_and_keeps_the_facts(school, staff, leader,
                                                                              django_capture_on_commit_callbacks):
    incident = IncidentFactory(school=school, reporter=staff, files=[pdf()])
    [item] = services.evidence_quarantine(incident=incident, actor=leader)
    name, storage = item.file.name, storages["private"]

    with pytest.raises(RuntimeError), transaction.atomic():  # rolled back: the file stays
        services.quarantine_destroy(incident=incident, actor=leader, handed_over_to_police=True)
        raise RuntimeError
    assert storage.exists(name)

    with django_capture_on_commit_callbacks(execute=True):
        services.quarantine_destroy(incident=incident, actor=leader, handed_over_to_police=True, reason="PV 2026-1")
    assert not storage.exists(name)
    item.refresh_from_db()
    assert item.file.name == "" and item.destroyed_by == leader and item.sha256 == hashlib.sha256(PDF).hexdigest()
    event = CaseEvent.objects.get(incident=incident, kind=CaseEventKind.EVIDENCE_HANDED_OVER)
    assert event.actor == leader and event.changes["sha256"] == [None, item.sha256]
    assert event.changes["received_size"] == [None, len(PDF)]
    assert AuditEvent.objects.filter(action="evidence.destroy", object_id=str(incident.pk)).exists()
    with pytest.raises(ValidationError):  # nothing left to delete
        services.quarantine_destroy(incident=incident, actor=leader, handed_over_to_police=False)


def test_leader_quarantines_one_file_and_deletes_it_at_once_over_http(client, school, staff, leader,
                                                                      django_capture_on_commit_callbacks):
    incident = IncidentFactory(school=school, reporter=staff, files=[pdf(), pdf("tweede.pdf")])
    first, second = incident.evidence.order_by("pk")
    client.force_login(leader)
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("incidents:quarantine", args=[incident.pk]),
                               {"quarantine-evidence": first.pk, "quarantine-destroy_now": "on"})
    assert response.status_code == 302
    first.refresh_from_db(), second.refresh_from_db()
    assert first.destroyed_at and not first.file and not second.is_quarantined
    assert CaseEvent.objects.filter(incident=incident, kind=CaseEventKind.EVIDENCE_DESTROYED, record_id=first.pk).exists()
    page = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Bestand verwijderd op" in page or "File deleted on" in page
    # Marking it again is refused at the form, and the page comes back.
    again = client.post(reverse("incidents:quarantine", args=[incident.pk]), {"quarantine-evidence": first.pk})
    assert again.status_code == 400


def test_staff_member_cannot_quarantine_or_download_the_package(client, school, staff):
    incident = IncidentFactory(school=school, reporter=staff, files=[pdf()])
    client.force_login(staff)
    assert client.post(reverse("incidents:quarantine", args=[incident.pk]), {}).status_code == 403
    assert client.get(reverse("incidents:police_package", args=[incident.pk])).status_code == 403
    assert not Evidence.objects.filter(quarantined_at__isnull=False).exists()


# --- the police package ---------------------------------------------------------------------------------------------

def test_police_package_proves_every_file_and_its_manifest(client, school, staff, leader):
    incident = IncidentFactory(school=school, reporter=staff, files=[png(), pdf()])
    services.evidence_add(incident=incident, actor=leader, files=[png("tweede.png", color=(1, 2, 3))])
    process_uploaded_images()
    hidden = IncidentFactory(school=school, reporter=staff, files=[pdf("ander.pdf")])  # another case: not in it
    client.force_login(leader)

    response = client.get(reverse("incidents:police_package", args=[incident.pk]))
    assert response.status_code == 200 and response["Content-Type"] == "application/zip"
    assert response["Cache-Control"] == "private, no-store"
    archive = zipfile.ZipFile(io.BytesIO(body(response)))
    assert archive.testzip() is None
    manifest_json, manifest_csv = archive.read("manifest.json"), archive.read("manifest.csv")
    rows = json.loads(manifest_json)["files"]
    assert len(rows) == 3
    for row in rows:  # every hash recomputed from the ZIP
        data = archive.read(row["file"])
        assert hashlib.sha256(data).hexdigest() == row["sha256"] and len(data) == row["size"]
        item = Evidence.objects.get(pk=int(row["file"].split("/")[1].split("-")[0]))
        assert row["sha256_as_received"] == item.sha256 and row["uploaded_by"] == str(item.created_by)
        assert row["uploaded_at"].startswith(item.created_at.astimezone().date().isoformat()[:4])
    assert manifest_csv.decode().count("\n") == 4 and all(row["sha256"] in manifest_csv.decode() for row in rows)
    [pdf_name] = [n for n in archive.namelist() if n.endswith(".pdf") and "/" not in n]
    text = compact(archive.read(pdf_name))
    assert hashlib.sha256(manifest_json).hexdigest() in text and hashlib.sha256(manifest_csv).hexdigest() in text
    assert hidden.evidence.get().original_name not in " ".join(archive.namelist())
    audit = AuditEvent.objects.get(action="export.police_package", object_id=str(incident.pk))
    assert audit.actor == leader and audit.detail["manifest_sha256"] == hashlib.sha256(manifest_json).hexdigest()


# --- every view and download of evidence is audit-logged ----------------------------------------------------------

def test_every_view_and_download_of_evidence_is_audit_logged(client, school, staff, leader):
    incident = IncidentFactory(school=school, reporter=staff, files=[png()])
    process_uploaded_images()
    item = incident.evidence.get()
    client.force_login(leader)
    url = reverse("incidents:evidence_file", args=[item.token])
    assert client.get(url).status_code == 200
    assert client.get(url + "?download=1").status_code == 200
    logged = AuditEvent.objects.filter(action="evidence.download", object_id=str(item.pk), actor=leader)
    assert logged.count() == 2


def test_a_case_triaged_as_sexting_quarantines_the_files_it_already_had(client, school, staff, leader):
    """A report filed as bullying with a screenshot, recategorised as sexting by the leader: the screenshot may be the
    nude image, so no file of the case stays outside quarantine; the timeline says why, the audit log has it, and
    nobody can open it. Links and text stay."""
    incident = IncidentFactory(school=school, reporter=staff, files=[png(), pdf()])
    process_uploaded_images()
    services.evidence_add(incident=incident, actor=leader, links=["https://www.snapchat.com/add/x"])
    files = list(incident.evidence.exclude(file="").order_by("pk"))
    client.force_login(leader)
    response = client.post(reverse("incidents:record", args=[incident.pk, "triage"]), {
        "triage-severity": "high", "triage-category": "sexting",
    })
    assert response.status_code == 302
    for item in files:
        item.refresh_from_db()
        assert item.is_quarantined and item.quarantined_by == leader
        assert client.get(reverse("incidents:evidence_file", args=[item.token])).status_code == 404
    assert [e.url for e in Evidence.objects.servable().filter(incident=incident)] == []
    assert Evidence.objects.filter(incident=incident, url="https://www.snapchat.com/add/x", quarantined_at__isnull=True).exists()
    events = CaseEvent.objects.filter(incident=incident, kind=CaseEventKind.EVIDENCE_QUARANTINED)
    assert {e.record_id for e in events} == {item.pk for item in files}
    assert all("sexting" in e.reason for e in events)
    timeline = client.get(reverse("incidents:detail", args=[incident.pk])).content.decode()
    assert "Bestand in quarantaine" in timeline and "sexting" in timeline
    assert AuditEvent.objects.filter(action="evidence.quarantine", object_id=str(incident.pk)).exists()
    # A later triage of the same case quarantines nothing twice.
    services.incident_triage(incident=incident, actor=leader, severity="medium", category="sexting", privacy_flag=False)
    assert CaseEvent.objects.filter(incident=incident, kind=CaseEventKind.EVIDENCE_QUARANTINED).count() == len(files)


def test_triage_of_a_case_that_takes_files_quarantines_nothing(school, staff, leader):
    incident = IncidentFactory(school=school, reporter=staff, files=[png()])
    services.incident_triage(incident=incident, actor=leader, severity="low", category="threat", privacy_flag=False)
    assert not Evidence.objects.filter(incident=incident, quarantined_at__isnull=False).exists()
