"""The portal's words: one name per step, "All" rather than Django's dashes in the filters, and a report
announced with who made it."""

import pytest
from django.utils import translation

from portal.models import Notification
from incidents.workflow import STEPS, State
from meldpunt.protocols import PROFILES
from portal.models import Role
from tests.factories import IncidentFactory, member

STEP_7 = "7. Evalueren"


def test_every_step_has_one_dutch_name_and_the_profiles_restate_none():
    """The workflow's labels name the steps; a profile only names a step its protocol words differently
    (protocol 002 says "Evalueer" for step 7: the portal's "7. Evalueren", never "Evaluatie")."""
    with translation.override("nl"):
        names = [str(state.label) for state in STEPS]
        assert names[-1] == STEP_7
        assert len(set(names)) == len(STEPS)
        for profile in PROFILES:
            for state, label in profile["step_labels"].items():
                assert state in State.values
                assert label != str(State(state).label), (profile["code"], state, "restates the workflow's name")
                assert "Evaluatie" not in label


@pytest.mark.django_db
def test_step_7_is_called_the_same_on_the_dashboard_the_case_page_and_the_statistics(client, dutch, school, leader):
    from portal.models import ProtocolProfile
    from meldpunt.protocols import board_adopt_protocol

    board_adopt_protocol(board=school.board, profile=ProtocolProfile.objects.get(code="buitengewoon-002"), version="1")
    case = IncidentFactory(school=school, evaluating=True)
    client.force_login(leader)
    for url in ("/zaken/", f"/zaken/{case.pk}/", "/statistiek/"):
        html = client.get(url, HTTP_ACCEPT_LANGUAGE="nl").content.decode()
        assert STEP_7 in html, url
        assert "7. Evaluatie" not in html, url


@pytest.mark.django_db
def test_no_filter_offers_django_dashes(client, dutch, school, sister_school, privacy_officer, board_member):
    """Every list page's filters, for a user of several schools (so the school filter shows)."""
    pages = {
        board_member: ["/zaken/?state=", "/aangiften/", "/sancties/", "/statistiek/"],
        privacy_officer: ["/datalekken/register/"],
    }
    for user, urls in pages.items():
        client.force_login(user)
        for url in urls:
            response = client.get(url)
            assert response.status_code == 200, url
            html = response.content.decode()
            assert 'name="school"' in html, url
            assert "---------" not in html, url
            assert '<option value="" selected>Alle</option>' in html, url


@pytest.mark.django_db
def test_a_leaders_own_report_is_theirs_and_others_are_named(dutch, school):
    leader = member(Role.SCHOOL_LEADER, school=school, first_name="Sanne", last_name="de Leider")
    colleague = member(Role.SCHOOL_LEADER, school=school, first_name="Bram", last_name="Tweede")
    staff = member(Role.STAFF, school=school, first_name="Mila", last_name="de Leraar")

    own = IncidentFactory(school=school, reporter=leader)
    bodies = dict(Notification.objects.filter(incident=own, kind="incident_reported").values_list("recipient", "body"))
    assert bodies[leader.pk].startswith("U heeft een nieuwe melding gedaan bij Het Baken.")
    assert bodies[colleague.pk].startswith("Sanne de Leider heeft een nieuwe melding gedaan bij Het Baken.")

    by_staff = IncidentFactory(school=school, reporter=staff)
    bodies = list(Notification.objects.filter(incident=by_staff, kind="incident_reported").values_list("body", flat=True))
    assert len(bodies) == 2
    assert all(body.startswith("Mila de Leraar heeft een nieuwe melding gedaan") for body in bodies)
    assert not Notification.objects.filter(body__contains="Een medewerker heeft").exists()
