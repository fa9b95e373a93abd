"""The other list pages run as many queries for 30 rows as for 3: no query per row.

Rows are bulk-created (no services), each page is read once to warm what is cached per process, then the
queries of a read are counted with few rows and again with ten times as many.
"""

import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from incidents.models import BreachAssessment, Incident, PoliceReport
from portal.models import AuditEvent, Notification, Role
from tests.factories import member

pytestmark = pytest.mark.django_db

# page name -> the role that reads it
PAGES = {
    "incidents:my_reports": "staff",
    "inbox": "school_leader",
    "incidents:breach_queue": "privacy_officer",
    "incidents:breach_register": "privacy_officer",
    "sanctions:police_register": "school_leader",
    "audit_trail": "admin",
    "incidents:statistics": "school_leader",
}


@pytest.fixture
def people(school):
    board = school.board
    return {
        "staff": member(Role.STAFF, school=school),
        "school_leader": member(Role.SCHOOL_LEADER, school=school),
        "privacy_officer": member(Role.PRIVACY_OFFICER, board=board),
        "admin": member(Role.ADMIN, board=board),
    }


def _add_rows(school, people, n):
    """``n`` more of everything the pages list: privacy reports with a breach review and a police report,
    a notification for the leader per case, and audit events of the board."""
    now = timezone.now()
    staff, leader = people["staff"], people["school_leader"]
    cases = Incident.objects.bulk_create([
        Incident(school=school, reporter=staff, platform="whatsapp", category="data_breach", privacy_flag=True,
                 description="Klassenlijst gedeeld.", discovered_at=now - datetime.timedelta(hours=k),
                 reported_at=now - datetime.timedelta(hours=k), state="gathering", severity="high")
        for k in range(n)
    ])
    BreachAssessment.objects.bulk_create([
        BreachAssessment(incident=case, discovered_at=case.discovered_at, decided_by=people["privacy_officer"] if k % 2 else None,
                         decided_at=now if k % 2 else None, risk="none" if k % 2 else "")
        for k, case in enumerate(cases)
    ])
    PoliceReport.objects.bulk_create([
        PoliceReport(incident=case, created_by=leader, step="assessing", filed_by="school", filed_at=now)
        for case in cases
    ])
    Notification.objects.bulk_create([
        Notification(recipient=leader, kind="incident_reported", incident=case, body="-",
                     subject=f"Nieuwe melding {Incident.make_reference(case.pk, case.reported_at)}")
        for case in cases
    ])
    AuditEvent.objects.bulk_create([
        AuditEvent(actor=leader if k % 2 else people["admin"], action="dossier.view", board=school.board,
                   object_type="incident", object_id=str(case.pk))
        for k, case in enumerate(cases)
    ])


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), response


@pytest.mark.parametrize("name", PAGES)
def test_list_page_queries_do_not_grow_with_the_rows(client, school, people, name):
    client.force_login(people[PAGES[name]])
    url = reverse(name)
    _add_rows(school, people, 3)
    client.get(url)
    few, response = _queries(client, url)
    assert Incident.objects.count() == 3
    _add_rows(school, people, 30)
    many, response = _queries(client, url)
    assert many == few, f"{name}: {few} queries for 3 rows, {many} for 33"
    # The page really lists the rows (a page that shows nothing would pass the count trivially).
    content = response.content.decode()
    listed = sum(Incident.make_reference(case.pk, case.reported_at) in content for case in Incident.objects.all())
    if name not in ("audit_trail", "incidents:statistics"):
        assert listed >= 10, f"{name} lists {listed} of the cases"
    elif name == "audit_trail":
        assert content.count("dossier.view") >= 10
