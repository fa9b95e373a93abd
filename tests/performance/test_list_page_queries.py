"""The other list pages run as many queries for 30 rows as for 3: no query per row.

Rows are bulk-created (no services), each page is read once to warm what is cached per process, then the
queries of a read are counted with few rows and again with ten times as many.
"""

import datetime
import itertools
import secrets

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from consent.models import ConsentPurpose, ConsentRecord, SchoolAccount, SchoolAccountManager, StudentNumber, WorkAccount
from incidents.models import BreachAssessment, Incident, PoliceReport
from portal.models import AuditEvent, Board, Membership, Notification, Person, PersonKind, Role, School, User
from publicreports.models import PublicReport
from sanctions.models import Duty, Measure, Sanction
from tests.factories import PersonFactory, UserFactory, member

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
        "counsellor": member(Role.COUNSELLOR, board=board),
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


def _few_and_many(client, url_of, add_rows):
    """The queries of a read of the page with 3 rows and with 33 (``add_rows(n)`` adds ``n``; ``url_of()`` is its
    address once the first rows are there), and the last response."""
    add_rows(3)
    url = url_of()
    client.get(url)  # what is cached per process is not the page's own cost
    few, _response = _queries(client, url)
    add_rows(30)
    many, response = _queries(client, url)
    return few, many, response


def _queries(client, url):
    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    return len(captured.captured_queries), response


@pytest.mark.parametrize("name", PAGES)
def test_list_page_queries_do_not_grow_with_the_rows(client, school, people, name):
    client.force_login(people[PAGES[name]])
    url = reverse(name)
    few, many, response = _few_and_many(client, lambda: url, lambda n: _add_rows(school, people, n))
    assert Incident.objects.count() == 33
    assert many == few, f"{name}: {few} queries for 3 rows, {many} for 33"
    # The page really lists the rows (a page that shows nothing would pass the count trivially).
    content = response.content.decode()
    listed = sum(Incident.make_reference(case.pk, case.reported_at) in content for case in Incident.objects.all())
    if name not in ("audit_trail", "incidents:statistics"):
        assert listed >= 10, f"{name} lists {listed} of the cases"
    elif name == "audit_trail":
        assert content.count("dossier.view") >= 10


# The registers of sanctions, the public reports and the consent pages: (page, the role that reads it, its query
# string; "{purpose}" is the board's first consent purpose). LVI reports have no register: they are in the dossier.
MORE_PAGES = [
    ("sanctions:dossiers", "school_leader", ""),
    ("sanctions:list", "school_leader", ""),
    ("sanctions:duties", "school_leader", ""),
    ("publicreports:list", "school_leader", ""),
    ("publicreports:list", "school_leader", "?alle=1"),
    ("publicreports:list", "counsellor", "?alle=1"),
    ("publicreports:pages", "admin", ""),
    ("consent:index", "admin", ""),
    ("consent:mine", "guardian", ""),
    ("consent:check", "staff", "?purpose={purpose}&class_name=3A"),
    ("consent:check", "school_leader", "?purpose={purpose}&class_name=3A"),
    ("consent:check_search", "staff", "?pupils_search=3A"),
    ("consent:overview", "school_leader", ""),
    ("consent:overview", "school_leader", "?klas=3A"),
    ("consent:people", "school_leader", ""),
    ("consent:registers", "school_leader", ""),
    ("consent:school_account", "school_leader", ""),
    ("consent:purposes", "admin", ""),
]
SCHOOL_PAGES = {"consent:check", "consent:check_search", "consent:overview", "consent:people", "consent:registers"}

_numbers = itertools.count(1)


@pytest.fixture
def more_people(school, people):
    """Besides the school's staff: a guardian who answers for their children while signed in, and a former
    colleague who left the school without handing over the school accounts they managed."""
    guardian = UserFactory()
    former = member(Role.STAFF, school=school)
    Membership.objects.filter(user=former).update(ends_on=timezone.localdate() - datetime.timedelta(days=30))
    return {**people, "guardian": guardian, "former": former,
            "guardian_record": PersonFactory(school=school, kind=PersonKind.GUARDIAN, user=guardian, class_name="")}


def _add_more_rows(school, people, n):
    """``n`` more of everything the registers and the consent pages list: pupils of class 3A (with a pupil number;
    the guardian's children, some with a brother or sister at a school of another board) and staff members, a
    sanction per pupil (every other one a suspension with its duty, done, open or withdrawn), consent purposes of the
    board and answers to them, public reports (some handled, some for the counsellor), schools of the board, school
    accounts and work accounts, and managers of the first school account who left the school (half handed over)."""
    now, today = timezone.now(), timezone.localdate()
    leader, guardian = people["school_leader"], people["guardian_record"]
    numbers = [next(_numbers) for _k in range(n)]
    pupils = Person.objects.bulk_create([
        Person(school=school, kind=PersonKind.PUPIL, first_name="Noor", last_name=f"Leerling {number}", class_name="3A",
               date_of_birth=None if number % 5 == 0 else today - datetime.timedelta(days=365 * (12 + number % 6)))
        for number in numbers
    ])
    staff = Person.objects.bulk_create([
        Person(school=school, kind=PersonKind.STAFF, first_name="Sam", last_name=f"Docent {number}") for number in numbers
    ])
    StudentNumber.objects.bulk_create([StudentNumber(school=school, number=f"LL{p.pk}", person=p) for p in pupils])
    # For every third pupil, a brother or sister at a school of another board, which has purposes of its own.
    boards = Board.objects.bulk_create([Board(name=f"Bestuur {number}") for number in numbers[::3]])
    ConsentPurpose.objects.bulk_create([ConsentPurpose(board=board, code="website", label="Website")
                                        for board in boards])
    elsewhere = Person.objects.bulk_create([
        Person(school=theirs, kind=PersonKind.PUPIL, first_name="Daan", last_name=theirs.name, class_name="1B",
               date_of_birth=today - datetime.timedelta(days=365 * 10))
        for theirs in School.objects.bulk_create([School(board=board, name=board.name) for board in boards])
    ])
    Person.guardians.through.objects.bulk_create([
        Person.guardians.through(from_person=child, to_person=guardian) for child in pupils + elsewhere
    ])
    purposes = ConsentPurpose.objects.bulk_create([
        ConsentPurpose(board=school.board, code=f"doel-{number}", label=f"Doel {number}", ordering=number)
        for number in numbers
    ])
    checked = ConsentPurpose.objects.filter(board=school.board).earliest("pk")  # the purpose the check asks about
    ConsentRecord.objects.bulk_create(
        [ConsentRecord(person=pupil, purpose=purpose, answer="granted", given_by="guardian", guardian=guardian,
                       given_on=today, evidence="signed_in", confirmed_by=people["guardian"], recorded_by=leader)
         for k, pupil in enumerate(pupils) if k % 2 for purpose in {checked, purposes[k]}]
        + [ConsentRecord(person=pupil, purpose=checked, answer="refused", given_by="self", given_on=today,
                         evidence="noted", recorded_by=leader)
           for k, pupil in enumerate(pupils) if k % 3 == 0]
    )
    cases = Incident.objects.bulk_create([
        Incident(school=school, reporter=people["staff"], platform="instagram", category="bullying",
                 description="Nepaccount.", discovered_at=now, reported_at=now, state="gathering" if k % 2 else "closed")
        for k in range(n)
    ])
    measures = {m.code: m for m in Measure.objects.filter(board=None, subject_kind="pupil")}
    sanctions = Sanction.objects.bulk_create([
        Sanction(person=pupil, school=school, incident=case if k % 3 else None,
                 measure=measures["suspension" if k % 2 else "warning"],
                 measure_label=measures["suspension" if k % 2 else "warning"].label,
                 legal_kind="suspension" if k % 2 else "", days=3 if k % 2 else None, decision="-", reasoning="-",
                 status="decided" if k % 4 else "proposed", proposed_by=leader, proposed_at=now,
                 decided_by=leader if k % 4 else None, decided_at=now if k % 4 else None,
                 letter_sent_at=now if k % 3 == 1 else None)
        for k, (pupil, case) in enumerate(zip(pupils, cases))
    ])
    Duty.objects.bulk_create([
        Duty(school=school, sanction=sanction, recipient="inspectie", reason="suspension",
             due_on=today + datetime.timedelta(days=k - 5), done_on=today if k % 3 == 0 else None,
             reference="ISD-1" if k % 3 == 0 else "", done_by=leader if k % 3 == 0 else None,
             withdrawn_at=now if k % 3 == 1 else None, withdrawn_by=leader if k % 3 == 1 else None)
        for k, sanction in enumerate(s for s in sanctions if s.legal_kind)
    ])
    PublicReport.objects.bulk_create([
        PublicReport(school=school, sender_role="guardian" if k % 2 else "pupil", description="Er is een nepaccount.",
                     platform="tiktok", sender_name="Sam" if k % 3 == 0 else "", wants_counsellor=k % 2 == 0,
                     code_hash=secrets.token_hex(32), outcome="" if k % 4 else "case_opened",
                     incident=None if k % 4 else case, handled_by=None if k % 4 else leader,
                     handled_at=None if k % 4 else now)
        for k, case in enumerate(cases)
    ])
    School.objects.bulk_create([School(board=school.board, name=f"School {number}") for number in numbers])
    accounts = SchoolAccount.objects.bulk_create([
        SchoolAccount(school=school, platform="instagram", handle=f"@school{number}", created_by=leader,
                      ended_on=today if number % 4 == 0 else None)
        for number in numbers
    ])
    WorkAccount.objects.bulk_create([
        WorkAccount(school=school, platform="instagram", handle=f"@werk{number}", created_by=leader, purpose="Klas 3A",
                    owner=people["staff"] if k % 2 else None, owner_person=None if k % 2 else person)
        for k, (number, person) in enumerate(zip(numbers, staff))
    ])
    gone = User.objects.bulk_create([User(email=f"vertrokken{number}@example.org", last_name=f"Vertrokken {number}")
                                     for number in numbers])
    Membership.objects.bulk_create([
        Membership(user=user, board=school.board, school=school, role=Role.STAFF,
                   ends_on=today - datetime.timedelta(days=7))
        for user in gone
    ])
    first = SchoolAccount.objects.filter(school=school).earliest("pk")
    SchoolAccountManager.objects.bulk_create(
        [SchoolAccountManager(account=account, user=people["staff"]) for account in accounts]
        + [SchoolAccountManager(account=account, user=people["former"]) for account in accounts[::2]]
        + [SchoolAccountManager(account=first, user=user, handed_over_at=now if k % 2 else None,
                                handed_over_by=leader if k % 2 else None,
                                handover_note="Wachtwoord gewijzigd." if k % 2 else "")
           for k, user in enumerate(gone)]
    )


def _more_url(name, school, query):
    if name in SCHOOL_PAGES:
        args = [school.pk]
    elif name == "consent:purposes":
        args = [school.board_id]
    elif name == "consent:school_account":
        args = [SchoolAccount.objects.filter(school=school).earliest("pk").pk]
    else:
        args = []
    purpose = ConsentPurpose.objects.filter(board=school.board).earliest("pk")
    return reverse(name, args=args) + query.format(purpose=purpose.pk)


def _listed(name, school, content):
    """How many of the page's rows are on it: a link or a mark that names each row."""
    def count(marks):
        return sum(mark in content for mark in marks)

    def links(view, model, *before):
        return count(reverse(view, args=[*before, pk]) + '"' for pk in model.objects.values_list("pk", flat=True))

    pupils = Person.objects.filter(school=school, kind=PersonKind.PUPIL).values_list("pk", flat=True)
    if name == "sanctions:dossiers":
        return links("sanctions:dossier", Person)
    if name == "sanctions:list":
        return links("sanctions:detail", Sanction)
    if name == "sanctions:duties":
        return links("sanctions:duty", Duty)
    if name == "publicreports:list":
        return links("publicreports:detail", PublicReport)
    if name == "publicreports:pages":
        return links("publicreports:page", School)
    if name == "consent:index":
        return links("consent:check", School)
    if name == "consent:mine":
        children = Person.objects.filter(guardians__user__isnull=False).values_list("pk", flat=True)
        return count(f'name="person" value="{pk}"' for pk in children)
    if name == "consent:check":
        return count(f'data-pupil="{pk}"' for pk in pupils)
    if name == "consent:check_search":
        return count(f'_{pk}" value="{pk}"' for pk in pupils)
    if name in ("consent:overview", "consent:people"):
        return links("consent:person", Person)
    if name == "consent:registers":
        return (links("consent:school_account", SchoolAccount)
                + links("consent:work_account_edit", WorkAccount, school.pk))
    if name == "consent:school_account":
        managers = SchoolAccountManager.objects.filter(account=SchoolAccount.objects.earliest("pk"))
        return count(f"<strong>{row.user}</strong>" for row in managers.select_related("user"))
    if name == "consent:purposes":
        return links("consent:purpose_edit", ConsentPurpose, school.board_id)
    raise AssertionError(name)


@pytest.mark.parametrize("name, role, query", MORE_PAGES,
                         ids=[f"{name}{query}:{role}".replace("{purpose}", "P") for name, role, query in MORE_PAGES])
def test_register_and_consent_pages_queries_do_not_grow_with_the_rows(client, school, more_people, name, role, query):
    client.force_login(more_people[role])
    few, many, response = _few_and_many(client, lambda: _more_url(name, school, query),
                                        lambda n: _add_more_rows(school, more_people, n))
    assert Sanction.objects.count() == 33
    assert many == few, f"{name}{query}: {few} queries for 3 rows, {many} for 33"
    # The page really lists the rows (a page that shows nothing would pass the count trivially).
    content = response.content.decode()
    if name == "consent:overview" and not query:  # the classes: 3A with all its pupils
        assert '<td class="text-end">33</td>' in content
    else:
        listed = _listed(name, school, content)
        assert listed >= 10, f"{name}{query} lists {listed} of the rows"
