"""The daily task: pupils who turn 16 must answer for themselves; the school's administrators are told once."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.conf import settings
from django.urls import reverse

from consent import tasks
from portal.models import Notification, Role

from ..factories import member
from .support import grant, pupil_with_guardian

pytestmark = pytest.mark.django_db

TODAY = datetime.date(2026, 9, 14)


@pytest.fixture(autouse=True)
def today(time_machine):
    time_machine.move_to(datetime.datetime(2026, 9, 14, 6, 30, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False)


@pytest.fixture
def turning(school, social, leader, time_machine):
    pupil = pupil_with_guardian(school, born=datetime.date(2010, 9, 14), first_name="Jesse", last_name="Zestien")
    time_machine.move_to(datetime.datetime(2025, 9, 1, 12, 0, tzinfo=datetime.timezone.utc), tick=False)
    grant(pupil, social, actor=leader)
    time_machine.move_to(datetime.datetime(2026, 9, 14, 6, 30, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False)
    return pupil


def notified():
    return list(Notification.objects.filter(kind="consent_turning_16").values_list("recipient_id", flat=True))


def test_the_admins_are_notified_exactly_once(turning, board_admin, school_admin, leader):
    tasks.notify_pupils_turning_16()
    tasks.notify_pupils_turning_16()
    assert sorted(notified()) == sorted([board_admin.pk, school_admin.pk])
    notification = Notification.objects.filter(recipient=board_admin).get()
    assert "Jesse" not in notification.subject and "Zestien" not in notification.subject
    assert "Zestien" not in notification.body
    assert turning.school.name in notification.subject
    assert notification.url == reverse("consent:person", args=[turning.pk])


def test_a_missed_day_is_caught_up_but_only_once(turning, board_admin, time_machine):
    time_machine.move_to(datetime.datetime(2026, 9, 16, 6, 30, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False)
    tasks.notify_pupils_turning_16()
    time_machine.move_to(datetime.datetime(2026, 9, 17, 6, 30, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False)
    tasks.notify_pupils_turning_16()
    assert notified() == [board_admin.pk]


def test_pupils_not_turning_16_today_are_left_alone(school, board_admin):
    pupil_with_guardian(school, born=datetime.date(2010, 9, 15))  # tomorrow
    pupil_with_guardian(school, born=datetime.date(2011, 9, 14))  # turns 15
    tasks.notify_pupils_turning_16()
    assert notified() == []


def test_administrators_of_another_board_or_school_are_not_told(turning, other_school, sister_school):
    member(Role.ADMIN, board=other_school.board)
    member(Role.ADMIN, school=sister_school)
    tasks.notify_pupils_turning_16()
    assert notified() == []


def test_the_pupils_page_shows_to_be_confirmed(client, turning, board_admin):
    client.force_login(board_admin)
    page = client.get(reverse("consent:person", args=[turning.pk])).content.decode()
    assert 'id="to-be-confirmed"' in page


def test_the_task_runs_daily_on_the_beat():
    entry = settings.CELERY_BEAT_SCHEDULE["consent-turning-16"]
    assert entry["task"] == "consent.tasks.notify_pupils_turning_16"
    assert tasks.notify_pupils_turning_16.name == entry["task"]


def test_every_pupil_turning_16_is_reported_to_each_admin(turning, school, purposes, leader, board_admin, time_machine):
    second = pupil_with_guardian(school, born=datetime.date(2010, 9, 13), first_name="Sam", last_name="Ook")
    already = pupil_with_guardian(school, born=datetime.date(2010, 9, 12))
    time_machine.move_to(datetime.datetime(2026, 9, 13, 12, 0, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False)
    for purpose in purposes.values():
        grant(already, purpose, actor=leader, by_guardian=False)  # answered every purpose themself: nothing to confirm
    time_machine.move_to(datetime.datetime(2026, 9, 14, 6, 30, tzinfo=ZoneInfo("Europe/Amsterdam")), tick=False)
    tasks.notify_pupils_turning_16()
    urls = set(Notification.objects.filter(kind="consent_turning_16", recipient=board_admin).values_list("url", flat=True))
    assert urls == {reverse("consent:person", args=[turning.pk]), reverse("consent:person", args=[second.pk])}
