"""Registers of work accounts and school accounts; the handover when a school account's manager leaves."""

import datetime

import pytest
from django.urls import reverse

from consent import selectors, services
from consent.models import SchoolAccountManager, WorkAccount
from portal.models import AuditEvent, Membership, Role

from ..factories import member

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 5, 4)


@pytest.fixture
def manager(school):
    return member(Role.STAFF, school=school, first_name="Mees", last_name="Beheerder")


@pytest.fixture
def account(school, leader, manager, time_machine):
    time_machine.move_to(datetime.datetime(2026, 5, 4, 10, 0, tzinfo=datetime.timezone.utc), tick=False)
    return services.school_account_save(school=school, actor=leader, platform="instagram", handle="@hetbaken",
                                        add_managers=[manager])


def end_membership(user, school, on):
    Membership.objects.filter(user=user, school=school).update(ends_on=on)


def needs_handover(school):
    return {a.handle: a.needs_handover for a in selectors.school_accounts_of(school=school)}


def test_no_handover_while_the_manager_still_works_at_the_school(school, account, manager):
    assert needs_handover(school) == {"@hetbaken": False}
    end_membership(manager, school, TODAY)  # the last working day is today
    assert needs_handover(school) == {"@hetbaken": False}


def test_the_handover_task_appears_when_the_managers_membership_has_ended(school, account, manager):
    end_membership(manager, school, TODAY - datetime.timedelta(days=1))
    assert needs_handover(school) == {"@hetbaken": True}
    row = selectors.school_account_managers(accounts=[account]).get()
    assert row.needs_handover and row.left_on == TODAY - datetime.timedelta(days=1)


def test_another_role_at_the_same_school_means_the_manager_has_not_left(school, account, manager):
    Membership.objects.create(user=manager, board=school.board, school=school, role=Role.COMMUNICATIONS)
    end_membership_of_staff = Membership.objects.filter(user=manager, role=Role.STAFF)
    end_membership_of_staff.update(ends_on=TODAY - datetime.timedelta(days=10))
    assert needs_handover(school) == {"@hetbaken": False}


def test_the_handover_task_disappears_when_marked_done(client, school, account, manager, leader):
    end_membership(manager, school, TODAY - datetime.timedelta(days=3))
    client.force_login(leader)
    registers = client.get(reverse("consent:registers", args=[school.pk])).content.decode()
    assert 'id="handover-tasks"' in registers and "Mees Beheerder" in registers
    row = SchoolAccountManager.objects.get(account=account)
    url = reverse("consent:school_account", args=[account.pk])
    assert 'id="handover-needed"' in client.get(url).content.decode()
    # A handover without saying what was handed over is refused, and the input is kept.
    response = client.post(url, {"manager": row.pk, f"handover-{row.pk}-handover_note": "  "})
    assert response.status_code == 400
    response = client.post(url, {"manager": row.pk, f"handover-{row.pk}-handover_note": "Wachtwoord gewijzigd, contacten overgedragen."})
    assert response.status_code == 302
    row.refresh_from_db()
    assert row.handed_over_by == leader and row.handed_over_at is not None
    assert needs_handover(school) == {"@hetbaken": False}
    registers = client.get(reverse("consent:registers", args=[school.pk])).content.decode()
    assert 'id="handover-tasks"' not in registers
    # Handed over means no longer a manager: the register no longer lists them.
    assert "Mees Beheerder" not in registers.split('id="school-accounts"')[1].split("</table>")[0]
    assert AuditEvent.objects.filter(action="consent.handover", actor=leader).exists()


def test_a_new_manager_can_be_added_after_the_handover(school, account, manager, leader):
    row = SchoolAccountManager.objects.get(account=account)
    services.school_account_handover_done(manager_row=row, actor=leader, note="Overgedragen aan de schoolleider.")
    services.school_account_save(school=school, actor=leader, account=account, add_managers=[leader])
    assert set(account.manager_rows.filter(handed_over_at__isnull=True).values_list("user", flat=True)) == {leader.pk}


def test_registering_a_work_account(client, school, leader, staff):
    client.force_login(leader)
    response = client.post(reverse("consent:work_account_new", args=[school.pk]), {
        "platform": "instagram", "handle": "@juf.mila.hetbaken", "closed_group": "on", "group_name": "Klas 2A",
        "purpose": "Huiswerk en lesuitval.", "owner": staff.pk,
    })
    assert response.status_code == 302
    work = WorkAccount.objects.get()
    assert (work.school, work.owner, work.closed_group, work.created_by) == (school, staff, True, leader)
    page = client.get(reverse("consent:registers", args=[school.pk])).content.decode()
    assert "@juf.mila.hetbaken" in page


def test_a_work_account_needs_an_owner(client, school, leader):
    client.force_login(leader)
    response = client.post(reverse("consent:work_account_new", args=[school.pk]), {
        "platform": "instagram", "handle": "@anoniem", "purpose": "Onbekend.",
    })
    assert response.status_code == 400 and not WorkAccount.objects.exists()


def test_registers_are_for_leaders_and_administrators_of_the_school(client, school, other_school, account, staff, board_admin):
    client.force_login(staff)
    assert client.get(reverse("consent:registers", args=[school.pk])).status_code == 403
    assert client.get(reverse("consent:school_account", args=[account.pk])).status_code == 404
    client.force_login(board_admin)
    assert client.get(reverse("consent:registers", args=[school.pk])).status_code == 200
    assert client.get(reverse("consent:school_account", args=[account.pk])).status_code == 200
    other_leader = member(Role.SCHOOL_LEADER, school=other_school)
    client.force_login(other_leader)
    assert client.get(reverse("consent:registers", args=[school.pk])).status_code == 404
    assert client.get(reverse("consent:school_account", args=[account.pk])).status_code == 404


def test_the_register_lists_the_current_managers_without_a_query_per_account(client, school, leader, manager,
                                                                              django_assert_max_num_queries):
    client.force_login(leader)
    url = reverse("consent:registers", args=[school.pk])
    for n in range(5):
        services.school_account_save(school=school, actor=leader, platform="instagram", handle=f"@klas{n}",
                                     add_managers=[manager, leader])
    client.get(url)
    with django_assert_max_num_queries(12):
        page = client.get(url).content.decode()
    table = page.split('id="school-accounts"')[1].split("</table>")[0]
    assert table.count("Mees Beheerder") == 5
