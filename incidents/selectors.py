"""Reads, always scoped to what the user may see."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import BooleanField, Count, Expression, F, Q, Subquery
from django.shortcuts import get_object_or_404

from portal.access import access_for

from . import workflow
from .models import (
    Action, Assignment, Evaluation, Evidence, Incident, InformedParty, Involvement, Message, PoliceReport,
    Takedown, Transition, Waiver,
)


class _AnyOf(Expression):
    """``column = ANY(ARRAY(subquery))`` on PostgreSQL, ``column IN (subquery)`` elsewhere.

    PostgreSQL runs such an uncorrelated subquery once, before the scan, and uses the ids it returns as an
    index condition. An ``EXISTS`` or ``IN (subquery)`` inside an OR is checked row by row instead, which
    turns the OR of the visibility rules below into a sequential scan of every incident.
    """

    output_field = BooleanField()
    conditional = True

    def __init__(self, column, subquery):
        super().__init__()
        self.column, self.subquery = column, subquery

    def get_source_expressions(self):
        return [self.column, self.subquery]

    def set_source_expressions(self, exprs):
        self.column, self.subquery = exprs

    def as_sql(self, compiler, connection):
        column, column_params = compiler.compile(self.column)
        subquery, subquery_params = compiler.compile(self.subquery)  # "(SELECT ...)"
        template = "%s = ANY(ARRAY%s)" if connection.vendor == "postgresql" else "%s IN %s"
        return template % (column, subquery), (*column_params, *subquery_params)


def _schools_of(board_ids):
    from portal.models import School

    return _AnyOf(F("school_id"), Subquery(School.objects.filter(board_id__in=board_ids).values("pk")))


def incident_visibility_q(*, user, include_own_reports=True):
    """The cases a user may read: their own reports, their school's as leader, their board's as board member
    or administrator, their board's privacy incidents as FG, and cases they were asked to work on.

    Every branch is a condition on an indexed column of the incident itself, so PostgreSQL combines them
    with a bitmap OR of index scans instead of reading the whole table."""
    access = access_for(user)
    q = Q(reporter=user) if include_own_reports else Q(pk__in=[])
    if access.led_school_ids:
        q |= Q(school_id__in=access.led_school_ids)
    if access.overseen_board_ids:
        q |= Q(_schools_of(access.overseen_board_ids))
    if access.privacy_board_ids:
        q |= Q(privacy_flag=True) & Q(_schools_of(access.privacy_board_ids))
    q |= Q(_AnyOf(F("pk"), Subquery(Assignment.objects.filter(user=user).values("incident_id"))))
    return q


def incident_list_visible_to(*, user, filters=None):
    qs = Incident.objects.filter(incident_visibility_q(user=user)).select_related("school", "reporter")
    filters = filters or {}
    if filters.get("state"):
        qs = qs.filter(state=filters["state"])
    elif not filters.get("include_closed"):
        qs = qs.filter(state__in=workflow.OPEN_STATES)
    for field in ("severity", "category", "platform"):
        if filters.get(field):
            qs = qs.filter(**{field: filters[field]})
    if filters.get("school"):
        qs = qs.filter(school=filters["school"])
    if filters.get("privacy"):
        qs = qs.filter(privacy_flag=True)
    if filters.get("older_than_days"):
        from django.utils import timezone

        qs = qs.filter(reported_at__lt=timezone.now() - timezone.timedelta(days=filters["older_than_days"]))
    return qs.order_by(filters.get("order") or "-reported_at", "-pk")


def incident_state_counts(*, user, filters=None):
    """Cases per state among those the filters select, leaving out the step filter: one GROUP BY.

    Without "include closed" only the open steps are counted."""
    filters = dict(filters or {}, state=None, order=None)
    rows = incident_list_visible_to(user=user, filters=filters).order_by().values("state").annotate(n=Count("pk"))
    return {row["state"]: row["n"] for row in rows}


def incident_list_count(*, filters, state_counts):
    """The number of cases incident_list_visible_to(filters) lists, read from incident_state_counts with the
    same filters; None when those counts do not cover it (a closed step asked for without "include closed")."""
    filters = filters or {}
    state = filters.get("state")
    if not state:
        return sum(state_counts.values())
    if state in workflow.OPEN_STATES or filters.get("include_closed"):
        return state_counts.get(state, 0)
    return None


def incident_step_counts(*, user, filters=None, state_counts=None):
    """Open cases per step for the dashboard header, one query (none when ``state_counts`` is given)."""
    counts = incident_state_counts(user=user, filters=filters) if state_counts is None else state_counts
    return [(state, state.label, counts.get(state, 0)) for state in workflow.STEPS]


def incident_get_visible(*, user, pk):
    """The case, or a 404 when the user may not see it: other schools' cases do not exist for them."""
    return get_object_or_404(
        Incident.objects.filter(incident_visibility_q(user=user)).select_related(
            "school__board", "reporter", "decided_by", "protocol_version__profile"
        ),
        pk=pk,
    )


def incident_full_view_allowed(*, user, incident):
    """Whether the user sees the whole case, not only the report they filed themselves."""
    return Incident.objects.filter(incident_visibility_q(user=user, include_own_reports=False), pk=incident.pk).exists()


def incident_reported_by(*, user):
    return Incident.objects.filter(reporter=user).select_related("school").order_by("-reported_at", "-pk")


def evidence_get_visible(*, user, token):
    """An evidence file of a case the user sees whole; the reporter gets only what they sent themselves,
    as on the case page."""
    full_view = Incident.objects.filter(incident_visibility_q(user=user, include_own_reports=False))
    return get_object_or_404(
        Evidence.objects.filter(Q(incident__in=full_view) | Q(incident__reporter=user, created_by=user))
        .select_related("incident__school__board"),
        token=token,
    )


@dataclass
class TimelineEntry:
    at: datetime
    kind: str
    actor: object
    record: object


def incident_records(*, incident):
    """Every record of the case, each kind fetched once."""
    return {
        "evidence": list(Evidence.objects.filter(incident=incident).select_related("created_by")),
        "involvements": list(Involvement.objects.filter(incident=incident).select_related("person", "created_by")),
        "actions": list(Action.objects.filter(incident=incident).select_related("created_by")),
        "waivers": list(Waiver.objects.filter(incident=incident).select_related("created_by")),
        "police_reports": list(PoliceReport.objects.filter(incident=incident).select_related("created_by")),
        "takedowns": list(Takedown.objects.filter(incident=incident).select_related("created_by")),
        "informed_parties": list(InformedParty.objects.filter(incident=incident).select_related("created_by")),
        "messages": list(Message.objects.filter(incident=incident).select_related("created_by", "approved_by")),
        "evaluations": list(Evaluation.objects.filter(incident=incident).select_related("created_by")),
        "assignments": list(Assignment.objects.filter(incident=incident).select_related("user", "created_by")),
        "transitions": list(Transition.objects.filter(incident=incident).select_related("actor")),
        "sanctions": list(incident.sanctions.select_related("measure", "person", "proposed_by")),
        "changes": list(
            incident.history.filter(history_change_reason__isnull=False)
            .exclude(history_change_reason="")
            .select_related("history_user")
        ),
    }


def incident_timeline(*, records):
    """Everything that happened on the case, newest first."""
    entries = []
    for kind, items in records.items():
        for item in items:
            if kind == "transitions":
                entries.append(TimelineEntry(item.at, kind, item.actor, item))
            elif kind == "changes":
                entries.append(TimelineEntry(item.history_date, kind, item.history_user, item))
            elif kind == "sanctions":
                entries.append(TimelineEntry(item.proposed_at, kind, item.proposed_by, item))
            else:
                entries.append(TimelineEntry(item.created_at, kind, item.created_by, item))
    entries.sort(key=lambda e: e.at, reverse=True)
    return entries


def breach_list_visible_to(*, user, filters=None):
    """The breach register rows a user may see: the FG's and the administrator's whole board."""
    from .models import BreachAssessment

    access = access_for(user)
    boards = access.privacy_board_ids | access.board_ids["admin"]
    qs = BreachAssessment.objects.filter(incident__school__board_id__in=boards).select_related(
        "incident__school", "decided_by"
    )
    filters = filters or {}
    if filters.get("school"):
        qs = qs.filter(incident__school=filters["school"])
    if filters.get("risk"):
        qs = qs.filter(risk=filters["risk"])
    if filters.get("year"):
        qs = qs.filter(discovered_at__year=filters["year"])
    status = filters.get("status")
    if status == "open":
        qs = qs.ap_decision_open()
    elif status == "overdue":
        qs = qs.overdue()
    elif status == "decided":
        qs = qs.exclude(pk__in=qs.ap_decision_open().values("pk"))
    return qs.order_by(filters.get("order") or "discovered_at", "pk")


def breach_queue_for(*, user):
    """The FG's work list: open privacy reviews of their boards, the nearest deadline first."""
    from .models import BreachAssessment

    boards = access_for(user).privacy_board_ids
    return (
        BreachAssessment.objects.ap_decision_open()
        .filter(incident__school__board_id__in=boards)
        .select_related("incident__school")
        .order_by("discovered_at", "pk")
    )


def breach_overdue_count(*, user):
    from .models import BreachAssessment

    return BreachAssessment.objects.overdue().filter(incident__school__board_id__in=access_for(user).privacy_board_ids).count()


def evidence_for_viewer(*, user, incident, full_view):
    """The evidence a viewer of the case sees: all of it, or only what a reporter sent themselves."""
    evidence = Evidence.objects.filter(incident=incident).select_related("created_by")
    if not full_view:
        evidence = evidence.filter(created_by=user)
    return evidence.order_by("created_at", "pk")
