"""The pages a school leader opens every day run the same number of queries for 10 rows as for 1,000.

Rows are made with bulk_create (no services, no history) so that 1,000 of them take a fraction of a second.
The bound is the same for both sizes: a query per row (an N+1) would break it at once.
"""

import datetime

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from incidents import selectors, workflow
from incidents.case_page import TIMELINE_SHOWN
from incidents.models import (
    Action, ActionKind, Assignment, AssignmentKind, CaseEvent, CaseEventKind, Evidence, Incident, InformedParty, Involvement, InvolvementRole,
    Message, Takedown, Transition,
)
from incidents.workflow import OPEN_STATES, State
from portal.models import Notification, Person, Role
from tests.factories import member

pytestmark = pytest.mark.django_db

SIZES = [10, 1000]
STATES = list(State)
FILTERED = "?include_closed=on&category=bullying&severity=high&order=state_changed_at&page=2"

# Measured, and kept as the bound for every size. The list: session, user, memberships, the filter form's
# schools (only for who sees several), the counts per step and per visibility branch (which also give the
# paginator its total, so no COUNT(*) of its own), the page of rows (UNION ALL over the branches that hold
# cases), the unread count and the session save. The case page: the case, the audit row, one query
# per kind of record, one for the case's events, the forms' choices and the step checks.
DASHBOARD_QUERIES = 10
CASE_PAGE_QUERIES = 27


def _incidents(school, reporter, n, **fields):
    now = timezone.now()
    return Incident.objects.bulk_create([
        Incident(
            school=school, reporter=reporter, reported_at=now - datetime.timedelta(hours=k),
            discovered_at=now - datetime.timedelta(hours=k), platform="whatsapp",
            category="bullying" if k % 2 else "insulting", severity="high" if k % 3 else "low",
            description="Berichten in de klassenapp.", state=STATES[k % len(STATES)],
            state_changed_at=now - datetime.timedelta(hours=k), **fields,
        )
        for k in range(n)
    ])


@pytest.fixture
def world(school, leader, staff):
    """Noise the queries must not be distracted by: another school's cases, notifications for the leader."""
    from tests.factories import SchoolFactory

    elsewhere = SchoolFactory(board=school.board)
    _incidents(elsewhere, member(Role.STAFF, school=elsewhere), 50)
    return {"school": school, "leader": leader, "staff": staff}


def _seed(world, n):
    incidents = _incidents(world["school"], world["staff"], n)
    Notification.objects.bulk_create([
        Notification(recipient=world["leader"], kind="incident_reported", incident=i, subject="Nieuwe melding", body="-")
        for i in incidents
    ])
    # A few cases the leader was asked to help with at another school count as visible too.
    Assignment.objects.bulk_create([
        Assignment(incident=i, user=world["leader"], kind=AssignmentKind.COLLEAGUE, created_by=world["staff"], step=i.state)
        for i in Incident.objects.exclude(school=world["school"]).filter(state__in=OPEN_STATES)[:3]
    ])
    return incidents


@pytest.mark.parametrize("n", SIZES)
def test_dashboard_queries_do_not_grow_with_the_cases(client, world, n, django_assert_max_num_queries):
    _seed(world, n)
    client.force_login(world["leader"])
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("incidents:dashboard"))
    assert response.status_code == 200
    open_cases = Incident.objects.filter(school=world["school"], state__in=OPEN_STATES).count() + 3  # + assigned elsewhere
    assert response.context["page"].paginator.count == open_cases
    assert len(response.context["page"].object_list) == min(25, open_cases)


@pytest.mark.parametrize("n", SIZES)
def test_filtered_case_list_queries_do_not_grow_with_the_cases(client, world, n, django_assert_max_num_queries):
    _seed(world, n)
    client.force_login(world["leader"])
    with django_assert_max_num_queries(DASHBOARD_QUERIES):
        response = client.get(reverse("incidents:dashboard") + FILTERED)
    assert response.status_code == 200
    filters = {"include_closed": True, "category": "bullying", "severity": "high"}
    expected = selectors.incident_list_visible_to(user=world["leader"], filters=filters).count()
    assert response.context["page"].paginator.count == expected


def _long_case(world, n):
    """An open case with ``n`` records on its timeline, of every kind the page shows."""
    leader, school = world["leader"], world["school"]
    incident = _incidents(school, world["staff"], 1)[0]
    Incident.objects.filter(pk=incident.pk).update(state=State.INFORMING)
    incident.refresh_from_db()
    per_kind = n // 6
    base = timezone.now() - datetime.timedelta(days=30)

    def at(k):
        return base + datetime.timedelta(minutes=k)

    common = {"incident": incident, "created_by": leader}
    people = Person.objects.bulk_create([Person(school=school, kind="pupil", first_name="Lln", last_name=f"{k}") for k in range(per_kind)])
    Evidence.objects.bulk_create([Evidence(**common, created_at=at(k), step="reported", url=f"https://example.org/{k}") for k in range(per_kind)])
    Involvement.objects.bulk_create([Involvement(**common, created_at=at(k), step="gathering", person=p, role=InvolvementRole.WITNESS)
                                     for k, p in enumerate(people)])
    Action.objects.bulk_create([Action(**common, created_at=at(k), step="assessing", kind=ActionKind.CONFRONTATION, outcome="Gesprek")
                                for k in range(per_kind)])
    Takedown.objects.bulk_create([Takedown(**common, created_at=at(k), step="containing", platform="tiktok", description="Post",
                                           outcome="removed_by_platform") for k in range(per_kind)])
    InformedParty.objects.bulk_create([InformedParty(**common, created_at=at(k), step="informing", who="Ouders", what_was_said="-",
                                                     next_steps="-") for k in range(per_kind)])
    Transition.objects.bulk_create([Transition(incident=incident, actor=leader, at=at(k), name="start_gathering", source="reported",
                                               target="gathering") for k in range(n - 5 * per_kind)])
    Message.objects.bulk_create([Message(**common, created_at=at(0), step="communicating", audience="internal", channel="e-mail",
                                         recipients="Team", summary="-")])
    # Changes on the records: an outcome change per post, and every other link withdrawn (the timeline shows each
    # post as first logged and each withdrawn link struck through, from what the page has read already).
    takedowns = Takedown.objects.filter(incident=incident)
    withdrawn = list(Involvement.objects.filter(incident=incident)[::2])
    Involvement.objects.filter(pk__in=[i.pk for i in withdrawn]).update(withdrawn_at=at(n), withdrawn_by=leader,
                                                                        withdrawal_reason="Verkeerd gekoppeld.")
    CaseEvent.objects.bulk_create(
        [CaseEvent(incident=incident, actor=leader, at=at(n + k), kind=CaseEventKind.TAKEDOWN_OUTCOME, record_type="takedown",
                   record_id=t.pk, changes={"outcome": ["requested", "removed_by_platform"]}) for k, t in enumerate(takedowns)]
        + [CaseEvent(incident=incident, actor=leader, at=at(n), kind=CaseEventKind.RECORD_WITHDRAWN, record_type="involvement",
                     record_id=i.pk, reason="Verkeerd gekoppeld.") for i in withdrawn]
    )
    return incident


@pytest.mark.parametrize("n", SIZES)
def test_case_page_queries_do_not_grow_with_the_timeline(client, world, n, django_assert_max_num_queries):
    incident = _long_case(world, n)
    client.force_login(world["leader"])
    with django_assert_max_num_queries(CASE_PAGE_QUERIES):
        response = client.get(reverse("incidents:detail", args=[incident.pk]) + "?alles=1")
    assert response.status_code == 200
    timeline = response.context["timeline"]
    assert len(timeline) >= n
    assert sum(1 for e in timeline if e.withdrawal is not None) == len(range(0, n // 6, 2))
    assert all(e.record.outcome == "requested" for e in timeline if e.kind == "takedowns")


def test_a_long_timeline_shows_its_newest_entries_and_offers_the_rest(client, world):
    incident = _long_case(world, 120)
    client.force_login(world["leader"])
    url = reverse("incidents:detail", args=[incident.pk])
    whole = client.get(url + "?alles=1").context["timeline"]
    assert len(whole) >= 120
    response = client.get(url)
    shown, total = response.context["timeline"], response.context["timeline_total"]
    assert total == len(whole) and shown == whole[:TIMELINE_SHOWN]  # the newest first, as on the whole timeline
    content = response.content.decode()
    assert content.count('<li><div class="small text-body-secondary"><time') == TIMELINE_SHOWN
    assert f'href="?alles=1#timeline-title"' in content and f"({total} " in content
    whole_page = client.get(url + "?alles=1").content.decode()
    assert whole_page.count('<li><div class="small text-body-secondary"><time') == total
    assert "#timeline-title\"" not in whole_page

    short = _long_case(world, 12)
    content = client.get(reverse("incidents:detail", args=[short.pk])).content.decode()
    assert "#timeline-title\"" not in content  # nothing hidden, nothing to offer


def _overlapping_reasons(world):
    """A school leader who is also the FG of the board, reported cases at their own school and at another
    one, and was asked to help on cases there: most of their cases are visible for two or three reasons."""
    from tests.factories import MembershipFactory, SchoolFactory

    leader, school = world["leader"], world["school"]
    MembershipFactory(user=leader, role=Role.PRIVACY_OFFICER, school=None, board=school.board)
    elsewhere = SchoolFactory(board=school.board)
    own = _incidents(school, leader, 6) + _incidents(elsewhere, leader, 6, privacy_flag=True)
    Incident.objects.filter(pk__in=[i.pk for i in own[::2]]).update(privacy_flag=True)
    Assignment.objects.bulk_create([
        Assignment(incident=i, user=leader, kind=AssignmentKind.COLLEAGUE, created_by=world["staff"], step=i.state)
        for i in own[::3]
    ])
    leader.__dict__.pop("_meldpunt_access", None)


LIST_FILTERS = [
    {}, {"include_closed": True}, {"state": State.GATHERING}, {"state": State.CLOSED},
    {"state": State.CLOSED, "include_closed": True}, {"category": "bullying", "include_closed": True},
    {"severity": "high", "older_than_days": 1}, {"include_closed": True, "order": "state_changed_at"},
    {"privacy": True, "include_closed": True, "order": "reported_at"},
]


@pytest.mark.parametrize("filters", LIST_FILTERS)
@pytest.mark.parametrize("overlapping", [False, True])
def test_the_paged_list_holds_the_visible_cases_once_each_in_order(world, filters, overlapping):
    """IncidentList (one query per visibility branch, merged) lists exactly what the single-query
    incident_list_visible_to lists, in the same order, and counts it from its step counts."""
    _seed(world, 60)
    if overlapping:
        _overlapping_reasons(world)
    expected = list(selectors.incident_list_visible_to(user=world["leader"], filters=filters).values_list("pk", flat=True))
    cases = selectors.IncidentList(user=world["leader"], filters=filters)
    # Independently of the selectors: the leader's school, their own reports, what they were asked on and,
    # as FG of the board, its privacy incidents; never the other school's other cases.
    allowed = Incident.objects.filter(
        Q(school=world["school"]) | Q(reporter=world["leader"]) | Q(assignments__user=world["leader"])
        | (Q(privacy_flag=True) if overlapping else Q(pk__in=[]))
    ).values_list("pk", flat=True)
    assert set(expected) <= set(allowed)
    assert cases.count() == len(expected)
    assert [row["pk"] for row in cases[0:len(expected) + 5]] == expected
    assert [row["pk"] for row in cases[7:19]] == expected[7:19]
    assert cases[len(expected):len(expected) + 25] == []


def test_the_step_counts_are_the_open_cases_per_step(world):
    _seed(world, 60)
    _overlapping_reasons(world)
    visible = selectors.incident_list_visible_to(user=world["leader"], filters={"include_closed": True})
    steps = selectors.IncidentList(user=world["leader"], filters={"category": "bullying"}).step_counts()
    assert [(state, n) for state, _label, n in steps] == [
        (state, visible.filter(state=state, category="bullying").count()) for state in workflow.STEPS
    ]


def test_assigned_cases_stay_visible_and_others_do_not(world):
    """The visibility rules are index conditions now; what they select is unchanged."""
    _seed(world, 10)
    visible = set(Incident.objects.filter(selectors.incident_visibility_q(user=world["leader"])).values_list("pk", flat=True))
    expected = set(Incident.objects.filter(school=world["school"]).values_list("pk", flat=True)) | set(
        Assignment.objects.filter(user=world["leader"]).values_list("incident_id", flat=True))
    assert visible == expected
    board_member = member(Role.BOARD, board=world["school"].board)
    assert Incident.objects.filter(selectors.incident_visibility_q(user=board_member)).count() == Incident.objects.count()


@pytest.mark.parametrize("filters", LIST_FILTERS[:3] + LIST_FILTERS[-2:])
def test_the_paged_list_is_the_same_where_branches_cannot_be_ordered_apart(world, filters, monkeypatch):
    """SQLite (the demo) allows no ORDER BY or LIMIT inside a UNION: the branches are merged whole, then paged."""
    from django.db import connection

    _seed(world, 40)
    _overlapping_reasons(world)
    monkeypatch.setattr(connection.features, "supports_slicing_ordering_in_compound", False)
    expected = list(selectors.incident_list_visible_to(user=world["leader"], filters=filters).values_list("pk", flat=True))
    cases = selectors.IncidentList(user=world["leader"], filters=filters)
    assert [row["pk"] for row in cases[0:len(expected)]] == expected
    assert [row["pk"] for row in cases[5:17]] == expected[5:17]


def test_the_rows_query_reads_only_the_branches_that_hold_cases(world):
    """The counts say per visibility branch whether it holds any case; an empty branch is left out of the
    rows query (a school leader rarely has cases outside their school)."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    _incidents(world["school"], world["staff"], 30)
    leader = world["leader"]

    def page():
        cases = selectors.IncidentList(user=leader, filters={"include_closed": True})
        cases.count()
        with CaptureQueriesContext(connection) as queries:
            rows = [row["pk"] for row in cases[0:25]]
        return rows, queries.captured_queries[0]["sql"]

    expected = list(selectors.incident_list_visible_to(user=leader, filters={"include_closed": True}).values_list("pk", flat=True))
    rows, sql = page()
    assert rows == expected[:25] and "UNION" not in sql
    elsewhere = Incident.objects.exclude(school=world["school"]).first()
    Incident.objects.filter(pk=elsewhere.pk).update(reported_at=timezone.now())
    Assignment.objects.create(incident=elsewhere, user=leader, kind=AssignmentKind.COLLEAGUE, created_by=world["staff"],
                              step=elsewhere.state)
    rows, sql = page()
    assert rows[0] == elsewhere.pk and "UNION" in sql


def _queries(client, method, url, **extra):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as queries:
        response = getattr(client, method)(url, **extra)
    assert response.status_code in (200, 302), response.status_code
    return len(queries), response


def test_the_case_page_its_save_and_its_timeline_pages_run_as_many_queries_for_10_entries_as_for_400(client, world):
    """The case page as it opens (the newest entries), a record saved with htmx (the checklist, the records and the
    timeline anew) and the next page of the timeline: no more queries at 400 entries than at 10. A page of the
    timeline reads each kind of record on it once, so its count follows the kinds shown, never the entries: the
    10-entry case shows every kind, the 400-entry one fewer."""
    client.force_login(world["leader"])
    htmx = {"HTTP_HX_REQUEST": "true"}
    measured = {}
    for n in (10, 400):
        incident = _long_case(world, n)
        detail = reverse("incidents:detail", args=[incident.pk])
        client.get(detail)  # the session's first request writes it; not the page's own cost
        page, response = _queries(client, "get", detail)
        assert len(response.context["timeline"]) == min(response.context["timeline_total"], TIMELINE_SHOWN)
        fifth = selectors.timeline_cursor(response.context["timeline"][4])
        saved, response = _queries(client, "post", reverse("incidents:record", args=[incident.pk, "informed"]), **htmx, data={
            "informed-who": f"Mentor {n}", "informed-informed_at": "2026-01-05T10:00", "informed-what_was_said": "Uitgelegd.",
            "informed-next_steps": "Gesprek volgende week.",
        })
        assert f"Mentor {n}" in response.content.decode()  # in the records and on the timeline, in place
        more, response = _queries(client, "get", reverse("incidents:timeline_page", args=[incident.pk]) + f"?na={fifth}", **htmx)
        assert response.content.decode().count("<li><div class=\"small text-body-secondary\"><time") == min(TIMELINE_SHOWN, n + 2 - 5) or n == 10
        measured[n] = (page, saved, more)
    assert all(large <= small for small, large in zip(measured[10], measured[400])), measured
    page, saved, more = measured[400]
    assert page <= CASE_PAGE_QUERIES and more <= CASE_PAGE_QUERIES
