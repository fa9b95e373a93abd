"""Filing a report through the API: the report page's checks, its notifications, its refusals, in Dutch."""

import datetime

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from incidents import services
from incidents.models import Evidence, Incident
from portal.models import AuditEvent, Notification, Role

from ..factories import IncidentFactory, member
from .conftest import png_upload, token_client

REPORT = {
    "category": "bullying",
    "platform": "whatsapp",
    "description": "In de klassenapp worden gemene berichten over een leerling gedeeld.",
    "links": ["https://example.org/bericht/1"],
}


def report(user, **fields):
    return token_client(user).post("/api/v1/incidents/", {**REPORT, **fields}, format="json")


def notified(incident):
    return sorted((n.recipient_id, n.kind) for n in Notification.objects.filter(incident=incident))


@pytest.mark.django_db
def test_staff_report_their_own_school_and_the_same_people_are_told_as_from_the_page(client, school, staff, leader):
    response = report(staff, school=school.pk)
    assert response.status_code == 201, response.content
    body = response.json()
    incident = Incident.objects.get(pk=body["id"])
    assert response["Location"] == f"/api/v1/incidents/{incident.pk}/"
    assert (incident.school, incident.reporter, incident.state) == (school, staff, "reported")
    assert body["full_view"] is False  # the reporter follows their report, as on the page
    assert [e["url"] for e in body["evidence"]] == REPORT["links"]
    assert (leader.pk, "incident_reported") in notified(incident)
    # The history names the API user as the author, as it names the page's.
    assert incident.history.earliest().history_user == staff

    client.force_login(staff)
    page = client.post("/melden/", {"school": school.pk, "category": "bullying", "platform": "whatsapp",
                                    "description": REPORT["description"], "discovered_at": "2026-01-05T10:00"})
    assert page.status_code == 302
    from_page = Incident.objects.exclude(pk=incident.pk).get(reporter=staff)
    assert notified(from_page) == notified(incident)


@pytest.mark.django_db
def test_a_privacy_report_opens_the_fg_review_as_from_the_page(school, staff, privacy_officer):
    response = report(staff, school=school.pk, category="data_breach")
    assert response.status_code == 201
    incident = Incident.objects.get(pk=response.json()["id"])
    assert incident.privacy_flag and incident.breach_assessment
    assert (privacy_officer.pk, "privacy_reported") in notified(incident)


@pytest.mark.django_db
def test_a_report_for_another_school_is_refused_and_nothing_is_written(school, other_school, sister_school, staff):
    for foreign in (other_school, sister_school):
        response = report(staff, school=foreign.pk)
        assert response.status_code == 404  # another school does not exist here; the reason at the field
        assert response.json() == {"school": ["Je kunt alleen incidenten melden voor je eigen school. Kies je eigen school."]}
    assert not Incident.objects.exists() and not Notification.objects.exists()


@pytest.mark.django_db
def test_someone_without_a_school_cannot_report(school, board_member):
    response = report(board_member, school=school.pk)
    assert response.status_code == 403
    assert "niet aan een school gekoppeld" in response.json()["detail"]
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_report_errors_are_dutch_and_name_the_field(school, staff):
    future = (timezone.now() + datetime.timedelta(days=2)).isoformat()
    response = token_client(staff).post("/api/v1/incidents/", {"school": school.pk, "category": "pesten",
                                                               "occurred_at": future, "links": ["javascript:alert(1)"]},
                                        format="json")
    assert response.status_code == 400
    errors = response.json()
    assert errors["description"] == ["Dit veld is vereist."]
    assert errors["platform"] == ["Dit veld is vereist."]
    assert errors["category"] == ['"pesten" is een ongeldige keuze.']
    assert errors["occurred_at"] == ["Dit tijdstip ligt in de toekomst. Vul een tijdstip in dat al voorbij is."]
    assert errors["links"][0].startswith("“javascript:alert(1)” is geen geldige link.")

    earlier = (timezone.now() - datetime.timedelta(days=2)).isoformat()
    later = (timezone.now() - datetime.timedelta(days=1)).isoformat()
    response = report(staff, school=school.pk, occurred_at=later, discovered_at=earlier)
    assert response.status_code == 400
    assert response.json()["discovered_at"][0].startswith("Het kan niet eerder ontdekt zijn dan het gebeurd is.")
    assert not Incident.objects.exists()


@pytest.mark.django_db
def test_screenshots_go_through_the_upload_checks(school, staff):
    client = token_client(staff)
    response = client.post("/api/v1/incidents/", {**REPORT, "school": school.pk, "files": [png_upload()]},
                           format="multipart")
    assert response.status_code == 201, response.content
    evidence = Evidence.objects.get(incident=response.json()["id"], url="")
    assert evidence.content_type == "image/png" and evidence.original_name == "schermafbeelding.png"
    [uploaded] = [e for e in response.json()["evidence"] if e["original_name"]]
    # Until the worker has re-encoded the image there is nothing to download (the file view answers 404).
    assert uploaded["processed"] is False and uploaded["download"] == "" and uploaded["processing_error"] == ""
    services.evidence_process(evidence_id=evidence.pk)
    [uploaded] = [e for e in client.get(f"/api/v1/incidents/{evidence.incident_id}/").json()["evidence"] if e["original_name"]]
    assert uploaded["processed"] is True and uploaded["download"].endswith(f"/bewijs/{evidence.token}/")

    # An image damaged inside passes the quick checks; the worker refuses it, and the API says why.
    from tests.portal.test_upload_checks import png_with_damaged_pixel_data

    damaged = SimpleUploadedFile("kapot.png", png_with_damaged_pixel_data(), content_type="image/png")
    response = client.post("/api/v1/incidents/", {**REPORT, "school": school.pk, "files": [damaged]}, format="multipart")
    assert response.status_code == 201, response.content
    services.evidence_process(evidence_id=Evidence.objects.get(incident=response.json()["id"], url="").pk)
    [refused] = [e for e in client.get(f"/api/v1/incidents/{response.json()['id']}/").json()["evidence"] if e["original_name"]]
    assert refused["processed"] is True and refused["download"] == ""
    assert refused["processing_error"] == "Deze afbeelding is beschadigd of kan niet worden gelezen. Maak de schermafbeelding opnieuw."

    fake = SimpleUploadedFile("nep.png", b"MZ\x90\x00 not an image at all", content_type="image/png")
    response = client.post("/api/v1/incidents/", {**REPORT, "school": school.pk, "files": [fake]}, format="multipart")
    assert response.status_code == 400
    assert "nep.png" in response.json()["files"][0]
    assert Incident.objects.count() == 2


@pytest.mark.django_db
def test_reading_a_case_is_audited_as_on_the_page(school, leader):
    incident = IncidentFactory(school=school)
    assert token_client(leader).get(f"/api/v1/incidents/{incident.pk}/").status_code == 200
    event = AuditEvent.objects.get(action="incident.view")
    assert (event.actor, event.object_id, event.board) == (leader, str(incident.pk), school.board)


@pytest.mark.django_db
def test_the_reporter_sees_their_report_not_the_schools_file(school, staff, leader):
    incident = IncidentFactory(school=school, reporter=staff, assessing=True, links=["https://example.org/mijn-link"])
    services.evidence_add(incident=incident, actor=leader, links=["https://example.org/van-de-school"])
    mine = token_client(staff).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert mine["full_view"] is False
    assert [e["url"] for e in mine["evidence"]] == ["https://example.org/mijn-link"]
    assert not {"facts_account", "decision", "reporter", "decision_reasoning"} & mine.keys()
    whole = token_client(leader).get(f"/api/v1/incidents/{incident.pk}/").json()
    assert whole["full_view"] is True
    assert {e["url"] for e in whole["evidence"]} == {"https://example.org/mijn-link", "https://example.org/van-de-school"}
    assert whole["reporter"] == {"id": staff.pk, "name": str(staff)}
    assert whole["facts_account"]


@pytest.mark.django_db
def test_the_list_filters_like_the_dashboard(school, sister_school, leader):
    board = member(Role.BOARD, board=school.board)
    bullying = IncidentFactory(school=school, category="bullying", platform="tiktok")
    IncidentFactory(school=sister_school, category="threats")
    closed = IncidentFactory(school=school, closed=True)
    client = token_client(board)

    def ids(**params):
        response = client.get("/api/v1/incidents/", params)
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids(platform="tiktok") == [bullying.pk]
    assert ids(category="bullying", school=school.pk) == [bullying.pk]
    assert ids(state="closed") == [closed.pk]
    assert closed.pk not in ids() and closed.pk in ids(include_closed="true")
    assert len(ids(page_size=1)) == 1
    response = client.get("/api/v1/incidents/", {"state": "kwijt", "older_than_days": "-1"})
    assert response.status_code == 400
    assert response.json()["state"] == ['"kwijt" is een ongeldige keuze.']
    assert "older_than_days" in response.json()
