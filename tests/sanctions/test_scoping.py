"""Who sees which dossiers: school leaders their schools, the board (and its administrators) the whole board,
staff, the FG and counsellors none. Every view of a dossier is audit-logged; refused views are not."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent, Membership, Role
from sanctions import services
from tests.factories import PersonFactory, member

from .support import dossier_url, hear, impose, sanction_url

pytestmark = pytest.mark.django_db


@pytest.fixture
def people(school, sister_school, other_school, pupil, staff_person):
    return {
        "pupil": pupil,
        "staff_person": staff_person,
        "sister_pupil": PersonFactory(school=sister_school),
        "other_board_pupil": PersonFactory(school=other_school),
    }


def dossier_views():
    return AuditEvent.objects.filter(action="dossier.view")


def listed(client, people):
    response = client.get(reverse("sanctions:dossiers"))
    assert response.status_code == 200
    content = response.content.decode()
    return {key for key, person in people.items() if f'href="{dossier_url(person)}"' in content}


def test_school_leader_sees_the_dossiers_of_their_school(client, leader, people):
    client.force_login(leader)
    assert listed(client, people) == {"pupil", "staff_person"}
    assert client.get(dossier_url(people["pupil"])).status_code == 200
    assert client.get(dossier_url(people["staff_person"])).status_code == 200
    assert client.get(dossier_url(people["sister_pupil"])).status_code == 404
    assert client.get(dossier_url(people["other_board_pupil"])).status_code == 404


@pytest.mark.parametrize("role", [Role.BOARD, Role.ADMIN])
def test_the_board_sees_every_dossier_of_its_board_and_no_other(client, school, people, role):
    user = member(role, board=school.board)
    client.force_login(user)
    assert listed(client, people) == {"pupil", "staff_person", "sister_pupil"}
    for key in ("pupil", "staff_person", "sister_pupil"):
        assert client.get(dossier_url(people[key])).status_code == 200, key
    assert client.get(dossier_url(people["other_board_pupil"])).status_code == 404


def test_staff_see_no_dossiers(client, staff, leader, people):
    sanction = impose(people["pupil"], leader, "warning")
    client.force_login(staff)
    assert client.get(reverse("sanctions:dossiers")).status_code == 403
    for key in ("pupil", "staff_person", "sister_pupil"):
        assert client.get(dossier_url(people[key])).status_code in (403, 404), key
    assert client.get(sanction_url(sanction)).status_code in (403, 404)
    assert client.get(reverse("sanctions:create") + f"?person={people['pupil'].pk}").status_code in (403, 404)
    assert client.get(reverse("sanctions:police_register")).status_code == 403
    assert not dossier_views().exists()


@pytest.mark.parametrize("role", [Role.PRIVACY_OFFICER, Role.COUNSELLOR, Role.COMMUNICATIONS])
def test_fg_counsellor_and_communications_have_no_dossier_access(client, school, leader, people, role):
    sanction = impose(people["pupil"], leader, "warning")
    user = member(role, board=school.board)
    client.force_login(user)
    assert client.get(reverse("sanctions:dossiers")).status_code == 403
    assert client.get(dossier_url(people["pupil"])).status_code == 403
    assert client.get(sanction_url(sanction)).status_code == 403
    assert not dossier_views().exists()


def test_foreign_sanctions_and_lvi_reports_are_not_found(client, leader, sister_leader, board_member, people):
    sister_sanction = impose(people["sister_pupil"], sister_leader, "warning")
    sister_staff = PersonFactory(school=people["sister_pupil"].school, kind="staff")
    sister_lvi = services.lvi_report_start(person=sister_staff, actor=sister_leader, staff_told_at=timezone.now(),
                                           staff_told_how="Gesprek.")
    client.force_login(leader)
    assert client.get(sanction_url(sister_sanction)).status_code == 404
    assert client.get(reverse("sanctions:lvi_detail", args=[sister_lvi.pk])).status_code == 404
    client.force_login(board_member)
    assert client.get(sanction_url(sister_sanction)).status_code == 200
    assert client.get(reverse("sanctions:lvi_detail", args=[sister_lvi.pk])).status_code == 200


def test_a_leader_whose_membership_ended_loses_access(client, leader, people):
    Membership.objects.filter(user=leader).update(ends_on=timezone.localdate() - datetime.timedelta(days=1))
    client.force_login(leader)
    assert client.get(reverse("sanctions:dossiers")).status_code == 403
    assert client.get(dossier_url(people["pupil"])).status_code == 403


def test_anonymous_visitors_are_sent_to_the_login(client, people):
    for url in (reverse("sanctions:dossiers"), dossier_url(people["pupil"]), reverse("sanctions:police_register")):
        response = client.get(url)
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))


def test_the_dossier_search(client, leader, school):
    anna = PersonFactory(school=school, first_name="Anna", last_name="Bakker", class_name="3B")
    bram = PersonFactory(school=school, first_name="Bram", last_name="Visser", class_name="2A")
    client.force_login(leader)
    content = client.get(reverse("sanctions:dossiers"), {"q": "bakker"}).content.decode()
    assert dossier_url(anna) in content and dossier_url(bram) not in content
    content = client.get(reverse("sanctions:dossiers"), {"q": "2a"}).content.decode()
    assert dossier_url(bram) in content and dossier_url(anna) not in content


# --- audit ---------------------------------------------------------------------------------------------------


def test_every_dossier_view_is_audit_logged(client, leader, board_member, people):
    pupil = people["pupil"]
    client.force_login(leader)
    before = timezone.now()
    client.get(dossier_url(pupil))
    client.get(dossier_url(pupil))
    client.force_login(board_member)
    client.get(dossier_url(pupil))
    client.get(dossier_url(people["sister_pupil"]))

    events = list(dossier_views().order_by("at", "pk"))
    assert [(e.actor_id, e.object_id) for e in events] == [
        (leader.pk, str(pupil.pk)), (leader.pk, str(pupil.pk)),
        (board_member.pk, str(pupil.pk)), (board_member.pk, str(people["sister_pupil"].pk)),
    ]
    assert all(e.object_type == "portal.person" for e in events)
    assert all(e.board_id == pupil.school.board_id for e in events)
    assert all(before <= e.at <= timezone.now() for e in events)


def test_refused_dossier_views_are_not_logged_as_views(client, leader, staff, people):
    client.force_login(leader)
    client.get(dossier_url(people["sister_pupil"]))
    client.get(dossier_url(people["other_board_pupil"]))
    client.force_login(staff)
    client.get(dossier_url(people["pupil"]))
    assert not dossier_views().exists()


def sanction_events(sanction):
    return list(AuditEvent.objects.filter(object_type="sanctions.sanction", object_id=str(sanction.pk))
                .order_by("at", "pk").values_list("action", "actor_id"))


def test_imposing_proposing_and_deciding_are_audit_logged(leader, board_member, pupil, staff_person):
    warning = impose(pupil, leader, "warning")
    assert sanction_events(warning) == [("sanction.impose", leader.pk)]

    removal = hear(impose(pupil, leader, "removal"), leader)
    services.sanction_decide(sanction=removal, actor=board_member, approve=True, reason="Akkoord.")
    assert sanction_events(removal) == [("sanction.propose", leader.pk), ("sanction.approve", board_member.pk)]
    assert AuditEvent.objects.filter(action="sanction.hearing", actor=leader).count() == 1

    dismissal = impose(staff_person, leader, "dismissal")
    services.sanction_decide(sanction=dismissal, actor=board_member, approve=False, reason="Eerst een berisping.")
    assert sanction_events(dismissal) == [("sanction.propose", leader.pk), ("sanction.reject", board_member.pk)]

    event = AuditEvent.objects.get(action="sanction.propose", object_id=str(removal.pk))
    assert event.board_id == pupil.school.board_id
    assert event.detail["measure"] == "removal"


def test_refused_attempts_leave_no_audit_event(leader, sister_leader, pupil):
    removal = impose(pupil, leader, "removal")
    with pytest.raises(PermissionDenied):
        services.sanction_decide(sanction=removal, actor=leader, approve=True, reason="Zelf besloten.")
    with pytest.raises(PermissionDenied):
        impose(pupil, sister_leader, "warning")
    assert sanction_events(removal) == [("sanction.propose", leader.pk)]
    assert AuditEvent.objects.filter(action__startswith="sanction.").count() == 1
