"""An incident and every record the seven protocol steps produce, by concern (each re-exported here):

    incident.py   the case, its choices and its step changes
    records.py    the records of the steps (evidence, people, actions, police reports, takedowns, ...)
    breach.py     the FG's data-breach review
    events.py     the case's append-only events (outcome changes, corrections, withdrawals, ...)
"""

from .incident import (
    private_storage, Platform, Category, Severity, Decision, VictimType, ChoiceLabelsMixin, Incident, Transition,
)
from .records import (
    IncidentRecordQuerySet, EvidenceQuerySet, IncidentRecord, Evidence, InvolvementRole, Involvement, ActionKind, Action, Waiver,
    PoliceReportFiler, PoliceReport, TakedownOutcome, WATCHED_TAKEDOWN_OUTCOMES, Takedown, InformedParty, Audience,
    Message, ProtocolWorked, Evaluation, AssignmentKind, Assignment,
)
from .breach import BreachRisk, BREACH_REPORTABLE, BREACH_DEADLINE, BreachAssessmentQuerySet, BreachAssessment
from .events import CaseEventKind, event_value, CaseEvent

__all__ = [
    "private_storage",
    "Platform",
    "Category",
    "Severity",
    "Decision",
    "VictimType",
    "ChoiceLabelsMixin",
    "Incident",
    "Transition",
    "IncidentRecordQuerySet",
    "EvidenceQuerySet",
    "IncidentRecord",
    "Evidence",
    "InvolvementRole",
    "Involvement",
    "ActionKind",
    "Action",
    "Waiver",
    "PoliceReportFiler",
    "PoliceReport",
    "TakedownOutcome",
    "WATCHED_TAKEDOWN_OUTCOMES",
    "Takedown",
    "InformedParty",
    "Audience",
    "Message",
    "ProtocolWorked",
    "Evaluation",
    "AssignmentKind",
    "Assignment",
    "BreachRisk",
    "BREACH_REPORTABLE",
    "BREACH_DEADLINE",
    "BreachAssessmentQuerySet",
    "BreachAssessment",
    "CaseEventKind",
    "event_value",
    "CaseEvent",
]
