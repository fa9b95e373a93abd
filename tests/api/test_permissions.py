"""The API gives every role exactly what the pages give it: the same case list, the same 200 or 404 per case,
the same whole-case-or-report-only view, and step changes only for the school leader.

Each check asks the page and the API the same question and compares the answers, so the API cannot drift
from the pages' scoping however the selectors change."""

import re
from types import SimpleNamespace

import pytest
from django.test import Client

from incidents import services
from incidents.models import Assignment
from portal.models import Role

from ..factories import IncidentFactory, SchoolFactory, member
from .conftest import token_client

CASE_LINK = re.compile(r'href="/zaken/(\d+)/"')
CURRENT_STEP = re.compile(r'id="current-step">([^<]*)<')


@pytest.fixture
def world(db, school, sister_school, other_school):
    users = {
        "staff": member(Role.STAFF, school=school),
        "staff_other": member(Role.STAFF, school=school),
        "leader": member(Role.SCHOOL_LEADER, school=school),
        "sister_leader": member(Role.SCHOOL_LEADER, school=sister_school),
        "board": member(Role.BOARD, board=school.board),
        "privacy_officer": member(Role.PRIVACY_OFFICER, board=school.board),
        "counsellor": member(Role.COUNSELLOR, board=school.board),
        "communications": member(Role.COMMUNICATIONS, board=school.board),
        "admin": member(Role.ADMIN, board=school.board),
        "foreign_leader": member(Role.SCHOOL_LEADER, school=other_school),
        "foreign_board": member(Role.BOARD, board=other_school.board),
    }
    staff, staff_other, leader = users["staff"], users["staff_other"], users["leader"]
    cases = {
        "reported": IncidentFactory(school=school, reporter=staff),
        "gathering": IncidentFactory(school=school, reporter=staff_other, gathering=True),
        "closed": IncidentFactory(school=school, reporter=staff, closed=True),
        "dismissed": IncidentFactory(school=school, reporter=staff, dismissed=True),
        "privacy": IncidentFactory(school=school, reporter=staff_other, privacy_flag=True),
        "sister": IncidentFactory(school=sister_school),
        "foreign": IncidentFactory(school=other_school),
        "other_board": IncidentFactory(school=SchoolFactory(board=other_school.board)),
    }
    services.incident_add_record(incident=cases["gathering"], actor=leader,
                                 record=Assignment(user=users["counsellor"], kind="aftercare"))
    services.incident_add_record(incident=cases["sister"], actor=users["sister_leader"],
                                 record=Assignment(user=users["communications"], kind="communication"))
    return SimpleNamespace(users=users, cases=cases)


def page_client(user):
    client = Client()
    client.force_login(user)
    return client


def page_case_ids(user, *, include_closed):
    """The cases the dashboard lists for the user, or "my reports" for a staff member (who has no dashboard)."""
    client = page_client(user)
    response = client.get("/zaken/", {"include_closed": "on"} if include_closed else {})
    if response.status_code == 302:
        assert response["Location"].endswith("/mijn-meldingen/")
        response = client.get("/mijn-meldingen/")
    assert response.status_code == 200
    return {int(pk) for pk in CASE_LINK.findall(response.content.decode())}


def api_case_ids(user, **params):
    response = token_client(user).get("/api/v1/incidents/", params)
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["next"] is None  # the world fits on one page
    return {row["id"] for row in body["results"]}


@pytest.mark.django_db
def test_the_case_list_holds_what_the_dashboard_or_my_reports_shows(world):
    for name, user in world.users.items():
        everything = api_case_ids(user, include_closed="true")
        assert everything == page_case_ids(user, include_closed=True), name
        open_only = api_case_ids(user)
        closed = {world.cases["closed"].pk, world.cases["dismissed"].pk}
        assert open_only == everything - closed, name
        if name.startswith("staff"):
            continue  # "my reports" has no filters: all of a staff member's reports are listed above
        assert open_only == page_case_ids(user, include_closed=False), name
    assert api_case_ids(world.users["staff"], include_closed="true") == {
        world.cases[key].pk for key in ("reported", "closed", "dismissed")
    }
    assert api_case_ids(world.users["foreign_leader"]) == {world.cases["foreign"].pk}


@pytest.mark.django_db
def test_a_case_is_200_or_404_in_the_api_exactly_where_the_page_gives_200_or_404(world):
    for name, user in world.users.items():
        api, page = token_client(user), page_client(user)
        for key, incident in world.cases.items():
            page_response = page.get(f"/zaken/{incident.pk}/")
            api_response = api.get(f"/api/v1/incidents/{incident.pk}/")
            assert page_response.status_code in (200, 404)
            assert api_response.status_code == page_response.status_code, (name, key)
            if api_response.status_code == 404:
                assert api_response.json() == {"detail": "Niet gevonden."}
                continue
            # The whole case (with its PDF report) or only the report, as on the page.
            page_full_view = "zaakrapport.pdf" in page_response.content.decode()
            body = api_response.json()
            assert body["full_view"] is page_full_view, (name, key)
            assert ("facts_account" in body) is page_full_view
            assert ("reporter" in body) is page_full_view
            assert body["state_label"] == CURRENT_STEP.search(page_response.content.decode()).group(1)


@pytest.mark.django_db
def test_only_the_school_leader_changes_the_step_others_get_403_and_foreign_users_404(world):
    incident = world.cases["reported"]
    services.incident_triage(incident=incident, actor=world.users["leader"], severity="medium",
                             category=incident.category, privacy_flag=False)
    expected = {
        "staff": 403,  # the reporter sees the case, but does not move it
        "staff_other": 404,
        "sister_leader": 404,
        "board": 403,
        "privacy_officer": 404,
        "counsellor": 404,
        "communications": 404,
        "admin": 403,
        "foreign_leader": 404,
        "foreign_board": 404,
    }
    for name, status in expected.items():
        user = world.users[name]
        response = token_client(user).post(f"/api/v1/incidents/{incident.pk}/transitions/", {"name": "start_gathering"},
                                           format="json")
        assert response.status_code == status, (name, response.content)
        assert page_client(user).post(f"/zaken/{incident.pk}/stap/start_gathering/").status_code == status, name
        if status == 403:
            assert response.json() == {
                "detail": "Alleen de schoolleider van deze school kan de zaak naar een andere stap zetten."
            }
        incident.refresh_from_db()
        assert incident.state == "reported"
    response = token_client(world.users["leader"]).post(
        f"/api/v1/incidents/{incident.pk}/transitions/", {"name": "start_gathering", "note": "Ernst bepaald."}, format="json",
    )
    assert response.status_code == 200, response.content
    assert response.json()["state"] == "gathering"
    incident.refresh_from_db()
    assert incident.state == "gathering"


@pytest.mark.django_db
def test_the_transition_options_are_the_case_pages_buttons(world):
    """GET transitions: the leader gets the page's buttons; a reporter or a board member none, and no history
    unless they see the whole case."""
    incident = world.cases["gathering"]
    for name in ("leader", "staff_other", "board", "counsellor"):
        user = world.users[name]
        body = token_client(user).get(f"/api/v1/incidents/{incident.pk}/transitions/").json()
        options = services.incident_available_transitions(incident=incident, user=user)
        assert [o["name"] for o in body["available"]] == [name for name, *_rest in options]
        sees_whole_case = name != "staff_other"
        assert bool(body["history"]) is sees_whole_case, name
    assert token_client(world.users["foreign_leader"]).get(f"/api/v1/incidents/{incident.pk}/transitions/").status_code == 404
