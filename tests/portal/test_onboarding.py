"""The board administrator's start checklist, and the missing roles that make notifications go nowhere: shown on the
checklist and on the administrator's home page (the dashboard)."""

import pytest
from django.test import override_settings
from django.urls import reverse

from portal.models import PersonKind, Role

from ..factories import PersonFactory, member
from ..oidc import provider_apps

pytestmark = pytest.mark.django_db


@pytest.fixture
def admin(school):
    return member(Role.ADMIN, board=school.board)


def step_done(page, key):
    start = page.index(f'id="step-{key}"')
    item = page[start:page.index("</li>", start)]
    return "klaar" in item


def test_a_new_board_sees_what_is_missing_loudly(client, dutch, school, sister_school, admin):
    member(Role.SCHOOL_LEADER, school=school)
    client.force_login(admin)
    page = client.get(reverse("onboarding")).content.decode()
    assert step_done(page, "schools") and not step_done(page, "protocol") and not step_done(page, "pupils")
    assert not step_done(page, "leaders") and "De Horizon" in page  # the school without a leader is named
    assert not step_done(page, "privacy_officer") and not step_done(page, "counsellor") and not step_done(page, "sso")
    assert 'id="notification-gaps"' in page
    assert "De Horizon heeft geen schoolleider" in page and "geen functionaris gegevensbescherming" in page
    assert reverse("consent:import", args=[school.pk]) in page and reverse("staff_import") in page
    # The same warning on the administrator's home page.
    home = client.get(reverse("incidents:dashboard")).content.decode()
    assert "De Horizon heeft geen schoolleider" in home and "geen vertrouwenspersoon" in home


def test_a_board_that_is_set_up_shows_every_step_done_and_no_warning(client, dutch, school, admin):
    from portal.models import AuditEvent

    member(Role.SCHOOL_LEADER, school=school)
    member(Role.PRIVACY_OFFICER, board=school.board)
    member(Role.COUNSELLOR, board=school.board)
    PersonFactory(school=school, kind=PersonKind.PUPIL)
    AuditEvent.objects.create(actor=admin, action="staff.import", board=school.board, object_type="portal.board",
                              object_id=str(school.board.pk))
    client.force_login(admin)
    apps = provider_apps("https://login.example")
    with override_settings(SOCIALACCOUNT_PROVIDERS={"openid_connect": {"APPS": apps}}):
        page = client.get(reverse("onboarding")).content.decode()
    for key in ("schools", "staff", "leaders", "privacy_officer", "counsellor", "pupils", "sso"):
        assert step_done(page, key), key
    assert 'id="notification-gaps"' not in page
    assert 'id="notification-gaps"' not in client.get(reverse("incidents:dashboard")).content.decode()


def test_a_school_leader_sees_neither(client, school, leader):
    client.force_login(leader)
    assert client.get(reverse("onboarding")).status_code == 403
    assert 'id="notification-gaps"' not in client.get(reverse("incidents:dashboard")).content.decode()
