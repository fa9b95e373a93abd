"""Walk a case through the steps by doing each step's work with the real services.

Used by the demo data and by the test factories, so both hold cases whose records are exactly what the
guards ask for, never states set by hand.
"""

from contextlib import nullcontext

from django.utils import timezone

from portal.models import Person, PersonKind

from . import services
from .models import (
    Action, ActionKind, BreachAssessment, BreachRisk, Evaluation, InformedParty, Involvement, InvolvementRole,
    PoliceReport, Takedown, TakedownOutcome, Waiver,
)
from .workflow import FORWARD, MAIN_LINE, State, WaivableItem


def _person(incident, kind):
    person = Person.objects.filter(school=incident.school, kind=kind).order_by("pk").first()
    if person is None:
        person = Person.objects.create(school=incident.school, kind=kind, first_name="Onbekend", last_name="Betrokkene")
    return person


def _add(incident, actor, record):
    return services.incident_add_record(incident=incident, actor=actor, record=record)


def do_step_work(incident, actor):
    """Do exactly the work the current step needs before it can be left."""
    state = incident.state
    if state == State.REPORTED:
        services.incident_triage(incident=incident, actor=actor, severity=incident.severity or "medium",
                                 category=incident.category, privacy_flag=incident.privacy_flag)
    elif state == State.GATHERING:
        services.incident_record_facts(
            incident=incident, actor=actor,
            facts_account="Gesprekken gevoerd met de melder en het slachtoffer; screenshots zijn bewaard.",
        )
        if not incident.involvements.current().exists():
            _add(incident, actor, Involvement(person=_person(incident, PersonKind.PUPIL), role=InvolvementRole.VICTIM))
    elif state == State.ASSESSING:
        if not incident.decision:
            services.incident_decide(incident=incident, actor=actor, decision="not_criminal",
                                     reasoning="Grensoverschrijdend, maar geen strafbaar feit.")
        incident.refresh_from_db()
        if incident.decision == "not_criminal":
            _add(incident, actor, Action(kind=ActionKind.CONFRONTATION, with_whom="De dader en mentor",
                                         outcome="De feiten zijn voorgelegd; de dader erkent het bericht."))
            _add(incident, actor, Action(kind=ActionKind.SANCTIONS, outcome="Waarschuwing gegeven."))
            _add(incident, actor, Action(kind=ActionKind.AFTERCARE, with_whom="Mentor",
                                         outcome="Wekelijks gesprek met de mentor."))
        elif incident.decision == "possibly_criminal":
            _add(incident, actor, Action(kind=ActionKind.POLICE_CONSULTATION, with_whom="Wijkagent",
                                         outcome="Voorgelegd; de politie neemt contact op met de ouders."))
        else:
            if incident.victim_type == "school":
                _add(incident, actor, PoliceReport(filed_by="school", filed_at=timezone.now(), police_reference="PL-2026-001"))
            else:
                _add(incident, actor, Action(kind=ActionKind.VICTIM_CONSULTATION, with_whom="Ouders van het slachtoffer",
                                             outcome="Ouders willen aangifte doen.", wants_police_report=True))
                _add(incident, actor, PoliceReport(filed_by="guardians", filed_at=timezone.now(), police_reference="PL-2026-002"))
            _add(incident, actor, Action(kind=ActionKind.STAY_INFORMED, outcome="Wekelijks contact met ouders en politie."))
    elif state == State.CONTAINING:
        _add(incident, actor, Takedown(platform=incident.platform, description="Het bericht met de foto",
                                       outcome=TakedownOutcome.REMOVED_BY_AUTHOR))
        _add(incident, actor, Action(kind=ActionKind.FORWARD_REQUEST, with_whom="De klas",
                                     outcome="Gevraagd het bericht niet door te sturen en te verwijderen."))
    elif state == State.INFORMING:
        _add(incident, actor, InformedParty(who="Ouders van het slachtoffer", what_was_said="Wat er bekend is.",
                                            next_steps="Gesprek volgende week."))
    elif state == State.COMMUNICATING:
        _add(incident, actor, Waiver(item=WaivableItem.MESSAGES, reason="Geen communicatie buiten de betrokkenen nodig."))
    elif state == State.EVALUATING:
        _add(incident, actor, Evaluation(protocol_worked="yes", measures_worked="De maatregelen werkten."))
        conclude_breach_review(incident)


def conclude_breach_review(incident):
    """The board's FG concludes an open data-breach review: a case is not closed before (only the FG may)."""
    from .notifications import privacy_officers

    review = BreachAssessment.objects.filter(incident=incident).first()
    if review is None or not review.ap_decision_open:
        return
    officer = privacy_officers(incident.school).first()
    if officer is None:
        raise ValueError(f"{incident.reference} has an open data-breach review and its board has no privacy officer (FG).")
    services.breach_assess(incident=incident, actor=officer, risk=BreachRisk.NONE,
                           risk_reasoning="Beperkte kring ontvangers; geen risico voor de betrokkenen.")


def walk_to(incident, target, actor, clock=nullcontext):
    """Advance ``incident`` step by step until it reaches ``target`` (a state of the main line, or dismissed).

    Each step's work and step change run inside ``clock()``: the demo data sets the time there, so that its cases
    spend hours and days in a step rather than none."""
    if target == State.DISMISSED:
        with clock():
            conclude_breach_review(incident)
            return services.incident_advance(incident=incident, transition="dismiss", actor=actor, note="Geen incident.")
    while MAIN_LINE.index(incident.state) < MAIN_LINE.index(target):
        with clock():
            do_step_work(incident, actor)
            incident = services.incident_advance(incident=incident, transition=FORWARD[incident.state], actor=actor)
    return incident


