"""The consent check through the API: the check page's answer, for the same people, with the same limits."""

import pytest
from django.test import Client

from consent import selectors
from portal.models import Role

from ..consent.support import grant, pupil_with_guardian, purposes_of, refuse
from ..factories import PersonFactory, member
from .conftest import token_client


@pytest.fixture
def pupils(school, leader):
    social = purposes_of(school.board)["social_media"]
    granted, refused, unanswered = (pupil_with_guardian(school, class_name="2A") for _n in range(3))
    grant(granted, social, actor=leader)
    refuse(refused, social, actor=leader)
    pupil_with_guardian(school, class_name="3B")
    return granted, refused, unanswered


def check(user, **question):
    return token_client(user).post("/api/v1/consent/check/", question, format="json")


@pytest.mark.django_db
def test_a_teacher_gets_yes_or_no_and_no_reasons(school, staff, pupils):
    granted, refused, unanswered = pupils
    response = check(staff, school=school.pk, purpose="social_media", class_name="2A")
    assert response.status_code == 200, response.content
    body = response.json()
    assert body["show_reasons"] is False and body["blocked"] == 2
    assert {row["pupil"]: row["may_post"] for row in body["results"]} == {
        granted.pk: True, refused.pk: False, unanswered.pk: False,
    }
    for row in body["results"]:
        assert set(row) == {"pupil", "name", "class_name", "may_post"}

    # The page shows the teacher just as little.
    client = Client()
    client.force_login(staff)
    page = client.get(f"/toestemming/school/{school.pk}/controleren/",
                      {"purpose": purposes_of(school.board)["social_media"].pk, "class_name": "2A"})
    assert page.status_code == 200 and page.context["show_reasons"] is False


@pytest.mark.django_db
def test_the_school_leader_also_gets_the_reason(school, leader, pupils):
    granted, refused, unanswered = pupils
    response = check(leader, school=school.pk, purpose="social_media", pupils=[refused.pk, unanswered.pk])
    body = response.json()
    assert body["show_reasons"] is True
    rows = {row["pupil"]: row for row in body["results"]}
    assert set(rows) == {refused.pk, unanswered.pk}
    assert rows[refused.pk]["status"] == "no" and rows[refused.pk]["reason"].startswith("Toestemming geweigerd door ouder/verzorger")
    status = selectors.consent_status_for(person=unanswered, purpose=purposes_of(school.board)["social_media"])
    assert rows[unanswered.pk]["status"] == "unknown" and rows[unanswered.pk]["reason"] == str(status.reason)


@pytest.mark.django_db
def test_another_school_does_not_exist_and_its_pupils_are_not_choices(school, other_school, staff, pupils):
    assert check(staff, school=other_school.pk, purpose="social_media", class_name="2A").status_code == 404
    stranger = PersonFactory(school=other_school)
    response = check(staff, school=school.pk, purpose="social_media", pupils=[stranger.pk])
    assert response.status_code == 404  # another school's pupil does not exist here, as another school does not
    assert list(response.json()) == ["pupils"]


@pytest.mark.django_db
def test_questions_that_cannot_be_answered_get_dutch_errors(school, staff, pupils):
    response = check(staff, school=school.pk, purpose="tv_reclame", class_name="2A")
    assert response.status_code == 404  # the board has no such purpose: it does not exist, with the reason at the field
    assert response.json() == {"purpose": ["Onbekend doel: geef de code van een van de toestemmingsdoelen van het bestuur."]}
    response = check(staff, school=school.pk, purpose="social_media")
    assert response.status_code == 400
    assert response.json() == {"non_field_errors": ["Kies een klas of kies ten minste één leerling."]}
    response = check(staff, school=school.pk, purpose="social_media", class_name="9Z")
    assert (response.status_code, list(response.json())) == (404, ["class_name"])


@pytest.mark.django_db
def test_board_wide_roles_check_every_school_of_their_board(school, sister_school, other_school, pupils):
    admin = member(Role.ADMIN, board=school.board)
    response = check(admin, school=school.pk, purpose="social_media", class_name="2A")
    assert response.status_code == 200 and response.json()["show_reasons"] is True
    sister_pupil = pupil_with_guardian(sister_school, class_name="1C")
    response = check(admin, school=sister_school.pk, purpose="social_media", class_name="1C")
    assert response.status_code == 200, response.content
    assert [row["pupil"] for row in response.json()["results"]] == [sister_pupil.pk]
    assert check(admin, school=other_school.pk, purpose="social_media", class_name="1C").status_code == 404
