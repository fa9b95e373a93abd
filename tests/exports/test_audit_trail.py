"""The audit trail: append-only in the app, searchable by the administrator and the FG of the board only."""

import pytest
from django.contrib import admin
from django.db import transaction
from django.test import RequestFactory
from django.urls import reverse

from portal.admin import AuditEventAdmin
from portal.audit import audit_record
from portal.models import AuditEvent, Membership, Role
from tests.factories import PersonFactory, UserFactory

pytestmark = pytest.mark.django_db

AUDIT = reverse("audit_trail")


@pytest.fixture
def superuser(school):
    """A Django superuser who is also the board's administrator in the portal."""
    user = UserFactory(is_staff=True, is_superuser=True, first_name="Sam", last_name="Superbeheer")
    Membership.objects.create(user=user, board=school.board, role=Role.ADMIN)
    return user


@pytest.fixture
def event(leader, school):
    return audit_record(actor=leader, action="dossier.view", object_type="portal.person", object_id="7",
                        board=school.board)


# --- nobody can change or delete an event -------------------------------------------------------------


def test_an_existing_event_cannot_be_saved_again(event):
    event.action = "dossier.nothing"
    with pytest.raises(PermissionError):
        event.save()
    event.refresh_from_db()
    assert event.action == "dossier.view"


def test_an_event_cannot_be_deleted(event):
    with pytest.raises(PermissionError):
        event.delete()
    assert AuditEvent.objects.filter(pk=event.pk).exists()


@pytest.mark.parametrize("change", [
    lambda qs: qs.update(action="tampered"),
    lambda qs: qs.delete(),
    lambda qs: qs.filter(action="dossier.view").update(detail={}),
    lambda qs: qs.filter(action="dossier.view").delete(),
    lambda qs: AuditEvent.objects.bulk_update(list(qs), ["action"]),
])
def test_querysets_cannot_update_or_delete_events(event, change):
    with pytest.raises(PermissionError), transaction.atomic():
        change(AuditEvent.objects.all())
    event.refresh_from_db()
    assert event.action == "dossier.view"
    assert AuditEvent.objects.count() == 1


def test_new_events_can_still_be_written(event, leader):
    AuditEvent.objects.create(actor=leader, action="export.sanctions", object_type="sanctions")
    assert AuditEvent.objects.count() == 2


def test_the_admin_grants_no_add_change_or_delete_even_to_a_superuser(superuser, event):
    model_admin = admin.site._registry[AuditEvent]
    assert isinstance(model_admin, AuditEventAdmin)
    request = RequestFactory().get("/beheer/")
    request.user = superuser
    assert model_admin.has_add_permission(request) is False
    assert model_admin.has_change_permission(request) is False
    assert model_admin.has_change_permission(request, event) is False
    assert model_admin.has_delete_permission(request) is False
    assert model_admin.has_delete_permission(request, event) is False
    assert model_admin.has_view_permission(request, event) is True
    assert model_admin.get_actions(request) == {}  # no bulk "delete selected"


def test_the_admin_pages_refuse_to_change_or_delete_an_event(client, superuser, event):
    client.force_login(superuser)
    assert client.get(reverse("admin:portal_auditevent_changelist")).status_code == 200
    assert client.get(reverse("admin:portal_auditevent_add")).status_code == 403
    change = reverse("admin:portal_auditevent_change", args=[event.pk])
    assert client.get(change).status_code == 200  # read-only view
    assert client.post(change, {"action": "tampered", "object_type": "x", "object_id": "1"}).status_code == 403
    delete = reverse("admin:portal_auditevent_delete", args=[event.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    event.refresh_from_db()
    assert event.action == "dossier.view"


# --- permission changes through the admin are audited -------------------------------------------------


def test_changing_a_membership_in_the_admin_writes_a_permission_event(client, superuser, school, staff):
    membership = Membership.objects.get(user=staff)
    client.force_login(superuser)

    response = client.post(reverse("admin:portal_membership_change", args=[membership.pk]), {
        "user": staff.pk, "board": school.board_id, "school": school.pk, "role": Role.SCHOOL_LEADER,
        "starts_on": "2026-03-01", "ends_on": "",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    membership.refresh_from_db()
    assert membership.role == Role.SCHOOL_LEADER
    [event] = AuditEvent.objects.filter(action__startswith="permissions.")
    assert event.action == "permissions.membership_change"
    assert event.actor == superuser
    assert event.board == school.board
    assert (event.object_type, event.object_id) == ("portal.membership", str(membership.pk))
    assert event.detail == {"user": staff.pk, "role": "school_leader", "school": school.pk, "starts_on": "2026-03-01",
                            "ends_on": ""}


def test_deleting_a_membership_in_the_admin_writes_a_permission_event(client, superuser, school, staff):
    membership = Membership.objects.get(user=staff)
    client.force_login(superuser)

    response = client.post(reverse("admin:portal_membership_delete", args=[membership.pk]), {"post": "yes"})

    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    [event] = AuditEvent.objects.filter(action__startswith="permissions.")
    assert (event.action, event.actor, event.object_id) == ("permissions.membership_delete", superuser, str(membership.pk))


def test_changing_a_users_flags_and_roles_in_the_user_admin_is_audited(client, superuser, school, staff):
    membership = Membership.objects.get(user=staff)
    client.force_login(superuser)

    response = client.post(reverse("admin:portal_user_change", args=[staff.pk]), {
        "email": staff.email, "first_name": staff.first_name, "last_name": staff.last_name,
        "is_active": "on", "is_staff": "on", "last_login_0": "", "last_login_1": "",
        "date_joined_0": "2026-01-01", "date_joined_1": "09:00:00",
        "memberships-TOTAL_FORMS": "1", "memberships-INITIAL_FORMS": "1",
        "memberships-MIN_NUM_FORMS": "0", "memberships-MAX_NUM_FORMS": "1000",
        "memberships-0-id": membership.pk, "memberships-0-user": staff.pk, "memberships-0-board": school.board_id,
        "memberships-0-school": school.pk, "memberships-0-role": Role.SCHOOL_LEADER,
        "memberships-0-starts_on": "", "memberships-0-ends_on": "",
    })

    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else ""
    actions = sorted(AuditEvent.objects.filter(action__startswith="permissions.").values_list("action", flat=True))
    assert actions == ["permissions.membership_change", "permissions.user"]
    user_event = AuditEvent.objects.get(action="permissions.user")
    assert user_event.actor == superuser and user_event.object_id == str(staff.pk)
    assert user_event.detail["changed"] == ["is_staff"]


# --- the audit trail page -----------------------------------------------------------------------------


@pytest.fixture
def trail(client, school, other_school, leader, board_member, admin_user, other_board_admin):
    """Real events: the leader views and exports a dossier, the board member exports a register, and another
    board's administrator exports that board's registers and a dossier."""
    for user, last_name in [(leader, "Lindeboom"), (board_member, "Brouwer"), (admin_user, "Beheerder"),
                            (other_board_admin, "Anderland")]:
        user.last_name = last_name
        user.save()
    pupil = PersonFactory(school=school)
    foreign = PersonFactory(school=other_school)
    client.force_login(leader)
    client.get(reverse("sanctions:dossier", args=[pupil.pk]))
    client.get(reverse("sanctions:dossier_export", args=[pupil.pk, "pdf"]))
    client.force_login(board_member)
    client.get(reverse("sanctions:list"), {"export": "csv"})
    client.force_login(other_board_admin)
    client.get(reverse("sanctions:list"), {"export": "csv"})
    client.get(reverse("incidents:dashboard"), {"export": "xlsx"})
    client.get(reverse("sanctions:dossier_export", args=[foreign.pk, "pdf"]))
    client.logout()
    return {"pupil": pupil, "foreign": foreign}


def listed(client, user, **params):
    client.force_login(user)
    response = client.get(AUDIT, params)
    assert response.status_code == 200
    return [(e.action, e.actor) for e in response.context["page"].object_list]


def test_the_administrator_and_the_fg_see_their_boards_events_only(client, admin_user, privacy_officer, leader,
                                                                   board_member, other_board_admin, trail):
    expected = {("dossier.view", leader), ("export.dossier_pdf", leader), ("export.sanctions", board_member)}
    for user in (admin_user, privacy_officer):
        events = listed(client, user)
        assert set(events) == expected, user
        assert len(events) == 3
    other = listed(client, other_board_admin)
    assert set(other) == {("export.sanctions", other_board_admin), ("export.incidents", other_board_admin),
                          ("export.dossier_pdf", other_board_admin)}


def test_leaders_staff_and_board_members_have_no_audit_trail(client, leader, staff, board_member):
    for user in (leader, staff, board_member):
        client.force_login(user)
        assert client.get(AUDIT).status_code == 403, user


def test_the_audit_trail_filters_by_action_and_actor(client, admin_user, leader, board_member, trail):
    assert set(listed(client, admin_user, action="export")) == {("export.dossier_pdf", leader),
                                                                ("export.sanctions", board_member)}
    assert listed(client, admin_user, action="dossier.view") == [("dossier.view", leader)]
    assert set(listed(client, admin_user, actor=leader.last_name)) == {("dossier.view", leader),
                                                                       ("export.dossier_pdf", leader)}
    assert listed(client, admin_user, actor=board_member.email.upper()) == [("export.sanctions", board_member)]
    assert listed(client, admin_user, action="export", actor=leader.email) == [("export.dossier_pdf", leader)]
    assert listed(client, admin_user, object_id=str(trail["pupil"].pk), action="export") == [("export.dossier_pdf", leader)]
    assert listed(client, admin_user, action="consent.") == []


def test_the_page_shows_the_events_newest_first(client, admin_user, leader, trail):
    client.force_login(admin_user)
    html = client.get(AUDIT).content.decode()
    html = html[html.index("<tbody>"):]
    assert html.index("export.sanctions") < html.index("export.dossier_pdf") < html.index("dossier.view")
    assert str(leader) in html
