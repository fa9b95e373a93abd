"""Reads, always scoped to what the user may see."""

import operator
from collections import Counter
from dataclasses import dataclass
from datetime import datetime
from functools import reduce

from django.apps import apps
from django.contrib.auth import get_user_model
from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import BooleanField, Count, Expression, F, Q, Subquery, Value
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats, timezone
from django.utils.dateparse import parse_datetime
from django.utils.text import capfirst
from django.utils.translation import gettext

from portal.access import access_for
from portal.models import Membership, Person, Role, School

from . import workflow
from .models import (
    Action, Assignment, CaseEvent, CaseEventKind, Evaluation, Evidence, Incident, InformedParty, Involvement, Message,
    PoliceReport, Takedown, Transition, Waiver, event_value,
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

    return _AnyOf(F("school_id"), Subquery(School.objects.filter(board_id__in=board_ids).order_by().values("pk")))


def _visibility_conditions(*, user, include_own_reports=True):
    """The reasons a user may read a case, each a condition on an indexed column of the incident, as two
    lists: the broad ones (their school's cases as leader, their board's as board member or administrator,
    their board's privacy incidents as FG) and the personal ones (their own reports, cases they were asked
    to work on)."""
    access = access_for(user)
    broad = []
    if access.led_school_ids:
        broad.append(Q(school_id__in=access.led_school_ids))
    if access.overseen_board_ids:
        broad.append(Q(_schools_of(access.overseen_board_ids)))
    if access.privacy_board_ids:
        broad.append(Q(privacy_flag=True) & Q(_schools_of(access.privacy_board_ids)))
    personal = [Q(reporter=user)] if include_own_reports else []
    personal.append(Q(_AnyOf(F("pk"), Subquery(Assignment.objects.current().filter(user=user).order_by().values("incident_id")))))
    return broad, personal


def _any_of(conditions):
    return reduce(operator.or_, conditions) if conditions else Q(pk__in=[])


def incident_visibility_q(*, user, include_own_reports=True):
    """The cases a user may read, as one condition.

    Every branch is a condition on an indexed column of the incident itself, so PostgreSQL combines them
    with a bitmap OR of index scans instead of reading the whole table."""
    broad, personal = _visibility_conditions(user=user, include_own_reports=include_own_reports)
    return _any_of(broad + personal)


def _visibility_branches(*, user):
    """The same rule as disjoint conditions: each case the user may read matches exactly one of them.

    Queried apart and added up (UNION ALL), a broad branch is a plain index scan: PostgreSQL can then read
    it in index order up to the page it needs, or count it from the index alone, which it cannot do for
    an OR of the conditions. The personal reasons are few cases each and stay one branch."""
    broad, personal = _visibility_conditions(user=user)
    branches = []
    for number, condition in enumerate(broad):
        branches.append(condition & ~_any_of(broad[:number]) if number else condition)
    branches.append(_any_of(personal) & ~_any_of(broad) if broad else _any_of(personal))
    return branches


def _filter_q(filters):
    """The list filters of the dashboard, the register export and the API, as one condition."""
    q = Q()
    if filters.get("state"):
        q &= Q(state=filters["state"])
    elif not filters.get("include_closed"):
        q &= Q(state__in=workflow.OPEN_STATES)
    for field in ("severity", "category", "platform"):
        if filters.get(field):
            q &= Q(**{field: filters[field]})
    if filters.get("school"):
        q &= Q(school=filters["school"])
    if filters.get("privacy"):
        q &= Q(privacy_flag=True)
    if filters.get("older_than_days"):
        q &= Q(reported_at__lt=timezone.now() - timezone.timedelta(days=filters["older_than_days"]))
    return q


def _ordering(filters):
    return [filters.get("order") or "-reported_at", "-pk"]


def incident_list_visible_to(*, user, filters=None):
    filters = filters or {}
    qs = Incident.objects.filter(incident_visibility_q(user=user), _filter_q(filters))
    return qs.select_related("school", "reporter").order_by(*_ordering(filters))


class IncidentList:
    """The cases of incident_list_visible_to, for a paginator: a slice reads only the rows of its page,
    as dicts of the ROW_FIELDS (what a list page shows; no model instances).

    Counts come first, from one GROUP BY per visibility branch (UNION ALL): cases per state, and per branch,
    which tells the rows query which branches hold any case at all (a school leader's own reports outside
    their school usually do not). The branches that do are filtered and ordered on their own and merged
    (UNION ALL, each cut off at the end of the page); the index on (school, state, reported_at) holds every
    column of a row but the school's name. Two queries per page, whatever the number of cases (three for a
    closed step asked for without "include closed", which the counts leave out)."""

    ROW_FIELDS = ("pk", "reported_at", "school__name", "category", "platform", "severity", "state",
                  "state_changed_at", "privacy_flag")

    def __init__(self, *, user, filters=None):
        self.filters = filters or {}
        self.ordering = _ordering(self.filters)
        self.conditions = _visibility_branches(user=user)
        where = _filter_q(self.filters)
        self.branches = [Incident.objects.filter(condition, where) for condition in self.conditions]
        self._counts = None

    def _counted(self):
        """({state: cases}, [{state: cases} per branch]) among the cases the filters select, leaving out the
        step filter: one query. Without "include closed" only the open steps are counted."""
        if self._counts is None:
            if self.filters.get("state"):
                where = _filter_q(dict(self.filters, state=None))
                branches = [Incident.objects.filter(condition, where) for condition in self.conditions]
            else:
                branches = self.branches
            parts = [
                qs.order_by().values("state").annotate(branch=Value(number), n=Count("pk"))
                for number, qs in enumerate(branches)
            ]
            states, per_branch = Counter(), [Counter() for _ in branches]
            for row in parts[0].union(*parts[1:], all=True):
                states[row["state"]] += row["n"]
                per_branch[row["branch"]][row["state"]] += row["n"]
            self._counts = dict(states), per_branch
        return self._counts

    def state_counts(self):
        return self._counted()[0]

    def _counts_tell(self):
        """Whether the counts cover the step asked for (not so for a closed step without "include closed")."""
        state = self.filters.get("state")
        return not state or state in workflow.OPEN_STATES or bool(self.filters.get("include_closed"))

    def count(self):
        state = self.filters.get("state")
        counts = self.state_counts()
        if not state:
            return sum(counts.values())
        if self._counts_tell():
            return counts.get(state, 0)
        parts = [qs.order_by().values("pk") for qs in self.branches]
        return parts[0].union(*parts[1:], all=True).count()

    def __len__(self):
        return self.count()

    def step_counts(self):
        """Open cases per step for the dashboard header: (state, label, count)."""
        counts = self.state_counts()
        return [(state, state.label, counts.get(state, 0)) for state in workflow.STEPS]

    def _branches_with_cases(self):
        if not self._counts_tell():
            return self.branches
        state, per_branch = self.filters.get("state"), self._counted()[1]
        return [qs for qs, counts in zip(self.branches, per_branch) if (counts[state] if state else counts.total())]

    def __getitem__(self, key):
        if not isinstance(key, slice) or key.step is not None:
            raise TypeError("IncidentList supports slices only.")
        start, stop = key.start or 0, key.stop
        if stop is not None and stop <= start:
            return []
        parts = [qs.values(*self.ROW_FIELDS) for qs in self._branches_with_cases()]
        if not parts:
            return []
        if len(parts) == 1:
            return list(parts[0].order_by(*self.ordering)[start:stop])
        if connection.features.supports_slicing_ordering_in_compound:  # PostgreSQL, not SQLite
            # No branch needs to give more than the page's end.
            parts = [part.order_by(*self.ordering)[:stop] if stop is not None else part for part in parts]
        else:
            parts = [part.order_by() for part in parts]
        merged = parts[0].union(*parts[1:], all=True).order_by(*self.ordering)
        return list(merged[start:stop])


def incident_get_visible(*, user, pk):
    """The case, or a 404 when the user may not see it: other schools' cases do not exist for them."""
    return get_object_or_404(
        Incident.objects.filter(incident_visibility_q(user=user)).select_related(
            "school__board", "reporter", "decided_by", "protocol_version__profile"
        ),
        pk=pk,
    )


def breach_incident_get_visible(*, user, pk):
    """A privacy case of a board the user is the FG of (its review page), or a 404."""
    return get_object_or_404(
        Incident.objects.filter(privacy_flag=True, school__board_id__in=access_for(user).privacy_board_ids).select_related(
            "school__board", "reporter", "decided_by", "protocol_version__profile"
        ),
        pk=pk,
    )


def incident_full_view_allowed(*, user, incident):
    """Whether the user sees the whole case, not only the report they filed themselves."""
    return Incident.objects.filter(incident_visibility_q(user=user, include_own_reports=False), pk=incident.pk).exists()


# Who can be asked to help on a case: the school's own people and the board's counsellors and communications officers.
ASSIGNABLE_ROLES = (Role.COUNSELLOR, Role.COMMUNICATIONS, Role.STAFF, Role.SCHOOL_LEADER)


def incident_assignable_users(*, incident):
    """The users who can be asked to help on the case (an Assignment): members of its school, or board-wide."""
    school = incident.school
    members = Membership.objects.active().filter(role__in=ASSIGNABLE_ROLES, board=school.board_id).filter(
        Q(school=school) | Q(school__isnull=True)
    )
    return get_user_model().objects.filter(pk__in=members.values("user_id"))


def incident_report_schools(*, user):
    """The schools the user files reports for (the permission incidents.report_incident), with their board for
    the protocol rules."""
    return School.objects.filter(pk__in=access_for(user).reporting_school_ids).select_related("board").order_by("name")


def incident_spokespeople(*, incident):
    """Who may make or approve an external message or press statement: the board's members (services check
    the permission incidents.speak_for_board for the one chosen)."""
    members = Membership.objects.active().filter(board=incident.school.board_id, role=Role.BOARD)
    return get_user_model().objects.filter(pk__in=members.values("user_id"))


PERSON_SEARCH_LIMIT = 20


def incident_people(*, incident):
    """The people who may be linked to the case: those of its school."""
    return Person.objects.filter(school=incident.school_id)


def incident_people_matching(*, incident, query, limit=PERSON_SEARCH_LIMIT):
    """The people of the case's school that ``query`` finds by name or class: at most ``limit`` of them, and
    whether there were more. Nothing for an empty query: the school's whole list is never read."""
    if not query.split():
        return [], False
    found = list(
        incident_people(incident=incident).matching(query)
        .only("pk", "kind", "first_name", "last_name", "class_name").order_by("last_name", "first_name", "pk")[:limit + 1]
    )
    return found[:limit], len(found) > limit


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
    withdrawal: object = None  # the event that withdrew the record, when it was
    current: object = None  # the record as it is now (the entry may show it as first recorded)


RECORD_KINDS = ("evidence", "involvements", "actions", "waivers", "police_reports", "takedowns", "informed_parties",
                "messages", "evaluations", "assignments")


def incident_records(*, incident):
    """Every record of the case, withdrawn ones included, each kind fetched once, and the case's events."""
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
        "sanctions": list(incident.sanctions.select_related("person", "proposed_by")),
        "changes": list(
            incident.history.filter(history_change_reason__isnull=False)
            .exclude(history_change_reason="")
            .select_related("history_user")
        ),
        "events": list(CaseEvent.objects.filter(incident=incident).select_related("actor")),
        "report": [incident],
    }


RECORD_MODELS = {model.record_type(): model for model in (
    Evidence, Involvement, Action, Waiver, PoliceReport, Takedown, InformedParty, Message, Evaluation, Assignment,
)}


def record_get_visible(*, user, incident, record_type, pk):
    """A record of a case the user sees (the case comes from incident_get_visible); anything else is a 404."""
    model = RECORD_MODELS.get(record_type)
    if model is None:
        raise Http404
    return get_object_or_404(model.objects.filter(incident=incident), pk=pk)


def record_events(*, record):
    """The corrections, outcome changes and withdrawal of one record, oldest first, with their lines."""
    events = list(CaseEvent.objects.filter(incident=record.incident_id, record_type=record.record_type(), record_id=record.pk)
                  .select_related("actor"))
    for event in events:
        event.lines = _event_lines(event, type(record))
    return events


def record_fields(*, record):
    """(label, value in words) of the fields a correction may change."""
    model = type(record)
    return [(capfirst(model._meta.get_field(name).verbose_name), event_value_display(model, name, event_value(record, name)))
            for name in model.correctable_fields]


def current_records(*, records):
    """The records that count, per kind: what the case's summary and report list (withdrawn ones only in the
    timeline)."""
    return {kind: [r for r in records.get(kind, ()) if not r.is_withdrawn] for kind in RECORD_KINDS}


def _record_model(record_type):
    for app_label in ("incidents", "sanctions"):
        try:
            return apps.get_model(app_label, record_type)
        except LookupError:
            continue
    return None


def event_value_display(model, name, value):
    """A value as a case event keeps it (models.event_value), in words."""
    if value is None or value == "":
        return "—"
    if isinstance(value, dict):  # a related row by its name, or a text that is not repeated here
        return value.get("text") or gettext("changed")
    try:
        field = model._meta.get_field(name) if model is not None else None
    except FieldDoesNotExist:
        field = None
    if field is not None and field.choices:
        if hasattr(model, "choice_label"):
            return model.choice_label(name, value)
        return dict(field.flatchoices).get(value, value)
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, str) and field is not None and field.get_internal_type() == "DateTimeField":
        moment = parse_datetime(value)
        if moment is not None:
            return formats.date_format(timezone.localtime(moment), "j M Y H:i")
    return str(value)


def _event_lines(event, model):
    """(field label, old value, new value) per change; old is None where there was none."""
    lines = []
    for name, change in event.changes.items():
        if name.startswith("_"):  # a marker, not a field
            continue
        old, new = change
        try:
            label = capfirst(model._meta.get_field(name).verbose_name)
        except (FieldDoesNotExist, AttributeError):
            label = name
        shown_old = None if old is None or old == "" else event_value_display(model, name, old)
        lines.append((label, shown_old, event_value_display(model, name, new)))
    return lines


def _as_first_recorded(record, events):
    """The record with the values it was logged with: every field a later correction or outcome changed is put
    back to the old value of the first such change. The timeline's first entry never shows a later value."""
    import copy

    first = {}
    for event in events:  # oldest first
        if event.kind in (CaseEventKind.RECORD_CORRECTED, CaseEventKind.TAKEDOWN_OUTCOME):
            for name, change in event.changes.items():
                if not name.startswith("_"):
                    first.setdefault(name, change[0])
    if not first:
        return record
    shown = copy.copy(record)
    for name, old in first.items():
        field = record._meta.get_field(name)
        if not field.is_relation:
            setattr(shown, field.attname, field.to_python(old) if old is not None else None)
    return shown


def incident_timeline(*, records):
    """Everything that happened on the case, newest first: the report, each record as first logged (struck
    through when withdrawn), the step changes and field changes, and every event (outcomes, corrections,
    withdrawals, the FG's review, LVI reports). No query: it works on what incident_records read."""
    events = records.get("events", [])
    per_record = {}
    for event in events:
        if event.record_id is not None:
            per_record.setdefault((event.record_type, event.record_id), []).append(event)
    entries, by_key = [], {}
    for kind, items in records.items():
        for item in items:
            if kind == "events":
                continue
            if kind == "report":
                entries.append(TimelineEntry(item.reported_at, kind, item.reporter, item))
            elif kind == "transitions":
                entries.append(TimelineEntry(item.at, kind, item.actor, item))
            elif kind == "changes":
                entries.append(TimelineEntry(item.history_date, kind, item.history_user, item))
            elif kind == "sanctions":
                entries.append(TimelineEntry(item.proposed_at, kind, item.proposed_by, item))
            else:
                key = (item.record_type(), item.pk)
                by_key[key] = item
                own = per_record.get(key, ())
                withdrawal = next((e for e in own if e.kind == CaseEventKind.RECORD_WITHDRAWN), None)
                entries.append(TimelineEntry(item.created_at, kind, item.created_by, _as_first_recorded(item, own),
                                             withdrawal=withdrawal, current=item))
    models = {}
    for event in events:
        if event.record_type not in models:
            models[event.record_type] = _record_model(event.record_type) if event.record_type else None
        model = models[event.record_type]
        event.subject = by_key.get((event.record_type, event.record_id))
        event.record_label = model._meta.verbose_name if model is not None else ""
        event.lines = _event_lines(event, model)
        entries.append(TimelineEntry(event.at, "events", event.actor, event))
    # Newest first; of entries at the same moment, the one written last (the events come in the order written).
    entries.reverse()
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
    evidence = Evidence.objects.current().filter(incident=incident).select_related("created_by")
    if not full_view:
        evidence = evidence.filter(created_by=user)
    return evidence.order_by("created_at", "pk")
