"""Scoping: consent pages for the school's leaders and administrators; another school's pupil is a 404."""

import pytest
from django.urls import reverse

from portal.models import Role

from ..factories import member
from .support import pupil_with_guardian

pytestmark = pytest.mark.django_db


def school_pages(school):
    return [reverse(f"consent:{name}", args=[school.pk]) for name in ("overview", "people", "import", "registers", "work_account_new",
                                                                       "school_account_new")]


@pytest.fixture
def pupil(school):
    return pupil_with_guardian(school)


def test_leaders_and_administrators_open_every_consent_page(client, school, pupil, leader, board_admin, school_admin):
    for user in (leader, board_admin, school_admin):
        client.force_login(user)
        for url in school_pages(school) + [reverse("consent:person", args=[pupil.pk])]:
            assert client.get(url).status_code == 200, (user, url)


def test_a_teacher_only_gets_the_check(client, school, pupil, staff, social):
    client.force_login(staff)
    for url in school_pages(school) + [reverse("consent:person", args=[pupil.pk])]:
        assert client.get(url).status_code == 403, url
    assert client.get(reverse("consent:check", args=[school.pk])).status_code == 200
    index = client.get(reverse("consent:index")).content.decode()
    assert reverse("consent:check", args=[school.pk]) in index
    assert reverse("consent:overview", args=[school.pk]) not in index


def test_other_roles_of_the_board_check_but_do_not_manage(client, school, pupil, board_member, privacy_officer):
    for user in (board_member, privacy_officer):
        client.force_login(user)
        assert client.get(reverse("consent:check", args=[school.pk])).status_code == 200
        assert client.get(reverse("consent:overview", args=[school.pk])).status_code == 403


def test_another_schools_pupil_does_not_exist_for_them(client, school, sister_school, other_school, pupil, leader):
    client.force_login(member(Role.SCHOOL_LEADER, school=sister_school))
    assert client.get(reverse("consent:person", args=[pupil.pk])).status_code == 404
    for url in school_pages(school) + [reverse("consent:check", args=[school.pk])]:
        assert client.get(url).status_code == 404, url
    client.force_login(member(Role.ADMIN, board=other_school.board))
    assert client.get(reverse("consent:person", args=[pupil.pk])).status_code == 404
    client.force_login(leader)
    assert client.get(reverse("consent:person", args=[pupil_with_guardian(other_school).pk])).status_code == 404


def test_a_school_administrator_manages_only_their_school(client, sister_school, school_admin, pupil):
    client.force_login(school_admin)
    sister_pupil = pupil_with_guardian(sister_school)
    assert client.get(reverse("consent:person", args=[pupil.pk])).status_code == 200
    assert client.get(reverse("consent:person", args=[sister_pupil.pk])).status_code == 404


def test_the_board_administrator_manages_every_school_of_the_board(client, sister_school, board_admin):
    client.force_login(board_admin)
    assert client.get(reverse("consent:person", args=[pupil_with_guardian(sister_school).pk])).status_code == 200


def test_an_ended_membership_gives_no_access(client, school, pupil):
    import datetime

    from portal.models import Membership

    former = member(Role.SCHOOL_LEADER, school=school)
    Membership.objects.filter(user=former).update(ends_on=datetime.date(2020, 1, 1))
    client.force_login(former)
    assert client.get(reverse("consent:person", args=[pupil.pk])).status_code == 404
    assert client.get(reverse("consent:check", args=[school.pk])).status_code == 404


def test_guardians_and_externals_have_no_consent_page(client, school, pupil, leader):
    client.force_login(leader)
    assert client.get(reverse("consent:person", args=[pupil.guardians.get().pk])).status_code == 404
