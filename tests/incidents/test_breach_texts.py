"""Breach messages tell the truth: a breach reported after its 72 hours says so, reminders tell the hours as they
are, the "term passed" mail goes out once, the links open the review, and the register tells date and time."""

import csv
import datetime
import io

import pytest
from django.core import mail
from django.urls import reverse
from openpyxl import load_workbook

from incidents import deadlines, services
from incidents.tasks import remind_breach_deadlines
from portal.models import Notification, NotificationState, Role
from portal.tasks import deliver_notifications

from ..conftest import wait_for
from ..factories import IncidentFactory, SchoolFactory, member

# 10:00 in Amsterdam (summer time): the pages and exports tell local time.
DISCOVERED = datetime.datetime(2026, 5, 11, 8, 0, tzinfo=datetime.timezone.utc)
TERM_PASSED = "de termijn van 72 uur is verstreken"


@pytest.fixture
def fg(school):
    return member(Role.PRIVACY_OFFICER, board=school.board, email="fg@bestuur.nl")


def report(school, *, discovered_at, **extra):
    staff = member(Role.STAFF, school=school)
    return services.incident_report(school=school, reporter=staff, platform="whatsapp", category="data_breach",
                                    description="Een lijst met adressen van leerlingen in de ouderapp gezet.",
                                    discovered_at=discovered_at, **extra)


def deliver_pending():
    """What the worker does with each row of the outbox (the real task, run here)."""
    for pk in Notification.objects.filter(state=NotificationState.PENDING).order_by("pk").values_list("pk", flat=True):
        deliver_notifications.apply(args=[[pk]])


def mails_to(address):
    return [m for m in mail.outbox if m.to == [address]]


@pytest.mark.django_db
def test_a_breach_reported_after_its_72_hours_says_in_the_first_mail_that_the_term_has_passed(
        school, leader, fg, time_machine, dutch):
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=100), tick=False)
    incident = report(school, discovered_at=DISCOVERED)
    deliver_pending()

    [first] = mails_to("fg@bestuur.nl")
    assert incident.reference in first.subject and TERM_PASSED in first.subject
    assert "loopt" not in first.subject + first.body
    assert "ontdekt op 11 mei 2026 10:00" in first.body and "verstreken op 14 mei 2026 10:00" in first.body
    # The school leader hears of it as well, in the same single "term passed" message.
    assert [m for m in mails_to(leader.email) if TERM_PASSED in m.subject]


@pytest.mark.django_db
def test_a_breach_reported_in_time_still_says_the_clock_is_running(school, leader, fg, time_machine, dutch):
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=5), tick=False)
    report(school, discovered_at=DISCOVERED)
    deliver_pending()
    [first] = mails_to("fg@bestuur.nl")
    assert "de termijn van 72 uur loopt" in first.subject and "14 mei 2026 10:00" in first.body


@pytest.mark.django_db
def test_flagging_privacy_at_triage_after_the_72_hours_says_the_term_has_passed(school, leader, fg, time_machine, dutch):
    time_machine.move_to(DISCOVERED, tick=False)
    incident = IncidentFactory(school=school, discovered_at=DISCOVERED)
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=90), tick=False)
    services.incident_triage(incident=incident, actor=leader, severity="high", category="bullying", privacy_flag=True)
    assert list(Notification.objects.filter(incident=incident, recipient=fg).values_list("kind", flat=True)) == [
        "breach_overdue"]


@pytest.mark.django_db
@pytest.mark.parametrize("hours,subject_hours,left", [(24, 24, "2 dagen"), (52, 52, "20 uur"), (70.5, 70, "1 uur, 30 minuten")])
def test_reminders_tell_the_hours_as_they_are(school, leader, fg, time_machine, dutch, hours, subject_hours, left):
    time_machine.move_to(DISCOVERED, tick=False)
    incident = report(school, discovered_at=DISCOVERED)
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=hours), tick=False)
    remind_breach_deadlines.apply()
    [reminder] = Notification.objects.filter(incident=incident, kind="breach_deadline", recipient=fg)
    assert reminder.subject == f"Datalek {incident.reference}: {subject_hours} uur sinds ontdekking"
    assert f"De 72 uur verstrijken op 14 mei 2026 10:00, over {left}." in reminder.body.replace("\xa0", " ")


@pytest.mark.django_db
def test_after_the_deadline_no_reminder_claims_fewer_hours(school, leader, fg, time_machine, dutch):
    time_machine.move_to(DISCOVERED, tick=False)
    incident = report(school, discovered_at=DISCOVERED)
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=100), tick=False)
    remind_breach_deadlines.apply()
    subjects = list(Notification.objects.filter(incident=incident, recipient=fg).exclude(kind="privacy_reported")
                    .values_list("subject", flat=True))
    assert subjects == [f"Datalek {incident.reference}: {TERM_PASSED}"]


@pytest.mark.django_db
def test_reminder_links_open_the_breach_review(client, school, leader, fg, time_machine, dutch):
    time_machine.move_to(DISCOVERED, tick=False)
    incident = report(school, discovered_at=DISCOVERED)
    for hours in (24, 80):
        time_machine.move_to(DISCOVERED + datetime.timedelta(hours=hours), tick=False)
        remind_breach_deadlines.apply()
    review_page, case_review = f"/datalekken/{incident.pk}/", f"/zaken/{incident.pk}/#breach-review"
    for kind in ("privacy_reported", "breach_deadline", "breach_overdue"):
        assert Notification.objects.get(incident=incident, kind=kind, recipient=fg).url == review_page, kind
    for kind in ("breach_deadline", "breach_overdue"):
        assert Notification.objects.get(incident=incident, kind=kind, recipient=leader).url == case_review, kind

    deliver_pending()
    assert all(f"http://127.0.0.1:8000{review_page}" in m.body for m in mails_to(fg.email))
    assert f"http://127.0.0.1:8000{case_review}" in mails_to(leader.email)[-1].body
    client.force_login(fg)
    assert client.get(review_page).status_code == 200
    client.force_login(leader)
    assert 'id="breach-review"' in client.get(f"/zaken/{incident.pk}/").content.decode()


@pytest.mark.django_db(transaction=True)
def test_the_term_passed_mail_reaches_the_fg_and_the_leader_once_however_often_beat_runs(
        celery_worker_on_redis, time_machine, dutch):
    school = SchoolFactory(name="Het Baken")
    member(Role.SCHOOL_LEADER, school=school, email="leider@school.nl")
    member(Role.PRIVACY_OFFICER, board=school.board, email="fg@bestuur.nl")
    time_machine.move_to(DISCOVERED)
    in_time = report(school, discovered_at=DISCOVERED)
    late = report(school, discovered_at=DISCOVERED - datetime.timedelta(hours=100))

    for hours in (24, 71, 72.5, 73, 80, 200):
        time_machine.move_to(DISCOVERED + datetime.timedelta(hours=hours))
        remind_breach_deadlines.apply()  # beat's task, run here; the worker delivers what it writes
        remind_breach_deadlines.apply()
    wait_for(lambda: not Notification.objects.exclude(state=NotificationState.SENT).exists()
             and len(mail.outbox) == Notification.objects.count())

    for incident in (in_time, late):
        passed = sorted(m.to[0] for m in mail.outbox if incident.reference in m.subject and TERM_PASSED in m.subject)
        assert passed == ["fg@bestuur.nl", "leider@school.nl"], incident
    reminders = sorted(m.subject for m in mail.outbox if m.to == ["fg@bestuur.nl"] and "sinds ontdekking" in m.subject)
    assert reminders == [f"[Meldpunt] Datalek {in_time.reference}: {h} uur sinds ontdekking" for h in (24, 71)]


@pytest.mark.django_db
def test_the_register_page_tells_date_and_time_in_amsterdam(client, school, fg, time_machine, dutch):
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=1), tick=False)
    incident = report(school, discovered_at=DISCOVERED + datetime.timedelta(minutes=15))
    services.breach_assess(incident=incident, actor=fg, risk="risk", risk_reasoning="Adressen van leerlingen gelekt.",
                           ap_notified_at=DISCOVERED + datetime.timedelta(minutes=50), ap_reference="AP-2026-7")
    client.force_login(fg)
    content = client.get(reverse("incidents:breach_register")).content.decode().lower()
    assert "11 mei 2026 10:15" in content  # discovered
    assert "14 mei 2026 10:15" in content  # deadline
    assert "11 mei 2026 10:50 (ap-2026-7)" in content  # reported to the AP
    assert "11 mei 2026 11:00" in content  # decided


@pytest.mark.django_db
def test_the_register_exports_tell_date_and_time_in_amsterdam(client, school, fg, time_machine, dutch):
    time_machine.move_to(DISCOVERED + datetime.timedelta(hours=1), tick=False)
    incident = report(school, discovered_at=DISCOVERED + datetime.timedelta(minutes=15))
    client.force_login(fg)

    export = client.get(reverse("incidents:breach_register"), {"export": "csv"})
    [row] = csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode().lstrip("\ufeff")), delimiter=";")
    assert (row["Kenmerk"], row["Ontdekt op"], row["Uiterste termijn"]) == (incident.reference, "2026-05-11 10:15", "2026-05-14 10:15")

    export = client.get(reverse("incidents:breach_register"), {"export": "xlsx"})
    sheet = load_workbook(io.BytesIO(b"".join(export.streaming_content))).active
    header = [cell.value for cell in sheet[1]]
    discovered = sheet.cell(row=2, column=header.index("Ontdekt op") + 1)
    assert discovered.value == datetime.datetime(2026, 5, 11, 10, 15)
    assert "h:mm" in discovered.number_format  # shown with its time, not as a date alone
