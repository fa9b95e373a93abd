"""The incident app's writes, by concern (each re-exported here: ``from incidents import services``):

    base.py       what every write shares: the row lock, the permission check, stored evidence, case events
    case.py       the report, the step changes and the case's own fields
    records.py    the records of the steps, their corrections and withdrawals, takedown outcomes
    breach.py     the FG's data-breach review
    evidence.py   the worker's re-encoding of uploaded images
    quarantine.py files showing a minor's nudity: quarantined, then deleted for good
"""

from .base import case_event_record
from .case import (
    incident_report, incident_available_transitions, incident_advance, incident_triage, incident_record_facts,
    incident_decide, incident_view_logged,
)
from .records import evidence_add, incident_add_record, record_withdraw, record_correct, takedown_resolve
from .breach import breach_assess
from .evidence import evidence_queue_processing, evidence_process, evidence_requeue_unprocessed
from .quarantine import evidence_quarantine, quarantine_destroy

__all__ = [
    "case_event_record",
    "incident_report",
    "incident_available_transitions",
    "incident_advance",
    "incident_triage",
    "incident_record_facts",
    "incident_decide",
    "incident_view_logged",
    "evidence_add",
    "incident_add_record",
    "record_withdraw",
    "record_correct",
    "takedown_resolve",
    "breach_assess",
    "evidence_queue_processing",
    "evidence_process",
    "evidence_requeue_unprocessed",
    "evidence_quarantine",
    "quarantine_destroy",
]
