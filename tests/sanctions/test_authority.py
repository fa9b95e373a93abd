"""Who decides (004 rule 12): the school leader imposes ordinary measures; removal of a pupil and dismissal of
staff are proposed by the school leader and decided by the board, with a reason."""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import timezone

from portal.models import AuditEvent, Notification, PersonKind, Role
from sanctions import services
from sanctions.models import Sanction, SanctionStatus
from tests.factories import IncidentFactory, PersonFactory, member

from .support import hear, impose, measure, sanction_url

pytestmark = pytest.mark.django_db


def fields_of(error):
    return set(error.value.message_dict)


# --- ordinary measures and proposals -----------------------------------------------------------------


@pytest.mark.parametrize("code", ["talk", "warning", "phone_confiscated", "disciplinary"])
def test_school_leader_imposes_an_ordinary_measure_at_once(leader, board_member, pupil, code):
    sanction = impose(pupil, leader, code)

    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.DECIDED
    assert sanction.decided_by == leader
    assert sanction.decided_at is not None
    assert sanction.proposed_by == leader
    assert sanction.school == pupil.school
    assert not Notification.objects.filter(kind="sanction_proposed").exists()


def test_ordinary_staff_measure_is_imposed_at_once(leader, staff_person):
    sanction = impose(staff_person, leader, "reprimand")
    assert sanction.status == SanctionStatus.DECIDED
    assert sanction.decided_by == leader


@pytest.mark.parametrize(("kind", "code"), [("pupil", "removal"), ("staff", "dismissal"), ("staff", "summary_dismissal")])
def test_removal_and_dismissal_become_a_proposal_to_the_board(school, sister_school, leader, board_member,
                                                             other_board_member, kind, code):
    subject = PersonFactory(school=school, kind=kind)
    second_board_member = member(Role.BOARD, board=school.board)
    sister_leader = member(Role.SCHOOL_LEADER, school=sister_school)

    sanction = impose(subject, leader, code)

    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.PROPOSED
    assert sanction.decided_by is None and sanction.decided_at is None
    assert sanction.effective_from is None
    rows = Notification.objects.filter(kind="sanction_proposed")
    assert {n.recipient_id for n in rows} == {board_member.pk, second_board_member.pk}
    assert all(n.url == sanction_url(sanction) for n in rows)
    assert all(measure(kind, code).label in n.body for n in rows)
    # Nobody outside the board is asked; the school leaders hear nothing until the board decides.
    assert not Notification.objects.filter(recipient__in=[other_board_member, leader, sister_leader]).exclude(
        kind="incident_reported").exists()


def test_board_member_may_impose_and_propose_as_well(board_member, pupil):
    assert impose(pupil, board_member, "warning").status == SanctionStatus.DECIDED
    assert impose(pupil, board_member, "removal").status == SanctionStatus.PROPOSED


# --- the board's decision --------------------------------------------------------------------------------


@pytest.fixture
def proposal(leader, board_member, pupil):
    return hear(impose(pupil, leader, "removal", decision="Verwijdering van school na herhaalde bedreigingen."), leader)


def test_school_leader_cannot_decide_a_proposal(leader, proposal):
    for approve in (True, False):
        with pytest.raises(PermissionDenied):
            services.sanction_decide(sanction=proposal, actor=leader, approve=approve, reason="Ik besluit zelf.")
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.PROPOSED
    assert proposal.decided_by is None


def test_school_leader_cannot_decide_through_the_page(client, leader, proposal):
    client.force_login(leader)
    page = client.get(sanction_url(proposal))
    assert page.status_code == 200
    assert page.context["decision_form"] is None
    assert 'id="decide"' not in page.content.decode()

    response = client.post(sanction_url(proposal, "decide"), {"decide-approve": "yes", "decide-reason": "Akkoord."})
    assert response.status_code in (403, 404)
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.PROPOSED
    assert not Notification.objects.filter(kind="sanction_decided").exists()


@pytest.mark.parametrize("role", [Role.STAFF, Role.PRIVACY_OFFICER, Role.COUNSELLOR, Role.ADMIN])
def test_other_roles_cannot_decide(school, proposal, role):
    user = member(role, school=school) if role == Role.STAFF else member(role, board=school.board)
    with pytest.raises(PermissionDenied):
        services.sanction_decide(sanction=proposal, actor=user, approve=True, reason="Akkoord.")
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.PROPOSED


def test_board_of_another_board_cannot_decide(client, proposal, other_board_member):
    with pytest.raises(PermissionDenied):
        services.sanction_decide(sanction=proposal, actor=other_board_member, approve=True, reason="Akkoord.")
    client.force_login(other_board_member)
    response = client.post(sanction_url(proposal, "decide"), {"decide-approve": "yes", "decide-reason": "Akkoord."})
    assert response.status_code == 404
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.PROPOSED


def test_board_approves_with_reason_and_the_school_leader_is_told(school, sister_school, leader, board_member, proposal):
    sister_leader = member(Role.SCHOOL_LEADER, school=sister_school)

    decided = services.sanction_decide(sanction=proposal, actor=board_member, approve=True,
                                       reason="De veiligheid van de klas weegt zwaarder.")

    proposal.refresh_from_db()
    assert decided.pk == proposal.pk
    assert proposal.status == SanctionStatus.DECIDED
    assert proposal.decided_by == board_member
    assert proposal.decided_at is not None
    assert proposal.board_reason == "De veiligheid van de klas weegt zwaarder."
    assert proposal.proposed_by == leader
    told = Notification.objects.filter(kind="sanction_decided")
    assert {n.recipient_id for n in told} == {leader.pk}
    assert told.get().url == sanction_url(proposal)
    assert not Notification.objects.filter(kind="sanction_decided", recipient=sister_leader).exists()


def test_board_rejects_with_reason(leader, board_member, proposal):
    services.sanction_decide(sanction=proposal, actor=board_member, approve=False, reason="Eerst een schorsing.")
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.REJECTED
    assert proposal.board_reason == "Eerst een schorsing."
    assert proposal.decided_by == board_member
    assert proposal.effective_from is None
    assert Notification.objects.filter(kind="sanction_decided", recipient=leader).count() == 1


@pytest.mark.parametrize("reason", ["", "   "])
def test_the_board_must_give_a_reason(board_member, proposal, reason):
    with pytest.raises(ValidationError) as error:
        services.sanction_decide(sanction=proposal, actor=board_member, approve=True, reason=reason)
    assert fields_of(error) == {"reason"}
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.PROPOSED
    assert not Notification.objects.filter(kind="sanction_decided").exists()


def test_deciding_twice_is_refused(leader, board_member, proposal):
    other_board_member = member(Role.BOARD, board=proposal.school.board)
    services.sanction_decide(sanction=proposal, actor=board_member, approve=True, reason="Akkoord.")
    for approve in (False, True):
        with pytest.raises(ValidationError):
            services.sanction_decide(sanction=proposal, actor=other_board_member, approve=approve, reason="Toch niet.")
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.DECIDED
    assert proposal.decided_by == board_member
    assert proposal.board_reason == "Akkoord."
    assert Notification.objects.filter(kind="sanction_decided").count() == 1


def test_an_ordinary_measure_is_not_a_proposal_to_decide(leader, board_member, pupil):
    sanction = impose(pupil, leader, "warning")
    with pytest.raises(ValidationError):
        services.sanction_decide(sanction=sanction, actor=board_member, approve=False, reason="Te zwaar.")
    sanction.refresh_from_db()
    assert sanction.status == SanctionStatus.DECIDED
    assert sanction.decided_by == leader


def test_board_decides_through_the_page(client, leader, board_member, proposal):
    client.force_login(board_member)
    page = client.get(sanction_url(proposal))
    assert page.status_code == 200
    assert 'id="decide"' in page.content.decode()

    # The reason is required: the form comes back with the choice kept.
    response = client.post(sanction_url(proposal, "decide"), {"decide-approve": "no", "decide-reason": ""})
    assert response.status_code == 400
    assert "reason" in response.context["decision_form"].errors
    assert response.context["decision_form"]["approve"].value() == "no"
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.PROPOSED

    response = client.post(sanction_url(proposal, "decide"), {"decide-approve": "no", "decide-reason": "Eerst schorsen."})
    assert response.status_code == 302
    assert response["Location"] == sanction_url(proposal)
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.REJECTED
    assert proposal.board_reason == "Eerst schorsen."

    # A second decision (say, from a stale page) is refused and changes nothing.
    response = client.post(sanction_url(proposal, "decide"), {"decide-approve": "yes", "decide-reason": "Toch wel."})
    assert response.status_code == 400
    assert response.context["decision_form"].non_field_errors()
    proposal.refresh_from_db()
    assert proposal.status == SanctionStatus.REJECTED
    assert Notification.objects.filter(kind="sanction_decided", recipient=leader).count() == 1
    page = client.get(sanction_url(proposal))
    assert page.context["decision_form"] is None


# --- other schools, wrong catalogue, missing details ----------------------------------------------------


def test_school_leader_of_another_school_cannot_impose(client, sister_leader, other_leader, pupil):
    for outsider in (sister_leader, other_leader):
        with pytest.raises(PermissionDenied):
            impose(pupil, outsider, "warning")
        client.force_login(outsider)
        url = reverse("sanctions:create") + f"?person={pupil.pk}"
        assert client.get(url).status_code == 404
        response = client.post(url, {"sanction-measure": measure("pupil", "warning").pk,
                                     "sanction-decision": "Waarschuwing.", "sanction-reasoning": "Kwetsend bericht."})
        assert response.status_code == 404
    assert not Sanction.objects.exists()
    assert not AuditEvent.objects.filter(action__startswith="sanction.").exists()


@pytest.mark.parametrize("role", [Role.STAFF, Role.PRIVACY_OFFICER, Role.COUNSELLOR, Role.COMMUNICATIONS])
def test_roles_without_authority_cannot_impose(client, school, pupil, role):
    user = member(role, school=school) if role == Role.STAFF else member(role, board=school.board)
    with pytest.raises(PermissionDenied):
        impose(pupil, user, "warning")
    client.force_login(user)
    assert client.get(reverse("sanctions:create") + f"?person={pupil.pk}").status_code in (403, 404)
    assert not Sanction.objects.exists()


@pytest.mark.parametrize(("person_kind", "measure_kind", "code"), [
    (PersonKind.PUPIL, "staff", "reprimand"),
    (PersonKind.PUPIL, "guardian", "talk"),
    (PersonKind.STAFF, "pupil", "removal"),
    (PersonKind.GUARDIAN, "pupil", "suspension"),
])
def test_measure_from_another_subjects_catalogue_is_refused(leader, school, person_kind, measure_kind, code):
    subject = PersonFactory(school=school, kind=person_kind)
    with pytest.raises(ValidationError) as error:
        impose(subject, leader, code, kind=measure_kind, days=2)
    assert "measure" in fields_of(error)
    assert not Sanction.objects.exists()
    assert not Notification.objects.filter(kind="sanction_proposed").exists()


def test_measure_from_another_catalogue_is_refused_by_the_page(client, leader, pupil):
    client.force_login(leader)
    url = reverse("sanctions:create") + f"?person={pupil.pk}"
    page = client.get(url)
    offered = set(page.context["form"].fields["measure"].queryset.values_list("subject_kind", flat=True))
    assert offered == {"pupil"}
    response = client.post(url, {"sanction-measure": measure("staff", "reprimand").pk,
                                 "sanction-decision": "Berisping.", "sanction-reasoning": "Kwetsend bericht."})
    assert response.status_code == 400
    assert "measure" in response.context["form"].errors
    assert not Sanction.objects.exists()


def test_temporary_measure_needs_its_end_date(leader, pupil):
    today = timezone.localdate()
    with pytest.raises(ValidationError) as error:
        impose(pupil, leader, "network_suspended", starts_on=today)
    assert fields_of(error) == {"ends_on"}
    with pytest.raises(ValidationError) as error:
        impose(pupil, leader, "network_suspended", starts_on=today, ends_on=today - datetime.timedelta(days=1))
    assert fields_of(error) == {"ends_on"}
    assert not Sanction.objects.exists()

    sanction = impose(pupil, leader, "network_suspended", starts_on=today, ends_on=today + datetime.timedelta(days=14))
    sanction.refresh_from_db()
    assert sanction.ends_on == today + datetime.timedelta(days=14)


@pytest.mark.parametrize("kind", ["pupil", "staff"])
def test_suspension_needs_its_number_of_days(leader, school, kind):
    subject = PersonFactory(school=school, kind=kind)
    for days in (None, 0):
        with pytest.raises(ValidationError) as error:
            impose(subject, leader, "suspension", days=days)
        assert fields_of(error) == {"days"}
    assert not Sanction.objects.exists()

    sanction = impose(subject, leader, "suspension", days=3)
    sanction.refresh_from_db()
    assert sanction.days == 3


def test_decision_and_reasoning_are_required(leader, pupil):
    with pytest.raises(ValidationError) as error:
        impose(pupil, leader, "warning", decision=" ", reasoning="")
    assert fields_of(error) == {"decision", "reasoning"}


def test_incident_of_another_school_is_refused(leader, sister_leader, pupil, sister_school):
    foreign_case = IncidentFactory(school=sister_school)
    with pytest.raises(ValidationError) as error:
        impose(pupil, leader, "warning", incident=foreign_case)
    assert "incident" in fields_of(error)


def test_a_board_member_does_not_decide_their_own_proposal(school, board_member):
    from sanctions import services as sanction_services
    from sanctions.selectors import measures_for
    from tests.factories import PersonFactory, member as make_member

    pupil = PersonFactory(school=school)
    proposal = sanction_services.sanction_impose(
        person=pupil, actor=board_member, measure=measures_for(person=pupil).get(code="removal"),
        decision="Verwijdering.", reasoning="Herhaalde bedreigingen.",
    )
    hear(proposal, board_member)
    with pytest.raises(PermissionDenied):
        sanction_services.sanction_decide(sanction=proposal, actor=board_member, approve=True, reason="Akkoord.")
    colleague = make_member("board", board=school.board)
    decided = sanction_services.sanction_decide(sanction=proposal, actor=colleague, approve=True, reason="Akkoord.")
    assert decided.status == "decided" and decided.decided_by == colleague
