"""Each step can only be left when its work is done, or explicitly marked 'not applicable' with a reason."""

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone
from django.utils.translation import gettext

from incidents import services
from incidents.models import (
    Action, ActionKind, Evaluation, Evidence, InformedParty, Involvement, InvolvementRole, Message, PoliceReport,
    Takedown, TakedownOutcome, Transition, Waiver,
)
from incidents.workflow import State, WaivableItem
from portal.models import Role
from tests.factories import BoardFactory, IncidentFactory, SchoolFactory, member

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("dutch")]

NEXT = {
    State.REPORTED: "start_gathering", State.GATHERING: "start_assessing", State.ASSESSING: "start_containing",
    State.CONTAINING: "start_informing", State.INFORMING: "start_communicating",
    State.COMMUNICATING: "start_evaluating", State.EVALUATING: "close",
}
AFTER = {
    State.REPORTED: State.GATHERING, State.GATHERING: State.ASSESSING, State.ASSESSING: State.CONTAINING,
    State.CONTAINING: State.INFORMING, State.INFORMING: State.COMMUNICATING,
    State.COMMUNICATING: State.EVALUATING, State.EVALUATING: State.CLOSED,
}

# The sentences the guards show, by msgid; compared under the active language.
SEVERITY = "Set the severity of the report."
FACTS = "Record the facts: add evidence or write an account of what happened."
PEOPLE = "Link the people involved (victim, perpetrator, witnesses)."
DECISION = "Record the decision: is this a criminal offence, possibly one, or not?"
CONFRONT = "Confront the perpetrator(s) with the facts, or record why that is not applicable."
SANCTIONS = "Record whether sanctions are imposed, or why they are not applicable."
AFTERCARE = "Arrange aftercare with the mentor and/or confidential counsellor, or record why it is not applicable."
POLICE_CONSULT = "Put the situation to the police and record the date, contact and outcome."
CONSULT_GUARDIANS = "Consult the guardians of the pupil on whether to file a police report."
CONSULT_STAFF = "Consult the staff member on whether to file a police report."
REPORT_WANTED = "A police report is wanted: record who filed it, when, and the police reference."
BOARD_REQUIRES_REPORT = "Your board's protocol requires a police report for every possible offence: record it."
SCHOOL_FILES = "The school leader files a police report: record when and the police reference."
STAY_INFORMED = "Record how everyone stays informed."
LOG_POSTS = "Log each harmful post, or record why there are none to take down."
TAKEDOWN_OUTCOMES = "Record the outcome of every harmful post's takedown."
FORWARD = "Ask the people who received the posts not to forward them, or record why that is not applicable."
INFORMED = "Record who was informed, when, what was said and the next steps."
MESSAGES = "Log the messages sent (internal first, then external), or record why none were needed."
EVALUATION = "Record the evaluation: did the protocol and the measures work?"


def case(school, state=State.REPORTED):
    return IncidentFactory(school=school, **({state.value: True} if state != State.REPORTED else {}))


def add(incident, actor, record):
    return services.incident_add_record(incident=incident, actor=actor, record=record)


def refused(incident, actor, *msgids):
    """Leaving the step is refused, listing exactly ``msgids``; nothing changes."""
    incident.refresh_from_db()
    state = incident.state
    rows = Transition.objects.filter(incident=incident).count()
    with pytest.raises(ValidationError) as excinfo:
        services.incident_advance(incident=incident, transition=NEXT[state], actor=actor)
    assert [str(m) for m in excinfo.value.messages] == [gettext(m) for m in msgids]
    incident.refresh_from_db()
    assert incident.state == state
    assert Transition.objects.filter(incident=incident).count() == rows


def allowed(incident, actor):
    incident.refresh_from_db()
    state = incident.state
    services.incident_advance(incident=incident, transition=NEXT[state], actor=actor)
    incident.refresh_from_db()
    assert incident.state == AFTER[state]
    assert Transition.objects.filter(incident=incident, source=state, target=AFTER[state], actor=actor).count() == 1


def action(kind, **fields):
    fields.setdefault("outcome", "Besproken en vastgelegd.")
    return Action(kind=kind, **fields)


# Step 1 ---------------------------------------------------------------------------------------------------

def test_step1_needs_a_severity_set_by_the_school_leader(school, leader, staff):
    incident = case(school)
    refused(incident, leader, SEVERITY)
    with pytest.raises(PermissionDenied):
        services.incident_triage(incident=incident, actor=staff, severity="high", category=incident.category, privacy_flag=False)
    refused(incident, leader, SEVERITY)
    services.incident_triage(incident=incident, actor=leader, severity="high", category=incident.category, privacy_flag=False)
    allowed(incident, leader)


# Step 2 ---------------------------------------------------------------------------------------------------

def test_step2_needs_facts_and_involved_people(school, leader, pupil):
    incident = case(school, State.GATHERING)
    refused(incident, leader, FACTS, PEOPLE)
    services.incident_record_facts(incident=incident, actor=leader, facts_account="   \n  ")
    refused(incident, leader, FACTS, PEOPLE)
    add(incident, leader, Involvement(person=pupil, role=InvolvementRole.VICTIM))
    refused(incident, leader, FACTS)
    services.incident_record_facts(incident=incident, actor=leader, facts_account="Gesprek met melder en slachtoffer.")
    allowed(incident, leader)


def test_step2_facts_may_be_evidence_instead_of_a_written_account(school, leader, pupil):
    incident = case(school, State.GATHERING)
    services.evidence_add(incident=incident, actor=leader, links=["https://www.instagram.com/p/abc123/"])
    refused(incident, leader, PEOPLE)
    assert Evidence.objects.filter(incident=incident).count() == 1
    add(incident, leader, Involvement(person=pupil, role=InvolvementRole.PERPETRATOR))
    allowed(incident, leader)


def test_step2_a_written_account_without_people_is_not_enough(school, leader):
    incident = case(school, State.GATHERING)
    services.incident_record_facts(incident=incident, actor=leader, facts_account="Gesprek met de melder.")
    refused(incident, leader, PEOPLE)


# Step 3 ---------------------------------------------------------------------------------------------------

def decide(incident, actor, decision, victim_type=""):
    services.incident_decide(incident=incident, actor=actor, decision=decision, victim_type=victim_type,
                             reasoning="Afgewogen met de vertrouwenspersoon.")


def test_step3_needs_a_decision(school, leader):
    incident = case(school, State.ASSESSING)
    refused(incident, leader, DECISION)


NOT_CRIMINAL_ITEMS = [
    (ActionKind.CONFRONTATION, WaivableItem.CONFRONTATION, CONFRONT),
    (ActionKind.SANCTIONS, WaivableItem.SANCTIONS, SANCTIONS),
    (ActionKind.AFTERCARE, WaivableItem.AFTERCARE, AFTERCARE),
]


def test_step3_not_criminal_lists_confrontation_sanctions_and_aftercare(school, leader):
    incident = case(school, State.ASSESSING)
    decide(incident, leader, "not_criminal")
    refused(incident, leader, CONFRONT, SANCTIONS, AFTERCARE)


@pytest.mark.parametrize("missing_index", [0, 1, 2])
@pytest.mark.parametrize("done_by", ["action", "waiver"])
def test_step3_not_criminal_each_item_as_action_or_waiver(school, leader, missing_index, done_by):
    incident = case(school, State.ASSESSING)
    decide(incident, leader, "not_criminal")
    for index, (kind, _item, _msg) in enumerate(NOT_CRIMINAL_ITEMS):
        if index != missing_index:
            add(incident, leader, action(kind))
    kind, item, msg = NOT_CRIMINAL_ITEMS[missing_index]
    # Other work of the step does not stand in for the missing piece.
    add(incident, leader, action(ActionKind.STAY_INFORMED))
    add(incident, leader, Waiver(item=WaivableItem.MESSAGES, reason="Geen berichten nodig."))
    refused(incident, leader, msg)
    if done_by == "action":
        add(incident, leader, action(kind))
    else:
        add(incident, leader, Waiver(item=item, reason="Niet van toepassing: de dader is onbekend."))
    allowed(incident, leader)


def test_step3_a_waiver_needs_a_reason(school, leader):
    incident = case(school, State.ASSESSING)
    with pytest.raises(ValidationError) as excinfo:
        add(incident, leader, Waiver(item=WaivableItem.SANCTIONS, reason=""))
    assert "reason" in excinfo.value.message_dict
    assert not Waiver.objects.filter(incident=incident).exists()


def test_step3_possibly_criminal_needs_the_police_consulted(school, leader):
    incident = case(school, State.ASSESSING)
    decide(incident, leader, "possibly_criminal")
    add(incident, leader, action(ActionKind.CONFRONTATION))
    refused(incident, leader, POLICE_CONSULT)
    add(incident, leader, action(ActionKind.POLICE_CONSULTATION, with_whom="Wijkagent De Vries"))
    allowed(incident, leader)


def test_step3_possibly_criminal_a_police_report_also_counts(school, leader):
    incident = case(school, State.ASSESSING)
    decide(incident, leader, "possibly_criminal")
    refused(incident, leader, POLICE_CONSULT)
    add(incident, leader, PoliceReport(filed_by="school", filed_at=timezone.now(), police_reference="PL-1"))
    allowed(incident, leader)


def test_step3_criminal_needs_a_victim_type(school, leader):
    incident = case(school, State.ASSESSING)
    with pytest.raises(ValidationError) as excinfo:
        services.incident_decide(incident=incident, actor=leader, decision="criminal", victim_type="", reasoning="x")
    assert "victim_type" in excinfo.value.message_dict
    incident.refresh_from_db()
    assert incident.decision == ""
    refused(incident, leader, DECISION)


@pytest.mark.parametrize("victim_type,consult_msg", [("pupil", CONSULT_GUARDIANS), ("staff", CONSULT_STAFF)])
def test_step3_criminal_victim_consulted_and_no_report_wanted(school, leader, victim_type, consult_msg):
    incident = case(school, State.ASSESSING)
    decide(incident, leader, "criminal", victim_type)
    refused(incident, leader, consult_msg, STAY_INFORMED)
    add(incident, leader, action(ActionKind.VICTIM_CONSULTATION, with_whom="Ouders", wants_police_report=False))
    refused(incident, leader, STAY_INFORMED)
    add(incident, leader, action(ActionKind.STAY_INFORMED))
    allowed(incident, leader)


@pytest.mark.parametrize("victim_type,filer", [("pupil", "guardians"), ("pupil", "school"), ("staff", "staff_member")])
def test_step3_criminal_report_wanted_needs_a_police_report(school, leader, victim_type, filer):
    incident = case(school, State.ASSESSING)
    decide(incident, leader, "criminal", victim_type)
    add(incident, leader, action(ActionKind.VICTIM_CONSULTATION, wants_police_report=True))
    add(incident, leader, action(ActionKind.STAY_INFORMED))
    refused(incident, leader, REPORT_WANTED)
    add(incident, leader, PoliceReport(filed_by=filer, filed_at=timezone.now(), police_reference="PL-2026-7"))
    allowed(incident, leader)


def test_step3_criminal_against_the_school_the_school_files(school, leader):
    incident = case(school, State.ASSESSING)
    decide(incident, leader, "criminal", "school")
    refused(incident, leader, SCHOOL_FILES, STAY_INFORMED)
    add(incident, leader, action(ActionKind.STAY_INFORMED))
    # A report filed by someone else does not count: the school leader files for the school.
    add(incident, leader, PoliceReport(filed_by="guardians", filed_at=timezone.now()))
    refused(incident, leader, SCHOOL_FILES)
    add(incident, leader, PoliceReport(filed_by="school", filed_at=timezone.now(), police_reference="PL-9"))
    allowed(incident, leader)


@pytest.mark.parametrize("victim_type", ["pupil", "staff"])
def test_step3_board_requiring_police_on_any_suspicion(victim_type):
    board = BoardFactory(police_on_any_suspicion=True)
    school = SchoolFactory(board=board)
    leader = member(Role.SCHOOL_LEADER, school=school)
    incident = case(school, State.ASSESSING)
    decide(incident, leader, "criminal", victim_type)
    add(incident, leader, action(ActionKind.VICTIM_CONSULTATION, wants_police_report=False,
                                 outcome="Zij willen geen aangifte doen."))
    add(incident, leader, action(ActionKind.STAY_INFORMED))
    refused(incident, leader, BOARD_REQUIRES_REPORT)
    add(incident, leader, PoliceReport(filed_by="school", filed_at=timezone.now(), police_reference="PL-3"))
    allowed(incident, leader)


# Step 4 ---------------------------------------------------------------------------------------------------

def test_step4_nothing_logged_is_refused(school, leader):
    incident = case(school, State.CONTAINING)
    refused(incident, leader, LOG_POSTS, FORWARD)


@pytest.mark.parametrize("outcome,reason", [
    ("removed_by_author", ""), ("removed_by_platform", ""), ("requested", ""), ("not_possible", "Het account is anoniem."),
])
@pytest.mark.parametrize("forward_by", ["action", "waiver"])
def test_step4_every_post_needs_an_outcome_and_forwarding_addressed(school, leader, outcome, reason, forward_by):
    incident = case(school, State.CONTAINING)
    takedown = add(incident, leader, Takedown(platform="tiktok", description="Filmpje van de leerling"))
    assert takedown.outcome == TakedownOutcome.PENDING
    refused(incident, leader, TAKEDOWN_OUTCOMES, FORWARD)
    services.takedown_resolve(takedown=takedown, actor=leader, outcome=outcome, reason=reason)
    refused(incident, leader, FORWARD)
    if forward_by == "action":
        add(incident, leader, action(ActionKind.FORWARD_REQUEST, with_whom="Klas 2A"))
    else:
        add(incident, leader, Waiver(item=WaivableItem.FORWARD_REQUEST, reason="Alleen in een privébericht verstuurd."))
    allowed(incident, leader)


def test_step4_not_possible_needs_a_reason(school, leader):
    incident = case(school, State.CONTAINING)
    takedown = add(incident, leader, Takedown(platform="x", description="Tweet"))
    with pytest.raises(ValidationError) as excinfo:
        services.takedown_resolve(takedown=takedown, actor=leader, outcome="not_possible", reason="  ")
    assert "outcome_reason" in excinfo.value.message_dict
    takedown.refresh_from_db()
    assert takedown.outcome == TakedownOutcome.PENDING
    with pytest.raises(ValidationError):
        add(incident, leader, Takedown(platform="x", description="Nog een tweet", outcome="not_possible"))
    assert Takedown.objects.filter(incident=incident).count() == 1


def test_step4_one_pending_post_among_handled_ones_blocks(school, leader):
    incident = case(school, State.CONTAINING)
    add(incident, leader, Takedown(platform="instagram", description="Story", outcome="removed_by_platform"))
    pending = add(incident, leader, Takedown(platform="instagram", description="Reel"))
    add(incident, leader, action(ActionKind.FORWARD_REQUEST))
    refused(incident, leader, TAKEDOWN_OUTCOMES)
    services.takedown_resolve(takedown=pending, actor=leader, outcome="requested")
    allowed(incident, leader)


def test_step4_no_posts_needs_a_waiver(school, leader):
    incident = case(school, State.CONTAINING)
    add(incident, leader, action(ActionKind.FORWARD_REQUEST))
    refused(incident, leader, LOG_POSTS)
    add(incident, leader, Waiver(item=WaivableItem.TAKEDOWNS, reason="Het bericht is al verdwenen."))
    allowed(incident, leader)


# Step 5 ---------------------------------------------------------------------------------------------------

def test_step5_needs_an_informed_party(school, leader):
    incident = case(school, State.INFORMING)
    refused(incident, leader, INFORMED)
    add(incident, leader, InformedParty(who="Ouders van de dader", what_was_said="De feiten.", next_steps="Gesprek."))
    allowed(incident, leader)


# Step 6 ---------------------------------------------------------------------------------------------------

def message(audience, **fields):
    fields.setdefault("channel", "e-mail")
    fields.setdefault("recipients", "Team bovenbouw")
    fields.setdefault("summary", "Korte uitleg over wat er is gebeurd.")
    return Message(audience=audience, **fields)


def test_step6_needs_a_message_or_waiver(school, leader):
    incident = case(school, State.COMMUNICATING)
    refused(incident, leader, MESSAGES)
    add(incident, leader, Waiver(item=WaivableItem.MESSAGES, reason="Alleen de betrokkenen weten ervan."))
    allowed(incident, leader)


def test_step6_an_internal_message_is_enough(school, leader):
    incident = case(school, State.COMMUNICATING)
    add(incident, leader, message("internal"))
    allowed(incident, leader)


@pytest.mark.parametrize("audience", ["external", "press"])
def test_step6_external_before_internal_is_refused(school, leader, board_member, audience):
    incident = case(school, State.COMMUNICATING)
    with pytest.raises(ValidationError) as excinfo:
        add(incident, leader, message(audience, recipients="Alle ouders", approved_by=board_member))
    assert "audience" in excinfo.value.message_dict
    assert not Message.objects.filter(incident=incident).exists()
    refused(incident, leader, MESSAGES)


def test_step6_internal_sent_after_the_external_does_not_count(school, leader, board_member):
    incident = case(school, State.COMMUNICATING)
    now = timezone.now()
    add(incident, leader, message("internal", sent_at=now))
    with pytest.raises(ValidationError) as excinfo:
        add(incident, leader, message("external", sent_at=now - timezone.timedelta(hours=2), approved_by=board_member))
    assert "audience" in excinfo.value.message_dict
    add(incident, leader, message("external", sent_at=now + timezone.timedelta(minutes=1), recipients="Ouders klas 2A",
                                  approved_by=board_member))
    assert list(Message.objects.filter(incident=incident).values_list("audience", flat=True)) == ["internal", "external"]
    allowed(incident, leader)


@pytest.mark.parametrize("audience", ["external", "press"])
def test_step6_external_and_press_need_approval_by_a_board_member_of_this_board(
    school, leader, board_member, privacy_officer, audience
):
    incident = case(school, State.COMMUNICATING)
    add(incident, leader, message("internal"))
    other_board_member = member(Role.BOARD, board=BoardFactory())
    for approver in (None, leader, privacy_officer, other_board_member):
        with pytest.raises(ValidationError) as excinfo:
            add(incident, leader, message(audience, recipients="Regionale krant", approved_by=approver))
        assert "approved_by" in excinfo.value.message_dict, approver
    assert not Message.objects.filter(incident=incident, audience=audience).exists()
    add(incident, leader, message(audience, recipients="Regionale krant", approved_by=board_member))
    assert Message.objects.filter(incident=incident, audience=audience, approved_by=board_member).exists()
    allowed(incident, leader)


# Step 7 ---------------------------------------------------------------------------------------------------

def test_step7_needs_an_evaluation(school, leader):
    incident = case(school, State.EVALUATING)
    refused(incident, leader, EVALUATION)
    add(incident, leader, Evaluation(protocol_worked="partly", measures_worked="Grotendeels.", adjustments="Sneller de ouders bellen."))
    allowed(incident, leader)


# Records are the school leader's work, and only on an open case -------------------------------------------

def test_records_are_refused_for_staff_and_on_closed_cases(school, leader, staff):
    incident = case(school, State.INFORMING)
    with pytest.raises(PermissionDenied):
        add(incident, staff, InformedParty(who="Ouders", what_was_said="x", next_steps="y"))
    closed = case(school, State.CLOSED)
    with pytest.raises(PermissionDenied):
        add(closed, leader, InformedParty(who="Ouders", what_was_said="x", next_steps="y"))
    assert not InformedParty.objects.filter(incident__in=[incident, closed], who="Ouders").exists()


def test_the_decision_is_only_made_in_step_3(school, leader):
    incident = case(school, State.CONTAINING)
    with pytest.raises(ValidationError):
        services.incident_decide(incident=incident, actor=leader, decision="criminal", victim_type="pupil")
    incident.refresh_from_db()
    assert incident.decision == "not_criminal"


def test_a_victim_consultation_needs_the_answer_about_a_police_report(school, leader):
    incident = case(school, State.ASSESSING)
    services.incident_decide(incident=incident, actor=leader, decision="criminal", victim_type="pupil")
    with pytest.raises(ValidationError) as excinfo:
        add(incident, leader, Action(kind=ActionKind.VICTIM_CONSULTATION, outcome="Ouders gesproken."))
    assert "wants_police_report" in excinfo.value.message_dict


def test_only_web_links_are_stored_as_evidence(school, leader):
    incident = case(school, State.GATHERING)
    with pytest.raises(ValidationError):
        services.evidence_add(incident=incident, actor=leader, links=["javascript:alert(1)"])
    assert not incident.evidence.exists()


def test_linking_the_same_person_twice_is_a_clear_refusal_not_an_error(school, leader):
    from incidents.models import Involvement
    from tests.factories import PersonFactory

    incident = case(school, State.GATHERING)
    person = PersonFactory(school=school)
    add(incident, leader, Involvement(person=person, role="witness"))
    with pytest.raises(ValidationError):
        add(incident, leader, Involvement(person=person, role="witness"))
    assert Involvement.objects.filter(incident=incident, person=person).count() == 1
