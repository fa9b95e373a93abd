"""Which cases a user sees, the case lists and dashboard, the people and staff of a case, and its evidence."""

import operator
from collections import Counter
from functools import reduce

from django.contrib.auth import get_user_model
from django.db import connection
from django.db.models import BooleanField, Count, Expression, F, Prefetch, Q, Subquery, Value
from django.shortcuts import get_object_or_404
from django.utils import timezone

from portal.access import access_for
from portal.models import Membership, Person, Role, School

from .. import workflow
from ..models import Assignment, Evidence, Incident


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


def incident_full_view_allowed(*, user, incident):
    """Whether the user sees the whole case, not only the report they filed themselves."""
    if access_for(user).leads(incident.school_id):  # the school's own leader: known without a query
        return True
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


def incident_usual_school(*, user, schools):
    """The school the report form offers first: the one of ``schools`` the user last reported for, else their first
    membership among them (the one they joined first)."""
    ids = [school.pk for school in schools]
    last = Incident.objects.filter(reporter=user, school__in=ids).order_by("-reported_at").values_list("school_id", flat=True).first()
    if last is None:
        last = Membership.objects.active().filter(user=user, school__in=ids).order_by("pk").values_list("school_id", flat=True).first()
    return next((school for school in schools if school.pk == last), schools[0] if ids else None)


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
    # A guardian is told apart from another of the same name by their children (one query for all found).
    children = Prefetch("children", queryset=Person.objects.only("pk", "kind", "first_name", "last_name", "class_name")
                        .order_by("first_name", "pk"))
    found = list(
        incident_people(incident=incident).matching(query).prefetch_related(children)
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
        # A quarantined file (a minor's nudity) does not exist for anyone, whatever their role.
        Evidence.objects.filter(Q(incident__in=full_view) | Q(incident__reporter=user, created_by=user),
                                quarantined_at__isnull=True)
        .select_related("incident__school__board"),
        token=token,
    )


def evidence_for_viewer(*, user, incident, full_view):
    """The evidence a viewer of the case sees: all of it, or only what a reporter sent themselves; never what is
    quarantined."""
    evidence = Evidence.objects.current().filter(incident=incident, quarantined_at__isnull=True).select_related("created_by")
    if not full_view:
        evidence = evidence.filter(created_by=user)
    return evidence.order_by("created_at", "pk")


def evidence_servable(*, incident):
    """The files of a case that may be exported or handed over (the caller has checked who asks): current,
    re-encoded, never quarantined; oldest first."""
    return (Evidence.objects.servable().filter(incident=incident).select_related("created_by", "incident")
            .order_by("created_at", "pk"))
