"""The age rule: under 16 the guardians decide; from the sixteenth birthday only the pupil's own answer counts."""

import datetime
from zoneinfo import ZoneInfo

import pytest
from django.utils import formats

from consent import selectors
from consent.selectors import NO, UNKNOWN, YES
from portal.models import PersonKind

from ..factories import PersonFactory
from .support import grant, pupil_with_guardian, refuse

pytestmark = pytest.mark.django_db

AMSTERDAM = ZoneInfo("Europe/Amsterdam")
BORN = datetime.date(2010, 3, 15)
SIXTEENTH = datetime.date(2026, 3, 15)


def at(day, hour=12):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)


@pytest.fixture
def pupil(school):
    return pupil_with_guardian(school, born=BORN)


@pytest.fixture
def granted_by_guardian(pupil, social, leader, time_machine):
    time_machine.move_to(at(datetime.date(2025, 9, 1)), tick=False)
    return grant(pupil, social, actor=leader)


def status_on(pupil, purpose, day, time_machine):
    time_machine.move_to(at(day), tick=False)
    return selectors.consent_status_for(person=pupil, purpose=purpose)


def test_the_day_before_the_sixteenth_birthday_the_guardians_answer_counts(pupil, social, granted_by_guardian, time_machine):
    status = status_on(pupil, social, SIXTEENTH - datetime.timedelta(days=1), time_machine)
    assert status.value == YES and status.may_post
    guardian = pupil.guardians.get()
    assert guardian.full_name in status.reason and "2025" in status.reason
    assert status.record == granted_by_guardian
    assert not status.awaiting_pupil


def test_on_the_sixteenth_birthday_the_guardians_answer_stops_counting(pupil, social, granted_by_guardian, time_machine):
    status = status_on(pupil, social, SIXTEENTH, time_machine)
    assert status.value == UNKNOWN and not status.may_post
    assert status.awaiting_pupil
    assert "16" in status.reason


def test_just_after_midnight_in_amsterdam_on_the_birthday_counts_as_sixteen(pupil, social, granted_by_guardian, time_machine):
    # 23:30 UTC on the day before is already the birthday in the Netherlands.
    time_machine.move_to(datetime.datetime(2026, 3, 14, 23, 30, tzinfo=datetime.timezone.utc), tick=False)
    assert selectors.consent_status_for(person=pupil, purpose=social).awaiting_pupil


def test_after_the_birthday_it_stays_to_be_confirmed_until_the_pupil_answers(pupil, social, granted_by_guardian, time_machine):
    later = status_on(pupil, social, SIXTEENTH + datetime.timedelta(days=200), time_machine)
    assert later.value == UNKNOWN and later.awaiting_pupil


def test_the_pupils_confirmation_from_sixteen_counts(pupil, social, granted_by_guardian, leader, time_machine):
    time_machine.move_to(at(SIXTEENTH + datetime.timedelta(days=3)), tick=False)
    confirmation = grant(pupil, social, actor=leader, by_guardian=False)
    status = selectors.consent_status_for(person=pupil, purpose=social)
    assert status.value == YES and status.record == confirmation and not status.awaiting_pupil
    assert status.reason == selectors._REASONS[("pupil", "granted")] % {"name": "", "date": formats.date_format(confirmation.given_on)}


def test_a_pupils_refusal_from_sixteen_overrides_the_guardian(pupil, social, granted_by_guardian, leader, time_machine):
    time_machine.move_to(at(SIXTEENTH), tick=False)
    refuse(pupil, social, actor=leader, by_guardian=False)
    assert selectors.consent_status_for(person=pupil, purpose=social).value == NO


def test_a_guardians_answer_after_sixteen_does_not_count(pupil, social, leader, time_machine):
    time_machine.move_to(at(SIXTEENTH + datetime.timedelta(days=10)), tick=False)
    grant(pupil, social, actor=leader)
    status = selectors.consent_status_for(person=pupil, purpose=social)
    assert status.value == UNKNOWN and status.awaiting_pupil


def test_the_pupils_own_answer_before_sixteen_counts_neither_before_nor_after(pupil, social, leader, time_machine):
    time_machine.move_to(at(SIXTEENTH - datetime.timedelta(days=30)), tick=False)
    grant(pupil, social, actor=leader, by_guardian=False)
    before = selectors.consent_status_for(person=pupil, purpose=social)
    assert before.value == UNKNOWN and not before.awaiting_pupil
    assert str(before.reason) == str(selectors.NO_GUARDIAN_ANSWER)
    after = status_on(pupil, social, SIXTEENTH, time_machine)
    assert after.value == UNKNOWN and after.awaiting_pupil


def test_no_answer_is_unknown_and_counts_as_no(pupil, social, time_machine):
    status = status_on(pupil, social, datetime.date(2025, 10, 1), time_machine)
    assert status.value == UNKNOWN and not status.may_post
    assert str(status.reason) == str(selectors.NO_ANSWER)


def test_one_guardians_refusal_is_a_no_even_when_the_other_grants_later(school, social, leader, time_machine):
    pupil = pupil_with_guardian(school, born=datetime.date(2013, 1, 1), guardians=2)
    first, second = pupil.guardians.order_by("pk")
    time_machine.move_to(at(datetime.date(2025, 9, 1)), tick=False)
    refuse(pupil, social, actor=leader, guardian=second)
    time_machine.move_to(at(datetime.date(2025, 9, 5)), tick=False)
    grant(pupil, social, actor=leader, guardian=first)
    status = selectors.consent_status_for(person=pupil, purpose=social)
    assert status.value == NO and second.full_name in status.reason
    grant(pupil, social, actor=leader, guardian=second)
    assert selectors.consent_status_for(person=pupil, purpose=social).value == YES


def test_without_a_date_of_birth_nobody_can_be_said_to_decide(school, social, leader):
    pupil = pupil_with_guardian(school, born=None)
    grant(pupil, social, actor=leader)
    status = selectors.consent_status_for(person=pupil, purpose=social)
    assert status.value == UNKNOWN and str(status.reason) == str(selectors.BIRTH_DATE_MISSING)


def test_staff_members_answer_for_themselves_whatever_their_age(school, social, leader):
    teacher = PersonFactory(school=school, kind=PersonKind.STAFF, class_name="", date_of_birth=datetime.date(1980, 1, 1))
    assert selectors.consent_status_for(person=teacher, purpose=social).value == UNKNOWN
    grant(teacher, social, actor=leader, by_guardian=False)
    assert selectors.consent_status_for(person=teacher, purpose=social).value == YES


def test_the_rule_is_a_pure_function_of_person_purpose_date_and_answers(pupil, social, granted_by_guardian, django_assert_num_queries):
    records = [granted_by_guardian]
    with django_assert_num_queries(0):
        before = selectors.consent_status(person=pupil, purpose=social, on_date=SIXTEENTH - datetime.timedelta(days=1), records=records)
        on = selectors.consent_status(person=pupil, purpose=social, on_date=SIXTEENTH, records=records)
        str(before.reason), str(on.reason)
    assert (before.value, on.value) == (YES, UNKNOWN)
    # An answer dated after the day asked about does not count yet.
    assert selectors.consent_status(person=pupil, purpose=social, on_date=datetime.date(2025, 8, 31), records=records).value == UNKNOWN


@pytest.mark.parametrize("born,sixteen", [
    (datetime.date(2010, 3, 15), datetime.date(2026, 3, 15)),
    (datetime.date(2008, 2, 29), datetime.date(2024, 2, 29)),
    (datetime.date(2084, 2, 29), datetime.date(2100, 3, 1)),  # 2100 is no leap year
])
def test_sixteenth_birthday(born, sixteen):
    assert selectors.sixteenth_birthday(born) == sixteen
    assert born in selectors.birth_dates_turning_16_on(sixteen)
