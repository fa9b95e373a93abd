"""The table of allowed step changes, tested exhaustively, and how the service records every change."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import gettext
from django_fsm import TransitionNotAllowed, can_proceed, has_transition_perm

from incidents import services, workflow
from incidents.models import Incident, Transition
from incidents.walkthrough import conclude_breach_review, do_step_work
from incidents.workflow import State
from portal.models import AuditEvent, Role
from tests.factories import IncidentFactory, member

pytestmark = pytest.mark.usefixtures("dutch")

# The design's table (protocol 002 §11), written out independently of incidents/workflow.py.
EXPECTED = {
    "start_gathering": ("reported", "gathering"),
    "dismiss": ("reported", "dismissed"),
    "start_assessing": ("gathering", "assessing"),
    "start_containing": ("assessing", "containing"),
    "start_informing": ("containing", "informing"),
    "start_communicating": ("informing", "communicating"),
    "start_evaluating": ("communicating", "evaluating"),
    "close": ("evaluating", "closed"),
    "reopen": ("closed", "gathering"),
}
ALL_STATES = [s.value for s in State]
NAMES = [change.name for change in workflow.TRANSITIONS]
NEEDS_REASON = {"dismiss", "reopen"}
# Every change that leaves an open step for the next one needs that step's work done; dismissing needs what
# every ending needs (no open data-breach review); reopening needs nothing but a reason.
GUARDS = {**{name: workflow.missing_work for name in EXPECTED}, "dismiss": workflow.closing_blockers,
          "reopen": workflow.nothing_blocks}


def test_the_table_is_the_designs_table():
    table = {change.name: (change.source.value, change.target.value) for change in workflow.TRANSITIONS}
    assert len(table) == len(workflow.TRANSITIONS), "a transition name is listed twice"
    assert table == EXPECTED
    assert set(ALL_STATES) == {
        "reported", "gathering", "assessing", "containing", "informing", "communicating", "evaluating", "closed", "dismissed",
    }
    assert {change.name for change in workflow.TRANSITIONS if change.needs_reason} == NEEDS_REASON
    assert {change.name: change.guard for change in workflow.TRANSITIONS} == GUARDS
    assert all(str(change.label) for change in workflow.TRANSITIONS)


def _model_transitions():
    return {t.name: t for t in Incident().get_all_state_transitions()}


def test_the_model_defines_exactly_the_tables_transitions():
    """The django-fsm methods are built from the table: the same rows, each with the row's guard as its one
    condition, the school leader's permission, and whether a reason is needed."""
    defined = _model_transitions()
    assert {(t.name, t.source, t.target) for t in defined.values()} == {
        (name, source, target) for name, (source, target) in EXPECTED.items()}
    for change in workflow.TRANSITIONS:
        fsm = defined[change.name]
        assert fsm.conditions == [change.may_proceed]
        assert fsm.permission is workflow.may_transition
        assert fsm.custom == {"needs_reason": change.name in NEEDS_REASON}


def test_the_walkthrough_and_the_demo_data_follow_the_table():
    from meldpunt.management.commands.seed_board import Command

    assert workflow.FORWARD == {source: name for name, (source, target) in EXPECTED.items()
                                if name not in ("dismiss", "reopen")}
    for (source, target) in zip(workflow.MAIN_LINE, workflow.MAIN_LINE[1:]):
        assert EXPECTED[workflow.transition_between(source, target)] == (source, target)
    assert workflow.transition_between(State.CLOSED, State.GATHERING) == "reopen"
    for state in ALL_STATES:
        path = Command._path(state, reopened=state == State.CLOSED)
        steps = [workflow.transition_between(source, target) for source, target in zip(path, path[1:])]
        assert [EXPECTED[name] for name in steps] == list(zip(path, path[1:])), state


@pytest.mark.parametrize("state", ALL_STATES)
@pytest.mark.parametrize("name", NAMES)
def test_transition_allowed_exactly_per_table(state, name):
    incident = Incident(state=state)
    allowed = EXPECTED[name][0] == state
    assert can_proceed(getattr(incident, name), check_conditions=False) is allowed
    available = {t.name: t.target for t in _model_transitions().values() if t.source == state}
    assert (name in available) is allowed
    if allowed:
        assert available[name] == EXPECTED[name][1]


@pytest.mark.django_db
@pytest.mark.parametrize("state", ALL_STATES)
def test_service_refuses_every_transition_not_in_the_table(state, leader, school):
    incident = IncidentFactory(school=school, **({state: True} if state != "reported" else {}))
    assert incident.state == state
    rows_before = list(Transition.objects.filter(incident=incident).values_list("pk", flat=True))
    disallowed = [name for name in NAMES if EXPECTED[name][0] != state]
    assert disallowed
    for name in disallowed:
        with pytest.raises(ValidationError):
            services.incident_advance(incident=incident, transition=name, actor=leader, note="Toch proberen.")
        incident.refresh_from_db()
        assert incident.state == state, name
        assert list(Transition.objects.filter(incident=incident).values_list("pk", flat=True)) == rows_before, name


@pytest.mark.django_db
def test_unknown_transition_name_is_refused(leader, school):
    incident = IncidentFactory(school=school)
    with pytest.raises(ValidationError):
        services.incident_advance(incident=incident, transition="jump_to_closed", actor=leader, note="x")
    with pytest.raises(ValidationError):
        services.incident_advance(incident=incident, transition="save", actor=leader, note="x")
    incident.refresh_from_db()
    assert incident.state == State.REPORTED
    assert not incident.transitions.exists()


@pytest.mark.django_db
def test_every_transition_writes_a_row_with_actor_source_target_and_note(leader, school):
    incident = IncidentFactory(school=school)
    expected = []
    for step in workflow.STEPS:
        assert incident.state == step
        do_step_work(incident, leader)
        name = workflow.FORWARD[step]
        note = f"Klaar met {step}."
        before = incident.state_changed_at
        incident = services.incident_advance(incident=incident, transition=name, actor=leader, note=note)
        assert incident.state_changed_at >= before
        expected.append((name, EXPECTED[name][0], EXPECTED[name][1], leader.pk, note))
    assert incident.state == State.CLOSED
    services.incident_advance(incident=incident, transition="reopen", actor=leader, note="Nieuwe berichten opgedoken.")
    expected.append(("reopen", "closed", "gathering", leader.pk, "Nieuwe berichten opgedoken."))

    rows = list(Transition.objects.filter(incident=incident).order_by("at", "pk")
                .values_list("name", "source", "target", "actor_id", "note"))
    assert rows == expected
    assert all(t.at is not None for t in Transition.objects.filter(incident=incident))
    incident.refresh_from_db()
    assert incident.state == State.GATHERING
    assert AuditEvent.objects.filter(action="incident.transition", object_id=str(incident.pk)).count() == len(expected)


@pytest.mark.django_db
def test_optional_note_may_be_empty_for_a_normal_step(leader, school):
    incident = IncidentFactory(school=school)
    do_step_work(incident, leader)
    services.incident_advance(incident=incident, transition="start_gathering", actor=leader)
    row = Transition.objects.get(incident=incident)
    assert (row.name, row.source, row.target, row.actor, row.note) == ("start_gathering", "reported", "gathering", leader, "")


@pytest.mark.django_db
@pytest.mark.parametrize("name,trait", [("dismiss", None), ("reopen", "closed")])
def test_dismiss_and_reopen_require_a_reason(name, trait, leader, school):
    incident = IncidentFactory(school=school, **({trait: True} if trait else {}))
    state = incident.state
    rows = incident.transitions.count()
    for note in ("", "   \n "):
        with pytest.raises(ValidationError) as excinfo:
            services.incident_advance(incident=incident, transition=name, actor=leader, note=note)
        assert "note" in excinfo.value.message_dict
        assert gettext("Give the reason for this step change.") in excinfo.value.message_dict["note"]
        incident.refresh_from_db()
        assert incident.state == state
        assert incident.transitions.count() == rows

    services.incident_advance(incident=incident, transition=name, actor=leader, note="  Geen incident: grap onder vrienden.  ")
    incident.refresh_from_db()
    assert incident.state == EXPECTED[name][1]
    last = incident.transitions.order_by("-at", "-pk").first()
    assert (last.name, last.source, last.target, last.actor, last.note) == (
        name, state, EXPECTED[name][1], leader, "Geen incident: grap onder vrienden.",
    )


@pytest.mark.django_db
def test_the_state_field_cannot_be_set_directly(school):
    incident = IncidentFactory(school=school)
    with pytest.raises(AttributeError):
        incident.state = State.CLOSED
    fresh = Incident.objects.get(pk=incident.pk)
    with pytest.raises(AttributeError):
        fresh.state = State.EVALUATING
    fresh.save()
    assert Incident.objects.get(pk=incident.pk).state == State.REPORTED


@pytest.mark.django_db
def test_only_the_school_leader_of_the_case_moves_it(school, sister_school, leader, staff, board_member, privacy_officer):
    incident = IncidentFactory(school=school, reporter=staff)
    do_step_work(incident, leader)
    sister_leader = member(Role.SCHOOL_LEADER, school=sister_school)
    admin = member(Role.ADMIN, board=school.board)
    for outsider in (staff, board_member, privacy_officer, sister_leader, admin):
        for name in ("start_gathering", "dismiss"):
            with pytest.raises(PermissionDenied):
                services.incident_advance(incident=incident, transition=name, actor=outsider, note="Reden.")
    incident.refresh_from_db()
    assert incident.state == State.REPORTED
    assert not incident.transitions.exists()
    services.incident_advance(incident=incident, transition="start_gathering", actor=leader)
    incident.refresh_from_db()
    assert incident.state == State.GATHERING


@pytest.mark.django_db
def test_the_transitions_refuse_what_the_tables_guard_blocks(leader, school, privacy_officer):
    """django-fsm itself refuses a change whose row's guard blocks it: the step's work, or an open breach review."""
    incident = IncidentFactory(school=school, privacy_flag=True)
    assert workflow.missing_work(incident) and workflow.closing_blockers(incident)
    assert not can_proceed(incident.start_gathering)
    assert not can_proceed(incident.dismiss)
    with pytest.raises(TransitionNotAllowed):
        incident.start_gathering()
    with pytest.raises(ValidationError) as refused:
        services.incident_advance(incident=incident, transition="dismiss", actor=leader, note="Geen incident.")
    assert refused.value.messages == [str(m) for m in workflow.closing_blockers(incident)]

    conclude_breach_review(incident)
    assert can_proceed(incident.dismiss)
    do_step_work(incident, leader)
    incident.refresh_from_db()
    assert can_proceed(incident.start_gathering)
    assert has_transition_perm(incident.start_gathering, leader)
    assert not has_transition_perm(incident.start_gathering, privacy_officer)
