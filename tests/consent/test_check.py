"""The check a teacher opens before posting: yes or no per pupil, the reason only for leaders and administrators."""

import re
from html import escape

import pytest
from django.urls import reverse

from consent import selectors
from portal.models import Role

from ..factories import member
from .support import grant, pupil_with_guardian, refuse

pytestmark = pytest.mark.django_db


@pytest.fixture
def class_2a(school, social, leader):
    """Three pupils in 2A: granted, refused by the guardian, and no answer at all."""
    granted = pupil_with_guardian(school, class_name="2A", last_name="Akkerman")
    refused = pupil_with_guardian(school, class_name="2A", last_name="Bos")
    unknown = pupil_with_guardian(school, class_name="2A", last_name="Claes")
    grant(granted, social, actor=leader)
    refuse(refused, social, actor=leader)
    pupil_with_guardian(school, class_name="3B", last_name="Dekker")
    return {"granted": granted, "refused": refused, "unknown": unknown}


def check_url(school, **params):
    from urllib.parse import urlencode

    return reverse("consent:check", args=[school.pk]) + "?" + urlencode(params, doseq=True)


def verdicts(page):
    return dict((int(pk), may) for pk, may in re.findall(r'data-pupil="(\d+)" data-may-post="(yes|no)"', page))


def test_unknown_counts_as_no(class_2a, social):
    rows = selectors.consent_check(purpose=social, pupils=class_2a.values())
    assert {row.person.pk: row.status.may_post for row in rows} == {
        class_2a["granted"].pk: True, class_2a["refused"].pk: False, class_2a["unknown"].pk: False,
    }


def test_a_teacher_checks_a_whole_class_and_sees_only_yes_or_no(client, school, staff, social, class_2a):
    client.force_login(staff)
    response = client.get(check_url(school, purpose=social.pk, class_name="2A"))
    assert response.status_code == 200
    page = response.content.decode()
    assert verdicts(page) == {class_2a["granted"].pk: "yes", class_2a["refused"].pk: "no", class_2a["unknown"].pk: "no"}
    # No reasons: not who answered, not whether it was refused or just missing.
    for pupil in class_2a.values():
        assert escape(pupil.guardians.get().full_name) not in page
    assert str(selectors.NO_ANSWER) not in page
    assert response.context["rows"] and all(status is None for _p, _may, status in response.context["rows"])
    # The refused and the unknown pupil look exactly the same.
    rows = re.findall(r'<tr class="table-danger".*?</tr>', page, re.S)
    assert len(rows) == 2
    assert re.sub(r'data-pupil="\d+"|<td>.*?\(2A\)</td>', "", rows[0]) == re.sub(r'data-pupil="\d+"|<td>.*?\(2A\)</td>', "", rows[1])


def test_a_school_leader_sees_the_reason(client, school, leader, social, class_2a):
    client.force_login(leader)
    page = client.get(check_url(school, purpose=social.pk, class_name="2A")).content.decode()
    assert escape(class_2a["granted"].guardians.get().full_name) in page
    assert escape(class_2a["refused"].guardians.get().full_name) in page
    assert str(selectors.NO_ANSWER) in page


def test_a_board_wide_communications_officer_may_check_but_sees_no_reasons(client, school, social, class_2a):
    officer = member(Role.COMMUNICATIONS, board=school.board)
    client.force_login(officer)
    response = client.get(check_url(school, purpose=social.pk, pupils=[class_2a["granted"].pk, class_2a["unknown"].pk]))
    assert verdicts(response.content.decode()) == {class_2a["granted"].pk: "yes", class_2a["unknown"].pk: "no"}
    assert class_2a["granted"].guardians.get().full_name not in response.content.decode()


def test_picked_pupils_only(client, school, staff, social, class_2a):
    client.force_login(staff)
    page = client.get(check_url(school, purpose=social.pk, pupils=[class_2a["refused"].pk])).content.decode()
    assert verdicts(page) == {class_2a["refused"].pk: "no"}


def test_a_pupil_of_another_school_cannot_be_checked(client, school, other_school, staff, social, class_2a):
    stranger = pupil_with_guardian(other_school)
    client.force_login(staff)
    response = client.get(check_url(school, purpose=social.pk, pupils=[stranger.pk]))
    assert response.status_code == 400 and verdicts(response.content.decode()) == {}
    assert client.get(check_url(other_school, purpose=social.pk, class_name="2A")).status_code == 404


def test_nothing_chosen_asks_for_a_class_or_pupils(client, school, staff, social):
    client.force_login(staff)
    response = client.get(check_url(school, purpose=social.pk))
    assert response.status_code == 400
