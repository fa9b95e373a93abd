"""Who sees which cases, and who may change them, through the real pages."""

import pytest
from django.urls import reverse

from incidents import selectors, services
from incidents.models import Assignment, Evidence, Incident, Transition
from incidents.workflow import State
from portal.models import AuditEvent, Role
from tests.conftest import process_uploaded_images
from tests.factories import IncidentFactory, member

pytestmark = pytest.mark.django_db


def detail(incident):
    return reverse("incidents:detail", args=[incident.pk])


def link(incident):
    """How a case is linked from a list page."""
    return f'href="{detail(incident)}"'


def transition_url(incident, name):
    return reverse("incidents:transition", args=[incident.pk, name])


def record_url(incident, kind):
    return reverse("incidents:record", args=[incident.pk, kind])


@pytest.fixture
def cases(school, sister_school, other_school, staff):
    """One case per place that matters, each reported by someone different."""
    colleague = member(Role.STAFF, school=school)
    return {
        "own": IncidentFactory(school=school, reporter=staff),
        "colleague": IncidentFactory(school=school, reporter=colleague),
        "own_privacy": IncidentFactory(school=school, reporter=colleague, privacy_flag=True),
        "sister": IncidentFactory(school=sister_school),
        "sister_privacy": IncidentFactory(school=sister_school, category="data_breach"),
        "other_board": IncidentFactory(school=other_school),
        "other_board_privacy": IncidentFactory(school=other_school, privacy_flag=True),
    }


def listed(content, cases, *keys):
    return {key for key in cases if link(cases[key]) in content} == set(keys)


def test_staff_see_their_own_reports_only(client, staff, cases):
    client.force_login(staff)
    response = client.get(reverse("incidents:my_reports"))
    assert response.status_code == 200
    assert listed(response.content.decode(), cases, "own")
    # The dashboard is not for staff: it sends them to their reports.
    response = client.get(reverse("incidents:dashboard"))
    assert response.status_code == 302
    assert response["Location"] == reverse("incidents:my_reports")


def test_staff_open_their_own_report_but_not_a_colleagues(client, staff, cases):
    client.force_login(staff)
    assert client.get(detail(cases["own"])).status_code == 200
    for key in ("colleague", "own_privacy", "sister", "other_board"):
        assert client.get(detail(cases[key])).status_code == 404, key


def test_staff_cannot_change_their_own_report(client, staff, leader, cases):
    incident = cases["own"]
    services.incident_triage(incident=incident, actor=leader, severity="medium", category="bullying", privacy_flag=False)
    client.force_login(staff)
    for name in ("start_gathering", "dismiss"):
        response = client.post(transition_url(incident, name), {"transition-note": "Geen incident."})
        assert response.status_code in (403, 404), name
    posts = {
        "triage": {"triage-severity": "critical", "triage-category": "threats"},
        "facts": {"facts-facts_account": "Zelf opgeschreven."},
        "decision": {"decision-decision": "not_criminal", "decision-decision_reasoning": "x"},
        "waiver": {"waiver-item": "sanctions", "waiver-reason": "Geen sanctie."},
        "action": {"action-kind": "confrontation", "action-outcome": "Gesproken."},
        "informed": {"informed-who": "Ouders", "informed-what_was_said": "x", "informed-next_steps": "y"},
    }
    for kind, data in posts.items():
        response = client.post(record_url(incident, kind), data)
        assert response.status_code in (403, 404), kind
    incident.refresh_from_db()
    assert incident.state == State.REPORTED
    assert incident.severity == "medium"
    assert incident.facts_account == ""
    assert not incident.transitions.exists()
    assert not incident.waivers.exists() and not incident.actions.exists() and not incident.informed_parties.exists()


def test_transition_buttons_are_shown_to_the_leader_and_not_to_staff(client, staff, leader, cases):
    incident = cases["own"]
    client.force_login(staff)
    content = client.get(detail(incident)).content.decode()
    assert "data-transition" not in content
    client.force_login(leader)
    content = client.get(detail(incident)).content.decode()
    assert 'data-transition="start_gathering"' in content
    assert 'data-transition="dismiss"' in content
    assert 'data-transition="close"' not in content


def test_school_leader_sees_every_case_of_their_school_only(client, leader, cases):
    client.force_login(leader)
    response = client.get(reverse("incidents:dashboard"))
    assert response.status_code == 200
    assert listed(response.content.decode(), cases, "own", "colleague", "own_privacy")
    for key in ("own", "colleague", "own_privacy"):
        assert client.get(detail(cases[key])).status_code == 200, key
    for key in ("sister", "sister_privacy", "other_board", "other_board_privacy"):
        assert client.get(detail(cases[key])).status_code == 404, key


def test_board_member_sees_every_case_of_the_board(client, board_member, cases):
    client.force_login(board_member)
    response = client.get(reverse("incidents:dashboard"))
    assert response.status_code == 200
    assert listed(response.content.decode(), cases, "own", "colleague", "own_privacy", "sister", "sister_privacy")
    assert client.get(detail(cases["sister"])).status_code == 200
    assert client.get(detail(cases["other_board"])).status_code == 404


def test_privacy_officer_sees_the_boards_privacy_cases_only(client, privacy_officer, cases):
    client.force_login(privacy_officer)
    response = client.get(reverse("incidents:dashboard"))
    assert response.status_code == 200
    assert listed(response.content.decode(), cases, "own_privacy", "sister_privacy")
    assert client.get(detail(cases["sister_privacy"])).status_code == 200
    for key in ("own", "sister", "other_board_privacy"):
        assert client.get(detail(cases[key])).status_code == 404, key


def test_counsellor_sees_only_cases_they_are_asked_on(client, counsellor, leader, cases):
    assigned = cases["colleague"]
    services.incident_add_record(incident=assigned, actor=leader, record=Assignment(user=counsellor, kind="aftercare"))
    client.force_login(counsellor)
    assert client.get(detail(assigned)).status_code == 200
    response = client.get(reverse("incidents:dashboard"))
    assert response.status_code == 200
    assert listed(response.content.decode(), cases, "colleague")
    for key in ("own", "own_privacy", "sister", "other_board"):
        assert client.get(detail(cases[key])).status_code == 404, key
    visible = set(selectors.incident_list_visible_to(user=counsellor).values_list("pk", flat=True))
    assert visible == {assigned.pk}


def test_another_schools_case_does_not_exist_for_a_school_leader(client, school, cases):
    incident = cases["own"]
    services.evidence_add(incident=incident, actor=incident.reporter, files=[_png_upload()])
    process_uploaded_images()
    evidence = Evidence.objects.get(incident=incident)
    sister_leader = member(Role.SCHOOL_LEADER, school=cases["sister"].school)
    far_leader = member(Role.SCHOOL_LEADER, school=cases["other_board"].school)
    views_before = AuditEvent.objects.filter(action="incident.view").count()
    for outsider in (sister_leader, far_leader):
        client.force_login(outsider)
        assert client.get(detail(incident)).status_code == 404
        assert client.get(reverse("incidents:evidence_file", args=[evidence.token])).status_code == 404
        assert client.post(transition_url(incident, "dismiss"), {"transition-note": "Weg ermee."}).status_code == 404
        assert client.post(transition_url(incident, "start_gathering")).status_code == 404
        assert client.post(record_url(incident, "triage"), {"triage-severity": "low", "triage-category": "other"}).status_code == 404
    incident.refresh_from_db()
    assert incident.state == State.REPORTED and incident.severity == ""
    assert AuditEvent.objects.filter(action="incident.view").count() == views_before
    # The case's own school leader does get the file.
    leader = member(Role.SCHOOL_LEADER, school=school)
    client.force_login(leader)
    assert client.get(reverse("incidents:evidence_file", args=[evidence.token])).status_code == 200


def test_opening_a_case_and_changing_its_step_are_audited(client, leader, cases):
    incident = cases["own"]
    client.force_login(leader)
    assert client.get(detail(incident)).status_code == 200
    view = AuditEvent.objects.get(action="incident.view", object_id=str(incident.pk))
    assert view.actor == leader
    assert view.object_type == "incidents.incident"
    assert view.board == incident.school.board

    response = client.post(record_url(incident, "triage"), {"triage-severity": "high", "triage-category": "threats"})
    assert response.status_code == 302
    response = client.post(transition_url(incident, "start_gathering"), {"transition-note": "Direct oppakken."})
    assert response.status_code == 302
    incident.refresh_from_db()
    assert incident.state == State.GATHERING
    row = Transition.objects.get(incident=incident)
    assert (row.actor, row.source, row.target, row.note) == (leader, "reported", "gathering", "Direct oppakken.")
    event = AuditEvent.objects.get(action="incident.transition", object_id=str(incident.pk))
    assert event.actor == leader
    assert event.detail["source"] == "reported" and event.detail["target"] == "gathering"


def test_a_refused_step_change_through_the_page_changes_nothing(client, leader, cases):
    incident = cases["own"]
    client.force_login(leader)
    # No severity yet, and a dismissal without a reason.
    assert client.post(transition_url(incident, "start_gathering")).status_code in (302, 400)
    assert client.post(transition_url(incident, "dismiss"), {"transition-note": ""}).status_code in (302, 400)
    incident.refresh_from_db()
    assert incident.state == State.REPORTED
    assert not Transition.objects.filter(incident=incident).exists()
    assert not AuditEvent.objects.filter(action="incident.transition", object_id=str(incident.pk)).exists()


def test_anonymous_users_are_sent_to_login(client, cases):
    for url in (detail(cases["own"]), reverse("incidents:dashboard"), reverse("incidents:my_reports"), reverse("incidents:report")):
        response = client.get(url)
        assert response.status_code == 302
        assert reverse("account_login") in response["Location"]


def test_ended_membership_gives_no_access(client, school, cases):
    import datetime

    from portal.models import Membership

    former = member(Role.SCHOOL_LEADER, school=school)
    Membership.objects.filter(user=former).update(ends_on=datetime.date(2020, 1, 1))
    client.force_login(former)
    assert client.get(detail(cases["own"])).status_code == 404
    assert Incident.objects.filter(selectors.incident_visibility_q(user=former)).count() == 0


def _png_upload():
    import io

    from django.core.files.uploadedfile import SimpleUploadedFile
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (20, 10), "red").save(buffer, format="PNG")
    return SimpleUploadedFile("screenshot.png", buffer.getvalue(), content_type="image/png")


def test_the_reporter_follows_their_report_but_not_the_schools_file_on_it(client, school, staff, leader):
    from incidents.models import Involvement
    from tests.factories import PersonFactory

    incident = IncidentFactory(school=school, reporter=staff, links=["https://www.tiktok.com/@melder/video/1"])
    services.evidence_add(incident=incident, actor=leader, links=["https://www.tiktok.com/@leider/video/2"])
    services.incident_add_record(incident=incident, actor=leader, record=Involvement(
        person=PersonFactory(school=school, first_name="Vertrouwelijk", last_name="Persoon"), role="perpetrator"))

    client.force_login(staff)
    page = client.get(detail(incident)).content.decode()
    assert "@melder" in page
    assert "@leider" not in page and "Vertrouwelijk" not in page
    assert 'id="timeline-title"' not in page and 'id="missing-title"' not in page

    client.force_login(leader)
    page = client.get(detail(incident)).content.decode()
    assert "@melder" in page and "@leider" in page and "Vertrouwelijk" in page
