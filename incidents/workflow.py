"""The seven steps of protocol 002 §11: the states, the allowed transitions and what each step needs.

``TRANSITIONS`` is the one table of step changes. ``Incident`` inherits its django-fsm transition methods
from ``IncidentTransitions``, which is built from the table (each row's guard is the method's condition),
so the whole workflow can be read, and tested, in one file.
"""

from typing import Callable, NamedTuple

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_fsm import transition


class State(models.TextChoices):
    REPORTED = "reported", _("1. Report")
    GATHERING = "gathering", _("2. Gathering information")
    ASSESSING = "assessing", _("3. Assessing criminality")
    CONTAINING = "containing", _("4. Stopping the snowball")
    INFORMING = "informing", _("5. Informing those involved")
    COMMUNICATING = "communicating", _("6. Communication")
    EVALUATING = "evaluating", _("7. Evaluation")
    CLOSED = "closed", _("Closed")
    DISMISSED = "dismissed", _("Dismissed (not an incident)")


STEPS = [
    State.REPORTED, State.GATHERING, State.ASSESSING, State.CONTAINING,
    State.INFORMING, State.COMMUNICATING, State.EVALUATING,
]
OPEN_STATES = frozenset(STEPS)

MAIN_LINE = [*STEPS, State.CLOSED]


def step_number(state):
    return STEPS.index(state) + 1 if state in OPEN_STATES else None


class WaivableItem(models.TextChoices):
    """Work a step asks for that may be marked 'not applicable', with a reason."""

    CONFRONTATION = "confrontation", _("Confronting the perpetrator")
    SANCTIONS = "sanctions", _("Sanctions")
    AFTERCARE = "aftercare", _("Aftercare")
    TAKEDOWNS = "takedowns", _("Harmful posts")
    FORWARD_REQUEST = "forward_request", _("Asking people not to forward")
    MESSAGES = "messages", _("Communication")


class Needed(str):
    """One thing a step still needs, as the sentence to show, with the forms that record it: each a (kind of record,
    initial values) pair, the first the usual way and any others the alternatives (such as "not applicable").
    The case page puts each item's form beside it; everything else reads it as the sentence it is."""

    forms: tuple = ()

    def __new__(cls, text, *forms):
        needed = super().__new__(cls, text)
        needed.forms = forms
        return needed


def _action(kind):
    return ("action", {"kind": kind})


def _waiver(item):
    return ("waiver", {"item": item})


def _has(incident, related, **filters):
    """Whether the case holds such a record; a withdrawn record does not count."""
    records = getattr(incident, related).all()
    if hasattr(records, "current"):
        records = records.current()
    return records.filter(**filters).exists()


def _done_or_waived(incident, kind):
    return _has(incident, "actions", kind=kind) or _has(incident, "waivers", item=kind)


def _assessment_missing(incident):
    from .models import ActionKind, Decision, VictimType

    missing = []
    if not incident.decision:
        return [Needed(_("Record the decision: is this a criminal offence, possibly one, or not?"), ("decision", {}))]
    has_police_report = _has(incident, "police_reports")
    if incident.decision == Decision.NOT_CRIMINAL:
        if not _done_or_waived(incident, ActionKind.CONFRONTATION):
            missing.append(Needed(_("Confront the perpetrator(s) with the facts, or record why that is not applicable."),
                                  _action(ActionKind.CONFRONTATION), _waiver(WaivableItem.CONFRONTATION)))
        if not _done_or_waived(incident, ActionKind.SANCTIONS) and not _has(incident, "sanctions", status__in=["proposed", "decided"]):
            missing.append(Needed(_("Record whether sanctions are imposed, or why they are not applicable."),
                                  _action(ActionKind.SANCTIONS), _waiver(WaivableItem.SANCTIONS)))
        if not _done_or_waived(incident, ActionKind.AFTERCARE):
            missing.append(Needed(_("Arrange aftercare with the mentor and/or confidential counsellor, or record why it is not applicable."),
                                  _action(ActionKind.AFTERCARE), _waiver(WaivableItem.AFTERCARE)))
        return missing
    if incident.decision == Decision.POSSIBLY_CRIMINAL:
        if not _has(incident, "actions", kind=ActionKind.POLICE_CONSULTATION) and not has_police_report:
            missing.append(Needed(_("Put the situation to the police and record the date, contact and outcome."),
                                  _action(ActionKind.POLICE_CONSULTATION), ("police_report", {})))
        return missing
    # Criminal: what must be done depends on who the victim is.
    if not incident.victim_type:
        return [Needed(_("Record who the victim is: a pupil, a staff member or the school."), ("decision", {}))]
    if incident.victim_type == VictimType.SCHOOL:
        if not _has(incident, "police_reports", filed_by="school"):
            missing.append(Needed(_("The school leader files a police report: record when and the police reference."),
                                  ("police_report", {"filed_by": "school"})))
    else:
        consultations = incident.actions.current().filter(kind=ActionKind.VICTIM_CONSULTATION)
        if not consultations.exists():
            if incident.victim_type == VictimType.PUPIL:
                missing.append(Needed(_("Consult the guardians of the pupil on whether to file a police report."),
                                      _action(ActionKind.VICTIM_CONSULTATION)))
            else:
                missing.append(Needed(_("Consult the staff member on whether to file a police report."),
                                      _action(ActionKind.VICTIM_CONSULTATION)))
        elif consultations.filter(wants_police_report=True).exists() and not has_police_report:
            missing.append(Needed(_("A police report is wanted: record who filed it, when, and the police reference."),
                                  ("police_report", {})))
        if incident.school.board.police_on_any_suspicion and not has_police_report:
            missing.append(Needed(_("Your board's protocol requires a police report for every possible offence: record it."),
                                  ("police_report", {})))
    if not _has(incident, "actions", kind=ActionKind.STAY_INFORMED):
        missing.append(Needed(_("Record how everyone stays informed."), _action(ActionKind.STAY_INFORMED)))
    return missing


def missing_work(incident):
    """What still has to be done before the case can leave its current step, as sentences to show."""
    from .models import ActionKind, TakedownOutcome

    from portal.protocols import protocol_rules

    state = incident.state
    missing = []
    for extra in protocol_rules(incident.school.board).extra_actions:
        if extra["step"] == state and not _has(incident, "actions", kind="protocol", protocol_code=extra["code"]):
            missing.append(Needed(_("Your board's protocol requires: %(action)s.") % {"action": extra["label"]},
                                  _action(f"protocol:{extra['code']}")))
    if state == State.REPORTED:
        if not incident.severity:
            missing.append(Needed(_("Set the severity of the report."), ("triage", {})))
    elif state == State.GATHERING:
        if not incident.facts_account.strip() and not _has(incident, "evidence"):
            missing.append(Needed(_("Record the facts: add evidence or write an account of what happened."),
                                  ("facts", {}), ("evidence", {})))
        if not _has(incident, "involvements"):
            missing.append(Needed(_("Link the people involved (victim, perpetrator, witnesses)."), ("involvement", {})))
    elif state == State.ASSESSING:
        missing.extend(_assessment_missing(incident))
    elif state == State.CONTAINING:
        if not _has(incident, "takedowns") and not _has(incident, "waivers", item=WaivableItem.TAKEDOWNS):
            missing.append(Needed(_("Log each harmful post, or record why there are none to take down."),
                                  ("takedown", {}), _waiver(WaivableItem.TAKEDOWNS)))
        if _has(incident, "takedowns", outcome=TakedownOutcome.PENDING):
            missing.append(Needed(_("Record the outcome of every harmful post's takedown."), ("takedown_outcome", {})))
        if not _done_or_waived(incident, ActionKind.FORWARD_REQUEST):
            missing.append(Needed(_("Ask the people who received the posts not to forward them, or record why that is not applicable."),
                                  _action(ActionKind.FORWARD_REQUEST), _waiver(WaivableItem.FORWARD_REQUEST)))
    elif state == State.INFORMING:
        if not _has(incident, "informed_parties"):
            missing.append(Needed(_("Record who was informed, when, what was said and the next steps."), ("informed", {})))
    elif state == State.COMMUNICATING:
        if not _has(incident, "messages") and not _has(incident, "waivers", item=WaivableItem.MESSAGES):
            missing.append(Needed(_("Log the messages sent (internal first, then external), or record why none were needed."),
                                  ("message", {}), _waiver(WaivableItem.MESSAGES)))
    elif state == State.EVALUATING:
        if not _has(incident, "evaluations"):
            missing.append(Needed(_("Record the evaluation: did the protocol and the measures work?"), ("evaluation", {})))
        missing.extend(closing_blockers(incident))
    return missing


def closing_blockers(incident):
    """What keeps the case open whatever its step: a data-breach review the FG has not concluded. Only the FG
    concludes it (also as "no data breach"), so the message names them."""
    if not incident.privacy_flag:  # every case with a review is flagged (services.incident_triage keeps it so)
        return []
    from .models import BreachAssessment
    from .notifications import privacy_officer_names

    review = BreachAssessment.objects.filter(incident_id=incident.pk).first()
    if review is None or review.is_concluded:
        return []
    return [_("The privacy officer (FG) — %(names)s — has not concluded the data-breach review yet. Only the FG "
              "concludes it (also when it is no data breach); until then the case cannot be closed.")
            % {"names": privacy_officer_names(incident.school)}]


class StepChange(NamedTuple):
    """One row of the transition table. ``guard`` says, as sentences to show, what blocks the change now;
    ``needs_reason`` asks for a note."""

    name: str
    source: State
    target: State
    label: str
    guard: Callable
    needs_reason: bool = False

    def may_proceed(self, incident):
        """The transition's django-fsm condition: nothing blocks it."""
        return not self.guard(incident)


def nothing_blocks(incident):
    return []


# The complete table: the transition methods on Incident, the walkthrough and the demo data derive from it.
# Anything not listed is refused.
TRANSITIONS = [
    StepChange("start_gathering", State.REPORTED, State.GATHERING, _("Start gathering information"), missing_work),
    StepChange("dismiss", State.REPORTED, State.DISMISSED, _("Dismiss: not an incident"), closing_blockers, needs_reason=True),
    StepChange("start_assessing", State.GATHERING, State.ASSESSING, _("Go to assessing criminality"), missing_work),
    StepChange("start_containing", State.ASSESSING, State.CONTAINING, _("Go to stopping the snowball"), missing_work),
    StepChange("start_informing", State.CONTAINING, State.INFORMING, _("Go to informing those involved"), missing_work),
    StepChange("start_communicating", State.INFORMING, State.COMMUNICATING, _("Go to communication"), missing_work),
    StepChange("start_evaluating", State.COMMUNICATING, State.EVALUATING, _("Go to evaluation"), missing_work),
    StepChange("close", State.EVALUATING, State.CLOSED, _("Close the case"), missing_work),
    StepChange("reopen", State.CLOSED, State.GATHERING, _("Reopen the case"), nothing_blocks, needs_reason=True),
]
TRANSITIONS_BY_NAME = {change.name: change for change in TRANSITIONS}
TRANSITION_LABELS = {change.name: change.label for change in TRANSITIONS}
# Each open step's change to the next step of the main line (what "work the case through" takes).
FORWARD = {change.source: change.name for change in TRANSITIONS
           if change.source in OPEN_STATES and change.target == MAIN_LINE[MAIN_LINE.index(change.source) + 1]}


def transition_between(source, target):
    """The name of the step change from ``source`` to ``target``."""
    return next(change.name for change in TRANSITIONS if (change.source, change.target) == (source, target))


def transition_blockers(incident, name, missing=None):
    """What blocks step change ``name`` now, as sentences to show: the table's guard of the change.
    ``missing`` is ``missing_work(incident)`` when the caller already has it."""
    guard = TRANSITIONS_BY_NAME[name].guard
    if guard is missing_work and missing is not None:
        return missing
    return guard(incident)


def step_done(incident):
    return not missing_work(incident)


def may_transition(incident, user):
    """Who moves the case through the steps: the permission ``incidents.transition_incident`` (incidents/rules.py)."""
    from rules import has_perm

    return has_perm("incidents.transition_incident", user, incident)


def _transition_method(change):
    def method(incident):
        """Only moves the state: services.incident_advance locks, checks the note, logs and notifies."""

    method.__name__ = change.name
    method.__qualname__ = f"IncidentTransitions.{change.name}"
    return transition(field="state", source=change.source, target=change.target, conditions=[change.may_proceed],
                      permission=may_transition, custom={"needs_reason": change.needs_reason})(method)


# The table as django-fsm transition methods (Incident inherits them; django-fsm collects inherited ones).
IncidentTransitions = type("IncidentTransitions", (), {
    "__module__": __name__,
    "__doc__": "The step changes of TRANSITIONS as django-fsm transition methods.",
    **{change.name: _transition_method(change) for change in TRANSITIONS},
})
