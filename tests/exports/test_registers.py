"""The registers as XLSX and CSV: the rows of the list page's filters, scoped like the list page, audited."""

import datetime

import pytest
import time_machine
from django.urls import reverse

from incidents import services as incident_services
from incidents.exports import BREACH_COLUMNS, INCIDENT_COLUMNS
from incidents.models import PoliceReport
from portal.models import AuditEvent
from sanctions import services as sanction_services
from sanctions.exports import POLICE_REPORT_COLUMNS, SANCTION_COLUMNS
from tests.factories import IncidentFactory, PersonFactory

from .support import column, csv_rows, headers, impose, local, xlsx_rows

pytestmark = pytest.mark.django_db


def at(*moment):
    return time_machine.travel(local(*moment), tick=False)


def export(client, user, url, fmt="xlsx", **params):
    client.force_login(user)
    response = client.get(url, {**params, "export": fmt})
    assert response.status_code == 200, response.status_code
    assert response.streaming
    return xlsx_rows(response) if fmt == "xlsx" else csv_rows(response)


# --- incidents (the dashboard) ------------------------------------------------------------------------

DASHBOARD = reverse("incidents:dashboard")


@pytest.fixture
def cases(school, sister_school, other_school, leader, sister_leader, other_leader):
    with at(2026, 1, 5, 8, 30):
        reported = IncidentFactory(school=school, description="Nog niet opgepakt.")
    with at(2026, 1, 12, 13, 0):
        gathering = IncidentFactory(school=school, gathering=True, category="threats", platform="instagram")
    with at(2026, 1, 19, 9, 45):
        closed = IncidentFactory(school=school, closed=True)
    with at(2026, 1, 26, 16, 20):
        dismissed = IncidentFactory(school=school, dismissed=True)
    with at(2026, 2, 2, 10, 0):
        sister = IncidentFactory(school=sister_school)
    with at(2026, 2, 9, 10, 0):
        foreign = IncidentFactory(school=other_school, gathering=True)
    with at(2026, 2, 10, 10, 0):
        foreign_closed = IncidentFactory(school=other_school, closed=True)
    return {"reported": reported, "gathering": gathering, "closed": closed, "dismissed": dismissed, "sister": sister,
            "foreign": foreign, "foreign_closed": foreign_closed}


def references(*incidents):
    return [incident.reference for incident in incidents]


def test_incident_register_xlsx_has_the_header_and_the_open_cases_of_the_leaders_school(client, leader, cases):
    rows = export(client, leader, DASHBOARD)

    assert rows[0] == headers(INCIDENT_COLUMNS)
    assert column(rows, rows[0][0]) == references(cases["gathering"], cases["reported"])  # newest first
    row = dict(zip(rows[0], rows[2]))
    assert row[rows[0][2]] == datetime.datetime(2026, 1, 5, 8, 30)  # reported at, in local time
    assert row[rows[0][1]] == "Het Baken"
    assert all(len(r) == len(INCIDENT_COLUMNS) for r in rows)


@pytest.mark.parametrize(("params", "expected"), [
    ({"include_closed": "on"}, ["dismissed", "closed", "gathering", "reported"]),
    ({"state": "gathering"}, ["gathering"]),
    ({"state": "closed"}, ["closed"]),
    ({"category": "threats", "include_closed": "on"}, ["gathering"]),
    ({"order": "reported_at"}, ["reported", "gathering"]),
])
def test_incident_register_follows_the_dashboard_filters(client, leader, cases, params, expected):
    rows = export(client, leader, DASHBOARD, **params)
    assert rows[0] == headers(INCIDENT_COLUMNS)
    assert column(rows, rows[0][0]) == references(*(cases[name] for name in expected))


def test_the_board_exports_its_schools_cases_never_another_boards(client, board_member, cases):
    rows = export(client, board_member, DASHBOARD, include_closed="on")
    assert column(rows, rows[0][0]) == references(
        cases["sister"], cases["dismissed"], cases["closed"], cases["gathering"], cases["reported"]
    )
    rows = export(client, board_member, DASHBOARD, include_closed="on", school=cases["sister"].school_id)
    assert column(rows, rows[0][0]) == references(cases["sister"])


def test_incident_register_csv_parses_with_the_header_and_the_same_rows(client, leader, cases):
    rows = export(client, leader, DASHBOARD, fmt="csv", include_closed="on")

    assert rows[0] == headers(INCIDENT_COLUMNS)
    assert column(rows, rows[0][0]) == references(cases["dismissed"], cases["closed"], cases["gathering"], cases["reported"])
    assert column(rows, rows[0][2])[-1] == "2026-01-05 08:30"
    assert all(len(r) == len(INCIDENT_COLUMNS) for r in rows)


def test_incident_register_response_names_the_file_after_the_register_and_the_day(client, leader, cases):
    client.force_login(leader)
    with at(2026, 3, 12, 14, 5):
        xlsx = client.get(DASHBOARD, {"export": "xlsx"})
        csv = client.get(DASHBOARD, {"export": "csv"})
    assert xlsx["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert 'filename="incidenten-20260312.xlsx"' in xlsx["Content-Disposition"]
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert csv["Content-Disposition"] == 'attachment; filename="incidenten-20260312.csv"'


def test_incident_register_export_is_audited_with_actor_format_and_filters(client, school, leader, cases):
    export(client, leader, DASHBOARD, state="gathering")
    export(client, leader, DASHBOARD, fmt="csv")

    events = list(AuditEvent.objects.filter(action__startswith="export.").order_by("pk"))
    assert [e.action for e in events] == ["export.incidents", "export.incidents"]
    assert all(e.actor == leader for e in events)
    assert events[0].detail == {"format": "xlsx", "filters": {"state": "gathering"}}
    assert events[1].detail == {"format": "csv", "filters": {}}


def test_a_staff_member_has_no_incident_register(client, staff, cases):
    client.force_login(staff)
    response = client.get(DASHBOARD, {"export": "xlsx"})
    assert response.status_code == 302
    assert not AuditEvent.objects.filter(action__startswith="export.").exists()


# --- sanctions ----------------------------------------------------------------------------------------

SANCTIONS = reverse("sanctions:list")
TRICKY_DECISION = 'Gesprek met "mentor"; daarna\nbrief naar huis; één week geen telefoon'


@pytest.fixture
def sanctions(school, sister_school, other_school, leader, board_member, sister_leader, other_leader):
    anna = PersonFactory(school=school, first_name="Anna", last_name="Bakker")
    bram = PersonFactory(school=school, first_name="Bram", last_name="Claassen")
    with at(2026, 1, 6, 9, 0):
        warning = impose(anna, leader, "warning", decision=TRICKY_DECISION)
    with at(2026, 1, 7, 9, 0):
        removal = impose(bram, leader, "removal", decision="Verwijdering van Bram voorgesteld.")
    with at(2026, 1, 8, 9, 0):
        rejected = impose(bram, leader, "removal", decision="Tweede voorstel tot verwijdering.")
        sanction_services.sanction_decide(sanction=rejected, actor=board_member, approve=False, reason="Te zwaar.")
    with at(2026, 1, 9, 9, 0):
        sister = impose(PersonFactory(school=sister_school, first_name="Cas", last_name="Dekker"), sister_leader,
                        "talk", decision="Gesprek met Cas.")
    with at(2026, 1, 10, 9, 0):
        foreign = impose(PersonFactory(school=other_school, first_name="Daan", last_name="Elshout"), other_leader,
                         "talk", decision="Gesprek met Daan.")
    return {"warning": warning, "removal": removal, "rejected": rejected, "sister": sister, "foreign": foreign}


def decisions(rows):
    return column(rows, headers(SANCTION_COLUMNS)[7])


@pytest.mark.parametrize(("params", "expected"), [
    ({}, ["rejected", "removal", "warning"]),
    ({"status": "proposed"}, ["removal"]),
    ({"status": "decided"}, ["warning"]),
    ({"status": "rejected"}, ["rejected"]),
    ({"kind": "staff"}, []),
])
def test_sanction_register_xlsx_has_the_leaders_school_rows_for_the_filter(client, leader, sanctions, params, expected):
    rows = export(client, leader, SANCTIONS, **params)
    assert rows[0] == headers(SANCTION_COLUMNS)
    assert decisions(rows) == [sanctions[name].decision for name in expected]


def test_sanction_register_rows_carry_person_measure_and_status(client, leader, sanctions):
    rows = export(client, leader, SANCTIONS, status="decided")
    row = dict(zip(rows[0], rows[1]))
    names = headers(SANCTION_COLUMNS)
    assert row[names[0]] == "Anna Bakker"
    assert row[names[3]] == "Het Baken"
    assert row[names[4]] == "Waarschuwing"
    assert row[names[7]] == TRICKY_DECISION
    assert row[names[12]] == datetime.datetime(2026, 1, 6, 9, 0)


def test_the_board_exports_the_sanctions_of_its_schools_only(client, board_member, sanctions):
    rows = export(client, board_member, SANCTIONS)
    assert decisions(rows) == [sanctions[n].decision for n in ["sister", "rejected", "removal", "warning"]]
    assert "Daan Elshout" not in str(rows)


def test_sanction_register_csv_keeps_quotes_semicolons_and_line_breaks(client, leader, sanctions):
    rows = export(client, leader, SANCTIONS, fmt="csv")
    assert rows[0] == headers(SANCTION_COLUMNS)
    assert decisions(rows) == [sanctions[n].decision for n in ["rejected", "removal", "warning"]]
    assert decisions(rows)[-1] == TRICKY_DECISION


def test_sanction_register_export_is_audited_and_refused_to_staff_and_fg(client, leader, staff, privacy_officer, sanctions):
    export(client, leader, SANCTIONS, status="proposed")
    [event] = AuditEvent.objects.filter(action__startswith="export.")
    assert (event.action, event.actor, event.detail["format"]) == ("export.sanctions", leader, "xlsx")
    assert event.detail["filters"] == {"status": "proposed"}

    for user in (staff, privacy_officer):
        client.force_login(user)
        assert client.get(SANCTIONS, {"export": "csv"}).status_code == 403
    assert AuditEvent.objects.filter(action__startswith="export.").count() == 1


# --- police reports -----------------------------------------------------------------------------------

POLICE = reverse("sanctions:police_register")


@pytest.fixture
def police_reports(school, sister_school, other_school, leader, sister_leader, other_leader):
    def report(school, actor, day, filed_by, reference):
        incident = IncidentFactory(school=school, gathering=True)
        return incident_services.incident_add_record(incident=incident, actor=actor, record=PoliceReport(
            filed_by=filed_by, filed_at=local(2026, 2, day, 10, 0), police_reference=reference,
            police_contact="Wijkagent", note="Aangifte gedaan.",
        ))

    with at(2026, 2, 20, 12, 0):
        return {
            "school": report(school, leader, 1, "school", "PL-A"),
            "guardians": report(school, leader, 2, "guardians", "PL-B"),
            "sister": report(sister_school, sister_leader, 3, "guardians", "PL-C"),
            "foreign": report(other_school, other_leader, 4, "guardians", "PL-D"),
        }


@pytest.mark.parametrize(("fmt", "params", "expected"), [
    ("xlsx", {}, ["PL-B", "PL-A"]),
    ("xlsx", {"filed_by": "guardians"}, ["PL-B"]),
    ("xlsx", {"filed_by": "school"}, ["PL-A"]),
    ("xlsx", {"filed_by": "pupil"}, []),
    ("csv", {"filed_by": "guardians"}, ["PL-B"]),
])
def test_police_register_export_has_the_leaders_rows_for_the_filter(client, leader, police_reports, fmt, params, expected):
    rows = export(client, leader, POLICE, fmt=fmt, **params)
    assert rows[0] == headers(POLICE_REPORT_COLUMNS)
    assert column(rows, headers(POLICE_REPORT_COLUMNS)[4]) == expected


def test_police_register_export_of_the_board_leaves_out_other_boards(client, board_member, police_reports):
    rows = export(client, board_member, POLICE, filed_by="guardians")
    assert column(rows, headers(POLICE_REPORT_COLUMNS)[4]) == ["PL-C", "PL-B"]
    row = dict(zip(rows[0], rows[2]))
    assert row[headers(POLICE_REPORT_COLUMNS)[0]] == police_reports["guardians"].incident.reference
    assert row[headers(POLICE_REPORT_COLUMNS)[3]] == datetime.datetime(2026, 2, 2, 10, 0)


def test_police_register_export_is_audited(client, board_member, police_reports):
    export(client, board_member, POLICE, fmt="csv", filed_by="school")
    [event] = AuditEvent.objects.filter(action__startswith="export.")
    assert (event.action, event.actor) == ("export.police_reports", board_member)
    assert event.detail == {"format": "csv", "filters": {"filed_by": "school"}}


# --- data breaches ------------------------------------------------------------------------------------

BREACHES = reverse("incidents:breach_register")


@pytest.fixture
def breaches(school, sister_school, other_school, privacy_officer):
    with at(2026, 3, 1, 9, 0):
        overdue = IncidentFactory(school=school, category="data_breach", description="Cijferlijst in de klassenapp.")
    with at(2026, 3, 2, 9, 0):
        decided = IncidentFactory(school=school, privacy_flag=True)
        incident_services.breach_assess(incident=decided, actor=privacy_officer, risk="none",
                                        risk_reasoning="Alleen namen, direct verwijderd.")
    with at(2026, 3, 11, 9, 0):
        recent = IncidentFactory(school=sister_school, category="data_breach")
        foreign = IncidentFactory(school=other_school, category="data_breach")
    return {"overdue": overdue, "decided": decided, "recent": recent, "foreign": foreign}


@pytest.mark.parametrize(("fmt", "params", "expected"), [
    ("xlsx", {}, ["overdue", "decided", "recent"]),
    ("xlsx", {"status": "open"}, ["overdue", "recent"]),
    ("xlsx", {"status": "overdue"}, ["overdue"]),
    ("xlsx", {"status": "decided"}, ["decided"]),
    ("csv", {"status": "open"}, ["overdue", "recent"]),
])
def test_breach_register_export_has_the_fgs_rows_for_the_filter(client, privacy_officer, breaches, at_export_moment,
                                                                fmt, params, expected):
    rows = export(client, privacy_officer, BREACHES, fmt=fmt, **params)
    assert rows[0] == headers(BREACH_COLUMNS)
    assert column(rows, headers(BREACH_COLUMNS)[0]) == [breaches[name].reference for name in expected]


def test_breach_register_rows_carry_the_assessment(client, admin_user, breaches, at_export_moment):
    rows = export(client, admin_user, BREACHES, status="decided")
    row = dict(zip(rows[0], rows[1]))
    names = headers(BREACH_COLUMNS)
    assert row[names[2]] == datetime.datetime(2026, 3, 2, 9, 0)
    assert row[names[3]] == datetime.datetime(2026, 3, 5, 9, 0)  # 72 hours later
    assert row[names[6]] == "Alleen namen, direct verwijderd."


def test_breach_register_export_is_audited_and_only_for_fg_and_administrator(client, leader, board_member,
                                                                             privacy_officer, breaches):
    export(client, privacy_officer, BREACHES, status="open")
    [event] = AuditEvent.objects.filter(action__startswith="export.")
    assert (event.action, event.actor) == ("export.breaches", privacy_officer)
    assert event.detail == {"format": "xlsx", "filters": {"status": "open"}}

    for user in (leader, board_member):
        client.force_login(user)
        assert client.get(BREACHES, {"export": "xlsx"}).status_code == 403
    assert AuditEvent.objects.filter(action__startswith="export.").count() == 1
