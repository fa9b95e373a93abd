"""The school leader's triage: make a report a case, add it to a case, or set it aside. Nothing is erased; who
reads a report (and a named sender) is written to the audit trail."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.urls import reverse

from incidents.models import CaseEvent, Incident
from portal.models import AuditEvent, Notification, Role
from publicreports import services
from publicreports.models import Outcome, PublicReport, Status
from tests.factories import IncidentFactory, member

from .conftest import submit

pytestmark = pytest.mark.django_db


def client_for(user):
    client = Client()
    client.force_login(user)
    return client


def status_seen_by_sender(code):
    body = Client().post(reverse("publicreports:follow"), {"code": code}).content.decode()
    return body.split('id="report-status">')[1].split("<")[0]


def test_made_into_a_case_its_text_is_the_report_and_the_sender_follows_the_case(page, leader, dutch):
    report, code = submit(page=page, sender_name="Sam de Vries", sender_contact="06-12345678",
                          links=["https://www.instagram.com/nep.sam/"])
    services.public_report_add_information(report=report, text="Het gebeurt al een week.")
    response = client_for(leader).post(reverse("publicreports:handle", args=[report.pk, "zaak"]),
                                       {"open-category": "identity_fraud"})
    report.refresh_from_db()
    incident = report.incident
    assert response.status_code == 302 and response["Location"] == reverse("incidents:detail", args=[incident.pk])
    assert report.outcome == Outcome.CASE_OPENED and report.handled_by == leader and report.handled_at
    assert incident.description == report.description and incident.reporter == leader
    assert incident.school == report.school and incident.category == "identity_fraud" and incident.platform == "whatsapp"
    assert incident.evidence.get().url == "https://www.instagram.com/nep.sam/"
    # The case's report goes to the school leader like any report (the incidents' own service).
    assert Notification.objects.filter(recipient=leader, kind="incident_reported", incident=incident).exists()
    # The timeline says where it came from and that the sender is named, but not who.
    kinds = list(CaseEvent.objects.filter(incident=incident).values_list("kind", flat=True))
    assert kinds == ["public_report_named", "public_report_addition"]
    case_page = client_for(member(Role.BOARD, board=page.school.board)).get(reverse("incidents:detail", args=[incident.pk]))
    body = case_page.content.decode()
    assert "Melding via het openbare meldformulier; de melder gaf een naam" in body
    assert "Het gebeurt al een week." in body
    assert "Sam de Vries" not in body and "06-12345678" not in body
    assert status_seen_by_sender(code) == "In behandeling"
    # Information added later goes onto the case's timeline too.
    services.public_report_add_information(report=report, text="Nu ook op TikTok.")
    assert CaseEvent.objects.filter(incident=incident, kind="public_report_addition").count() == 2
    # A closed case reads "dealt with", and nothing more.
    Incident.objects.filter(pk=incident.pk).update(state="closed")
    assert status_seen_by_sender(code) == "Afgehandeld"


def test_added_to_an_existing_case_it_shows_on_its_timeline(page, leader, dutch):
    case = IncidentFactory(school=page.school, description="Nepaccount gemeld door een docent.")
    report, code = submit(page=page, links=["https://www.tiktok.com/@nep/video/1", "https://www.tiktok.com/@nep/video/2"])
    response = client_for(leader).post(reverse("publicreports:handle", args=[report.pk, "bij-zaak"]),
                                       {"join-incident": case.pk})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.outcome == Outcome.ADDED_TO_CASE and report.incident == case
    event = CaseEvent.objects.get(incident=case)
    assert event.kind == "public_report" and event.actor == leader and event.record_id == report.pk
    body = client_for(leader).get(reverse("incidents:detail", args=[case.pk])).content.decode()
    assert "Melding via het openbare meldformulier" in body and report.description in body
    assert reverse("publicreports:detail", args=[report.pk]) in body  # the leader may open the report itself
    assert "https://www.tiktok.com/@nep/video/1, https://www.tiktok.com/@nep/video/2" in body  # listed, not a Python list
    assert status_seen_by_sender(code) == "In behandeling"


def test_another_schools_case_cannot_be_chosen(page, leader, other_school):
    foreign = IncidentFactory(school=other_school)
    report, _code = submit(page=page)
    response = client_for(leader).post(reverse("publicreports:handle", args=[report.pk, "bij-zaak"]),
                                       {"join-incident": foreign.pk})
    assert response.status_code == 400
    with pytest.raises(ValidationError):
        services.public_report_add_to_case(report=report, actor=leader, incident=foreign)
    report.refresh_from_db()
    assert not report.outcome and not CaseEvent.objects.exists()


def test_set_aside_needs_a_reason_keeps_the_report_and_the_sender_sees_dealt_with(page, leader, dutch):
    report, code = submit(page=page)
    client = client_for(leader)
    response = client.post(reverse("publicreports:handle", args=[report.pk, "terzijde"]), {"aside-reason": "  "})
    assert response.status_code == 400 and "Dit veld is vereist" in response.content.decode()
    response = client.post(reverse("publicreports:handle", args=[report.pk, "terzijde"]), {"aside-reason": "Een grap."})
    assert response.status_code == 302
    report.refresh_from_db()
    assert report.outcome == Outcome.SET_ASIDE and report.set_aside_reason == "Een grap." and report.handled_by == leader
    assert report.status == Status.CLOSED and status_seen_by_sender(code) == "Afgehandeld"
    assert AuditEvent.objects.filter(action="public_report.set_aside", object_id=str(report.pk), actor=leader).exists()
    # Decided once: no second decision, and the report stays (it is listed under "all").
    with pytest.raises(ValidationError):
        services.public_report_open_case(report=report, actor=leader, category="bullying")
    assert report in client.get(reverse("publicreports:list"), {"alle": "1"}).context["page"].object_list
    assert report not in client.get(reverse("publicreports:list")).context["page"].object_list


def test_only_leader_and_asked_counsellor_read_it_and_every_view_is_logged(page, leader, school_counsellor, other_school):
    named, _code = submit(page=page, sender_name="Sam de Vries", wants_counsellor=True)
    private, _code = submit(page=page, sender_name="Noor")
    counsellor = client_for(school_counsellor)
    response = counsellor.get(reverse("publicreports:detail", args=[named.pk]))
    assert response.status_code == 200 and "Sam de Vries" in response.content.decode()
    assert "Maak er een zaak van" not in response.content.decode()  # the counsellor reads; the leader decides
    assert counsellor.get(reverse("publicreports:detail", args=[private.pk])).status_code == 404
    with pytest.raises(PermissionDenied):
        services.public_report_set_aside(report=named, actor=school_counsellor, reason="Niet aan mij.")
    assert client_for(leader).get(reverse("publicreports:detail", args=[private.pk])).status_code == 200
    views = AuditEvent.objects.filter(action="public_report.view").values_list("actor_id", "object_id")
    assert sorted(views) == sorted([(school_counsellor.pk, str(named.pk)), (leader.pk, str(private.pk))])
    # Another school's leader and the board do not get it at all.
    assert client_for(member(Role.BOARD, board=page.school.board)).get(
        reverse("publicreports:detail", args=[named.pk])).status_code == 403
    other_leader = member(Role.SCHOOL_LEADER, school=other_school)
    assert client_for(other_leader).get(reverse("publicreports:detail", args=[named.pk])).status_code == 404
    assert PublicReport.objects.count() == 2


def test_the_report_list_runs_a_constant_number_of_queries(page, leader, django_assert_max_num_queries):
    client = client_for(leader)
    for _ in range(3):
        submit(page=page)
    client.get(reverse("publicreports:list"))
    with django_assert_max_num_queries(12) as few:
        client.get(reverse("publicreports:list"))
    for _ in range(20):
        submit(page=page)
    with django_assert_max_num_queries(len(few.captured_queries)):
        client.get(reverse("publicreports:list"))


def test_pausing_needs_a_reason_and_is_audited(page, leader):
    client = client_for(leader)
    url = reverse("publicreports:pause", args=[page.school.pk])
    assert client.post(url, {"paused": "1", "reason": ""}).status_code == 400
    assert client.post(url, {"paused": "1", "reason": "Stroom nepmeldingen"}).status_code == 302
    page.refresh_from_db()
    assert page.paused and page.changed_by == leader
    assert client.post(url, {"paused": "0"}).status_code == 302
    page.refresh_from_db()
    assert not page.paused
    assert list(AuditEvent.objects.filter(object_id=str(page.pk)).order_by("pk").values_list("action", flat=True)) == [
        "public_page.paused", "public_page.resumed"]


def test_the_qr_code_encodes_the_public_address(page, leader, settings):
    from PIL import Image
    import io

    client = client_for(leader)
    svg = client.get(reverse("publicreports:qr", args=[page.school.pk, "svg"]))
    assert svg["Content-Type"] == "image/svg+xml" and svg.content.startswith(b"<svg") and b"<path" in svg.content
    png = client.get(reverse("publicreports:qr", args=[page.school.pk, "png"]), {"download": "1"})
    assert png["Content-Type"] == "image/png" and "attachment" in png["Content-Disposition"]
    assert Image.open(io.BytesIO(png.content)).size[0] > 200
    detail = client.get(reverse("publicreports:page", args=[page.school.pk])).content.decode()
    url = settings.MELDPUNT_BASE_URL + reverse("publicreports:report", args=[page.key])
    assert url in detail
    poster = client.get(reverse("publicreports:poster", args=[page.school.pk])).content.decode()
    assert url in poster and reverse("publicreports:qr", args=[page.school.pk, "svg"]) in poster


def test_a_second_click_on_make_it_a_case_says_it_was_decided_already(page, leader, dutch):
    report, _code = submit(page=page)
    client = client_for(leader)
    url = reverse("publicreports:handle", args=[report.pk, "zaak"])
    assert client.post(url, {"open-category": "bullying"}).status_code == 302
    again = client.post(url, {"open-category": "bullying"}, follow=True)
    assert again.redirect_chain == [(reverse("publicreports:detail", args=[report.pk]), 302)]
    assert "Over deze melding is al beslist (zaak van gemaakt)" in again.content.decode()
    assert Incident.objects.filter(public_reports=report).count() == 1
