"""The sanction's state machine: its table of transitions, tested exhaustively, and the services that drive it."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from portal.models import Role
from sanctions import services
from sanctions.models import (
    Sanction, SanctionStatus, a_removal, admission_not_recorded_yet, decided_by_the_board, decided_by_the_school,
    guardians_not_contacted_yet, hearing_held_before_removal,
)
from tests.factories import member

from .support import hear, impose

# The protocol's table (004 rule 12), written out independently of sanctions/models.py:
# name -> (the states it leaves, the state it reaches; None leaves the status as it is, the conditions).
EXPECTED = {
    "impose": ({"proposed"}, "decided", [decided_by_the_school]),
    "approve": ({"proposed"}, "decided", [decided_by_the_board, hearing_held_before_removal]),
    "reject": ({"proposed"}, "rejected", [decided_by_the_board]),
    "record_guardian_contact": ({"proposed", "decided"}, None, [guardians_not_contacted_yet]),
    # Education law (tests/sanctions/test_education_law.py): withdrawing, and another school's admission of a pupil
    # whose removal the board approved.
    "withdraw": ({"proposed", "decided"}, "withdrawn", []),
    "record_admission": ({"decided"}, None, [a_removal, admission_not_recorded_yet]),
}
PROTOCOL_TRANSITIONS = ["impose", "approve", "reject", "record_guardian_contact"]
ALL_STATES = [s.value for s in SanctionStatus]


def test_the_model_defines_exactly_the_tables_transitions():
    assert set(ALL_STATES) == {"proposed", "decided", "rejected", "withdrawn"}
    defined = {}
    for t in Sanction().get_all_status_transitions():
        defined.setdefault(t.name, (set(), t.target, t.conditions))[0].add(t.source)
    assert defined == {name: (sources, target, conditions) for name, (sources, target, conditions) in EXPECTED.items()}


def test_a_new_sanction_starts_as_proposed():
    assert Sanction().status == SanctionStatus.PROPOSED


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("name", list(EXPECTED))
def test_transition_allowed_exactly_per_table(state, name):
    sanction = Sanction(status=state)
    assert can_proceed(getattr(sanction, name), check_conditions=False) is (state in EXPECTED[name][0])


@pytest.mark.parametrize("board_decides", [True, False])
@pytest.mark.parametrize("contacted", [True, False])
@pytest.mark.parametrize("name", PROTOCOL_TRANSITIONS)
def test_the_board_and_guardian_rules_are_the_transitions_conditions(name, board_decides, contacted):
    """From "proposed": the school imposes only what the board does not decide, the board decides only what is
    its to decide, and the contact with the guardians is recorded once."""
    sanction = Sanction(board_decides=board_decides, guardians_contacted_at=timezone.now() if contacted else None)
    allowed = {"impose": not board_decides, "approve": board_decides, "reject": board_decides,
               "record_guardian_contact": not contacted}[name]
    assert can_proceed(getattr(sanction, name)) is allowed
    if not allowed:
        with pytest.raises(TransitionNotAllowed):
            getattr(sanction, name)(by=None, at=timezone.now(), **{"how": "x"} if name == "record_guardian_contact"
                                    else {"reason": "x"} if name in ("approve", "reject") else {})
        assert sanction.status == SanctionStatus.PROPOSED


def test_the_status_cannot_be_set_directly(leader, pupil):
    sanction = Sanction.objects.get(pk=impose(pupil, leader, "removal").pk)
    with pytest.raises(AttributeError):
        sanction.status = SanctionStatus.DECIDED


@pytest.fixture
def second_board_member(school):
    return member(Role.BOARD, board=school.board)


def _sanction_in(state, *, pupil, leader, board_member):
    """A pupil's sanction brought to ``state`` through the services."""
    sanction = impose(pupil, leader, "warning" if state == "decided" else "removal")
    if state != "decided":
        hear(sanction, leader)
    if state == "withdrawn":
        sanction = services.sanction_withdraw(sanction=sanction, actor=board_member, reason="Ten onrechte vastgelegd.")
    if state == "rejected":
        sanction = services.sanction_decide(sanction=sanction, actor=board_member, approve=False, reason="Te zwaar.")
    assert sanction.status == state
    return sanction


def _attempts(sanction, *, leader, board_member):
    contact_at = timezone.now() - datetime.timedelta(hours=1)
    return {
        "approve": lambda: services.sanction_decide(sanction=sanction, actor=board_member, approve=True, reason="Ja."),
        "reject": lambda: services.sanction_decide(sanction=sanction, actor=board_member, approve=False, reason="Nee."),
        "record_guardian_contact": lambda: services.sanction_record_guardian_contact(
            sanction=sanction, actor=leader, contacted_at=contact_at, how="Gebeld met de vader."),
    }


@pytest.mark.django_db
@pytest.mark.parametrize("state", ALL_STATES)
def test_the_services_take_exactly_the_tables_transitions(state, pupil, leader, board_member):
    """Every service-driven change, tried from every status: done where the table allows it, refused (and nothing
    written) where it does not."""
    for name in ("approve", "reject", "record_guardian_contact"):
        sanction = _sanction_in(state, pupil=pupil, leader=leader, board_member=board_member)
        before = Sanction.objects.filter(pk=sanction.pk).values().get()
        if state in EXPECTED[name][0]:
            after = _attempts(sanction, leader=leader, board_member=board_member)[name]()
            assert after.status == (EXPECTED[name][1] or state), name
        else:
            with pytest.raises(ValidationError):
                _attempts(sanction, leader=leader, board_member=board_member)[name]()
            assert Sanction.objects.filter(pk=sanction.pk).values().get() == before, name


@pytest.mark.django_db
def test_the_guardians_contact_is_recorded_once(pupil, leader):
    sanction = impose(pupil, leader, "warning")
    services.sanction_record_guardian_contact(sanction=sanction, actor=leader, how="Gebeld met de moeder.",
                                              contacted_at=timezone.now() - datetime.timedelta(hours=2))
    with pytest.raises(ValidationError):
        services.sanction_record_guardian_contact(sanction=sanction, actor=leader, how="Nog een keer.",
                                                  contacted_at=timezone.now() - datetime.timedelta(hours=1))
    sanction.refresh_from_db()
    assert sanction.guardians_contacted_how == "Gebeld met de moeder."


@pytest.mark.django_db
def test_the_service_imposes_or_proposes_as_the_conditions_say(pupil, leader):
    assert impose(pupil, leader, "warning").status == SanctionStatus.DECIDED
    proposal = impose(pupil, leader, "removal")
    assert proposal.status == SanctionStatus.PROPOSED and proposal.decided_by is None


@pytest.mark.django_db
def test_the_transitions_permissions_follow_the_rules(pupil, leader, board_member, second_board_member, sister_leader):
    """Who may take a transition: the school leader or the board imposes and records the contact; only the board
    decides a proposal."""
    proposal = impose(pupil, leader, "removal")
    assert not has_transition_perm(proposal.approve, board_member), "a removal is approved only after the hearing"
    assert has_transition_perm(proposal.reject, board_member)
    hear(proposal, leader)
    assert has_transition_perm(proposal.approve, board_member)
    assert has_transition_perm(proposal.reject, second_board_member)
    assert not has_transition_perm(proposal.approve, leader)
    assert has_transition_perm(proposal.record_guardian_contact, leader)
    assert not has_transition_perm(proposal.record_guardian_contact, sister_leader)
