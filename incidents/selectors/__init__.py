"""The incident app's reads, always scoped to the user (each re-exported here: ``from incidents import selectors``):

    cases.py      which cases a user sees, the case lists, the people and staff of a case, evidence
    timeline.py   a case's records and its timeline
    breach.py     the FG's breach queue and register
"""

from .cases import (
    incident_visibility_q, incident_list_visible_to, IncidentList, incident_get_visible, incident_full_view_allowed,
    ASSIGNABLE_ROLES, incident_assignable_users, incident_report_schools, incident_usual_school, incident_spokespeople,
    PERSON_SEARCH_LIMIT, incident_people, incident_people_matching, incident_reported_by, evidence_get_visible,
    evidence_for_viewer, evidence_servable,
)
from .timeline import (
    TimelineEntry, RECORD_KINDS, incident_records, RECORD_MODELS, record_get_visible, record_events, record_fields,
    current_records, event_value_display, incident_timeline, incident_timeline_page, incident_summary_records,
    timeline_cursor, parse_timeline_cursor,
)
from .breach import (
    breach_incident_get_visible, breach_list_visible_to, breach_register_board_ids, breach_queue_for, breach_overdue_count,
)

__all__ = [
    "incident_visibility_q",
    "incident_list_visible_to",
    "IncidentList",
    "incident_get_visible",
    "incident_full_view_allowed",
    "ASSIGNABLE_ROLES",
    "incident_assignable_users",
    "incident_report_schools",
    "incident_usual_school",
    "incident_spokespeople",
    "PERSON_SEARCH_LIMIT",
    "incident_people",
    "incident_people_matching",
    "incident_reported_by",
    "evidence_get_visible",
    "evidence_for_viewer",
    "evidence_servable",
    "TimelineEntry",
    "RECORD_KINDS",
    "incident_records",
    "RECORD_MODELS",
    "record_get_visible",
    "record_events",
    "record_fields",
    "current_records",
    "event_value_display",
    "incident_timeline",
    "incident_timeline_page",
    "timeline_cursor",
    "parse_timeline_cursor",
    "incident_summary_records",
    "breach_incident_get_visible",
    "breach_list_visible_to",
    "breach_register_board_ids",
    "breach_queue_for",
    "breach_overdue_count",
]
