"""The seven steps of protocol 002 §11: the states, the allowed transitions and what each step needs.

The transition methods live on ``Incident`` (django-fsm); they point here for their guards so that
the whole workflow can be read, and tested, in one file.
"""

from django.db import models
from django.utils.translation import gettext_lazy as _


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

# (transition method name, source, target): the complete table. Anything not listed is refused.
TRANSITIONS = [
    ("start_gathering", State.REPORTED, State.GATHERING),
    ("dismiss", State.REPORTED, State.DISMISSED),
    ("start_assessing", State.GATHERING, State.ASSESSING),
    ("start_containing", State.ASSESSING, State.CONTAINING),
    ("start_informing", State.CONTAINING, State.INFORMING),
    ("start_communicating", State.INFORMING, State.COMMUNICATING),
    ("start_evaluating", State.COMMUNICATING, State.EVALUATING),
    ("close", State.EVALUATING, State.CLOSED),
    ("reopen", State.CLOSED, State.GATHERING),
]
TRANSITION_LABELS = {
    "start_gathering": _("Start gathering information"),
    "dismiss": _("Dismiss: not an incident"),
    "start_assessing": _("Go to assessing criminality"),
    "start_containing": _("Go to stopping the snowball"),
    "start_informing": _("Go to informing those involved"),
    "start_communicating": _("Go to communication"),
    "start_evaluating": _("Go to evaluation"),
    "close": _("Close the case"),
    "reopen": _("Reopen the case"),
}


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
        return [_("Record the decision: is this a criminal offence, possibly one, or not?")]
    has_police_report = _has(incident, "police_reports")
    if incident.decision == Decision.NOT_CRIMINAL:
        if not _done_or_waived(incident, ActionKind.CONFRONTATION):
            missing.append(_("Confront the perpetrator(s) with the facts, or record why that is not applicable."))
        if not _done_or_waived(incident, ActionKind.SANCTIONS) and not _has(incident, "sanctions", status__in=["proposed", "decided"]):
            missing.append(_("Record whether sanctions are imposed, or why they are not applicable."))
        if not _done_or_waived(incident, ActionKind.AFTERCARE):
            missing.append(_("Arrange aftercare with the mentor and/or confidential counsellor, or record why it is not applicable."))
        return missing
    if incident.decision == Decision.POSSIBLY_CRIMINAL:
        if not _has(incident, "actions", kind=ActionKind.POLICE_CONSULTATION) and not has_police_report:
            missing.append(_("Put the situation to the police and record the date, contact and outcome."))
        return missing
    # Criminal: what must be done depends on who the victim is.
    if not incident.victim_type:
        return [_("Record who the victim is: a pupil, a staff member or the school.")]
    if incident.victim_type == VictimType.SCHOOL:
        if not _has(incident, "police_reports", filed_by="school"):
            missing.append(_("The school leader files a police report: record when and the police reference."))
    else:
        consultations = incident.actions.current().filter(kind=ActionKind.VICTIM_CONSULTATION)
        if not consultations.exists():
            if incident.victim_type == VictimType.PUPIL:
                missing.append(_("Consult the guardians of the pupil on whether to file a police report."))
            else:
                missing.append(_("Consult the staff member on whether to file a police report."))
        elif consultations.filter(wants_police_report=True).exists() and not has_police_report:
            missing.append(_("A police report is wanted: record who filed it, when, and the police reference."))
        if incident.school.board.police_on_any_suspicion and not has_police_report:
            missing.append(_("Your board's protocol requires a police report for every possible offence: record it."))
    if not _has(incident, "actions", kind=ActionKind.STAY_INFORMED):
        missing.append(_("Record how everyone stays informed."))
    return missing


def missing_work(incident):
    """What still has to be done before the case can leave its current step, as sentences to show."""
    from .models import ActionKind, TakedownOutcome

    from portal.protocols import protocol_rules

    state = incident.state
    missing = []
    for extra in protocol_rules(incident.school.board).extra_actions:
        if extra["step"] == state and not _has(incident, "actions", kind="protocol", protocol_code=extra["code"]):
            missing.append(_("Your board's protocol requires: %(action)s.") % {"action": extra["label"]})
    if state == State.REPORTED:
        if not incident.severity:
            missing.append(_("Set the severity of the report."))
    elif state == State.GATHERING:
        if not incident.facts_account.strip() and not _has(incident, "evidence"):
            missing.append(_("Record the facts: add evidence or write an account of what happened."))
        if not _has(incident, "involvements"):
            missing.append(_("Link the people involved (victim, perpetrator, witnesses)."))
    elif state == State.ASSESSING:
        missing.extend(_assessment_missing(incident))
    elif state == State.CONTAINING:
        if not _has(incident, "takedowns") and not _has(incident, "waivers", item=WaivableItem.TAKEDOWNS):
            missing.append(_("Log each harmful post, or record why there are none to take down."))
        if _has(incident, "takedowns", outcome=TakedownOutcome.PENDING):
            missing.append(_("Record the outcome of every harmful post's takedown."))
        if not _done_or_waived(incident, ActionKind.FORWARD_REQUEST):
            missing.append(_("Ask the people who received the posts not to forward them, or record why that is not applicable."))
    elif state == State.INFORMING:
        if not _has(incident, "informed_parties"):
            missing.append(_("Record who was informed, when, what was said and the next steps."))
    elif state == State.COMMUNICATING:
        if not _has(incident, "messages") and not _has(incident, "waivers", item=WaivableItem.MESSAGES):
            missing.append(_("Log the messages sent (internal first, then external), or record why none were needed."))
    elif state == State.EVALUATING:
        if not _has(incident, "evaluations"):
            missing.append(_("Record the evaluation: did the protocol and the measures work?"))
        missing.extend(closing_blockers(incident))
    return missing


# The step changes that end a case; what keeps a case open (closing_blockers) blocks each of them.
ENDING_TRANSITIONS = frozenset(name for name, _source, target in TRANSITIONS if target not in OPEN_STATES)


def closing_blockers(incident):
    """What keeps the case open whatever its step: a data-breach review the FG has not concluded. Only the FG
    concludes it (also as "no data breach"), so the message names them."""
    if not incident.privacy_flag:  # every case with a review is flagged (services.incident_triage keeps it so)
        return []
    from .models import BreachAssessment
    from .notifications import privacy_officer_names

    if not BreachAssessment.objects.filter(incident_id=incident.pk).ap_decision_open().exists():
        return []
    return [_("The privacy officer (FG) — %(names)s — has not concluded the data-breach review yet. Only the FG "
              "concludes it (also when it is no data breach); until then the case cannot be closed.")
            % {"names": privacy_officer_names(incident.school)}]


def transition_blockers(incident, name, missing=None):
    """What blocks step change ``name`` now: the current step's missing work for a step that needs it done,
    and what keeps the case open for a change that ends it. ``missing`` is ``missing_work(incident)`` when
    the caller already has it."""
    from .models import Incident

    method = getattr(Incident, name)
    meta = method._django_fsm.get_transition(incident.state)
    if meta is not None and meta.conditions:
        return missing_work(incident) if missing is None else missing
    if name in ENDING_TRANSITIONS:
        return closing_blockers(incident)
    return []


def step_done(incident):
    return not missing_work(incident)


def may_transition(incident, user):
    """Who moves the case through the steps: the permission ``incidents.transition_incident`` (incidents/rules.py)."""
    from rules import has_perm

    return has_perm("incidents.transition_incident", user, incident)
