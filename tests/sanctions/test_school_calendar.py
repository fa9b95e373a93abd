"""School days know the school's calendar (sanctions/schooldays.py): the public holidays on which Dutch schools close
and the closed periods (vacations, study days) the board's administrator records in the admin, for all the board's
schools or for one. A suspension's last day, the duty's due date and the form's preview all count them; a decided
sanction keeps the dates it was decided with.
"""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from portal.models import AuditEvent, Role
from sanctions import schooldays, services
from sanctions.models import ClosedPeriod
from tests.factories import PersonFactory, UserFactory, member

from .support import impose, measure, sanction_url

pytestmark = pytest.mark.django_db

AMSTERDAM = timezone.get_default_timezone()
EASTER_THURSDAY = datetime.date(2026, 4, 2)
GOOD_FRIDAY = datetime.date(2026, 4, 3)
EASTER_MONDAY = datetime.date(2026, 4, 6)
KINGS_DAY = datetime.date(2026, 4, 27)  # a Monday in 2026


def at(day, hour=10):
    return datetime.datetime.combine(day, datetime.time(hour), tzinfo=AMSTERDAM)


def close(board, first, last=None, *, school=None, name="Voorjaarsvakantie"):
    period = ClosedPeriod(board=board, school=school, name=name, first_day=first, last_day=last or first)
    period.full_clean()
    period.save()
    return period


def suspend(pupil, leader, starts_on, days):
    return impose(pupil, leader, "suspension", days=days, starts_on=starts_on)


# The public holidays ----------------------------------------------------------------------------------------

def test_the_public_holidays_on_which_schools_close():
    assert schooldays.public_holidays(2026) == {
        datetime.date(2026, 1, 1): "Nieuwjaarsdag", EASTER_MONDAY: "Tweede paasdag", KINGS_DAY: "Koningsdag",
        datetime.date(2026, 5, 14): "Hemelvaartsdag", datetime.date(2026, 5, 25): "Tweede pinksterdag",
        datetime.date(2026, 12, 25): "Eerste kerstdag", datetime.date(2026, 12, 26): "Tweede kerstdag",
    }, "Goede vrijdag is a school day; Bevrijdingsdag only in a lustrum year"
    assert schooldays.public_holidays(2025)[datetime.date(2025, 5, 5)] == "Bevrijdingsdag"
    assert GOOD_FRIDAY not in schooldays.public_holidays(2026)


def test_every_chosen_holiday_is_one_the_package_lists():
    """The choice is kept by name: a name the holidays package no longer used would silently open the schools."""
    listed = set()
    for year in (2005, 2010, 2025, 2026):
        listed |= {name for names in schooldays.public_holidays(year).values() for name in names.split("; ")}
    assert listed == schooldays.SCHOOLS_CLOSE_ON


def test_a_suspension_over_easter_monday_ends_a_day_later(leader, pupil):
    # Thursday, Good Friday (a school day), and Tuesday: Easter Monday is not counted.
    assert suspend(pupil, leader, EASTER_THURSDAY, 3).ends_on == datetime.date(2026, 4, 7)


def test_a_suspension_over_kings_day_ends_a_day_later(leader, pupil):
    assert suspend(pupil, leader, datetime.date(2026, 4, 23), 2).ends_on == datetime.date(2026, 4, 24)
    assert suspend(pupil, leader, datetime.date(2026, 4, 24), 2).ends_on == datetime.date(2026, 4, 28)
    # Starting on the holiday itself: from the next school day.
    assert suspend(pupil, leader, KINGS_DAY, 1).ends_on == datetime.date(2026, 4, 28)


# The board's and the school's closed periods ----------------------------------------------------------------

def test_a_suspension_over_the_boards_vacation_week_ends_after_it(leader, pupil, school):
    before = suspend(pupil, leader, datetime.date(2026, 2, 12), 3)
    assert before.ends_on == datetime.date(2026, 2, 16)
    close(school.board, datetime.date(2026, 2, 16), datetime.date(2026, 2, 20))
    # Thursday, Friday, and the Monday after the vacation week.
    assert suspend(pupil, leader, datetime.date(2026, 2, 12), 3).ends_on == datetime.date(2026, 2, 23)


def test_a_schools_own_closed_day_only_affects_that_school(leader, pupil, school, sister_school, sister_leader,
                                                           other_school):
    sister_pupil = PersonFactory(school=sister_school)
    close(school.board, datetime.date(2026, 3, 16), school=sister_school, name="Studiedag")
    close(other_school.board, datetime.date(2026, 3, 13), datetime.date(2026, 3, 20), name="Andere regio")
    friday = datetime.date(2026, 3, 13)
    assert suspend(pupil, leader, friday, 2).ends_on == datetime.date(2026, 3, 16)
    assert suspend(sister_pupil, sister_leader, friday, 2).ends_on == datetime.date(2026, 3, 17)


def test_a_closed_period_is_validated():
    from tests.factories import BoardFactory, SchoolFactory

    board, foreign_school = BoardFactory(), SchoolFactory()
    with pytest.raises(ValidationError) as error:
        close(board, datetime.date(2026, 3, 13), datetime.date(2026, 3, 12))
    assert set(error.value.message_dict) == {"last_day"}
    with pytest.raises(ValidationError) as error:
        close(board, datetime.date(2026, 1, 1), datetime.date(2026, 6, 30))
    assert set(error.value.message_dict) == {"last_day"}, "longer than twelve weeks: most likely a typing error"
    with pytest.raises(ValidationError) as error:
        close(board, datetime.date(1999, 12, 31), datetime.date(2000, 1, 3))
    assert set(error.value.message_dict) == {"first_day"}
    with pytest.raises(ValidationError) as error:
        close(board, datetime.date(2026, 3, 12), school=foreign_school)
    assert set(error.value.message_dict) == {"school"}
    assert not ClosedPeriod.objects.exists()


# The duty's due date --------------------------------------------------------------------------------------

def test_the_duty_due_date_skips_holidays_and_closed_days(time_machine, leader, pupil, school):
    time_machine.move_to(at(EASTER_THURSDAY), tick=False)
    duty = suspend(pupil, leader, EASTER_THURSDAY, 2).duties.get()
    assert duty.due_on == datetime.date(2026, 4, 7), "Good Friday counts, Easter Monday does not"

    close(school.board, datetime.date(2026, 5, 15), name="Vrijdag na Hemelvaart")
    time_machine.move_to(at(datetime.date(2026, 5, 13)), tick=False)
    duty = suspend(pupil, leader, datetime.date(2026, 5, 13), 2).duties.get()
    assert duty.due_on == datetime.date(2026, 5, 19), "Ascension Day and the Friday after: Monday, Tuesday"
    assert schooldays.duty_due_on(school, datetime.date(2026, 5, 13)) == duty.due_on


# Decided history stays -------------------------------------------------------------------------------------

def test_a_decided_sanctions_dates_stay_when_a_closed_period_is_added_later(time_machine, client, leader, pupil,
                                                                            school):
    time_machine.move_to(at(datetime.date(2026, 3, 10)), tick=False)
    sanction = suspend(pupil, leader, datetime.date(2026, 3, 10), 4)
    duty = sanction.duties.get()
    assert (sanction.ends_on, duty.due_on) == (datetime.date(2026, 3, 13), datetime.date(2026, 3, 12))

    close(school.board, datetime.date(2026, 3, 11), datetime.date(2026, 3, 13), name="Studiedagen")
    sanction.refresh_from_db()
    duty.refresh_from_db()
    assert (sanction.ends_on, duty.due_on) == (datetime.date(2026, 3, 13), datetime.date(2026, 3, 12))
    client.force_login(leader)
    page = client.get(sanction_url(sanction)).content.decode()
    assert "10 mrt 2026 – 13 mrt 2026 (4 schooldagen)" in page and "12 mrt 2026" in page
    letter = services.letter_make(sanction=sanction, actor=leader)
    assert "13 maart 2026" in letter.body, "the letter made afterwards names the decided last day"
    # A new suspension counts with the new calendar.
    assert suspend(pupil, leader, datetime.date(2026, 3, 10), 4).ends_on == datetime.date(2026, 3, 18)


# The property --------------------------------------------------------------------------------------------

periods = st.lists(
    st.tuples(st.dates(min_value=datetime.date(2019, 12, 1), max_value=datetime.date(2031, 1, 31)),
              st.integers(min_value=0, max_value=ClosedPeriod.MAX_DAYS - 1)),
    max_size=6,
).map(lambda spans: [(first, first + datetime.timedelta(days=length), f"Periode {n}")
                     for n, (first, length) in enumerate(spans)])


@hypothesis_settings(max_examples=300, deadline=None)
@given(start=st.dates(min_value=datetime.date(2020, 1, 1), max_value=datetime.date(2030, 12, 31)),
       days=st.integers(min_value=1, max_value=schooldays.MAX_SUSPENSION_SCHOOL_DAYS), closed=periods)
def test_a_suspension_covers_exactly_its_school_days(start, days, closed):
    calendar = schooldays.SchoolCalendar(closed)
    last = calendar.suspension_last_day(start, days)
    span = [start + datetime.timedelta(n) for n in range((last - start).days + 1)]
    assert calendar.is_school_day(last)
    assert sum(calendar.is_school_day(day) for day in span) == days
    for day in span:
        in_a_period = any(first <= day <= last for first, last, _name in closed)
        expected = day.weekday() < 5 and day not in schooldays.public_holidays(day.year) and not in_a_period
        assert calendar.is_school_day(day) == expected, day


@hypothesis_settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(start=st.dates(min_value=datetime.date(2025, 12, 1), max_value=datetime.date(2026, 3, 31)),
       days=st.integers(min_value=1, max_value=schooldays.MAX_SUSPENSION_SCHOOL_DAYS))
def test_the_schools_calendar_as_stored_counts_the_same(school, sister_school, start, days):
    if not ClosedPeriod.objects.exists():
        close(school.board, datetime.date(2025, 12, 22), datetime.date(2026, 1, 2), name="Kerstvakantie")
        close(school.board, datetime.date(2026, 2, 16), datetime.date(2026, 2, 20))
        close(school.board, datetime.date(2026, 3, 2), school=school, name="Studiedag")
        close(school.board, datetime.date(2026, 3, 3), school=sister_school, name="Studiedag De Horizon")
    calendar = schooldays.calendar_for(school)
    last = schooldays.suspension_last_day(school, start, days)
    span = [start + datetime.timedelta(n) for n in range((last - start).days + 1)]
    assert calendar.is_school_day(last)
    assert sum(calendar.is_school_day(day) for day in span) == days
    assert not calendar.is_school_day(datetime.date(2026, 3, 2)) and calendar.is_school_day(datetime.date(2026, 3, 3))


# The form's preview -------------------------------------------------------------------------------------

def test_the_form_shows_the_last_day_before_saving(client, leader, pupil, school, other_school):
    close(school.board, datetime.date(2026, 4, 7), name="Studiedag")
    client.force_login(leader)
    form = client.get(reverse("sanctions:create") + f"?person={pupil.pk}").content.decode()
    assert reverse("sanctions:preview") in form and 'id="suspension-preview"' in form
    response = client.get(reverse("sanctions:preview"), {
        "person": pupil.pk, "sanction-measure": measure("pupil", "suspension").pk,
        "sanction-starts_on": "2026-04-02", "sanction-days": "3",
    }, headers={"HX-Request": "true"})
    html = response.content.decode()
    assert response.status_code == 200
    assert "van donderdag 2 april 2026 tot en met woensdag 8 april 2026" in html
    assert "maandag 6 april (Tweede paasdag)" in html and "dinsdag 7 april (Studiedag)" in html
    # Another measure, or no number of days yet: nothing to show.
    for other in ({"sanction-measure": measure("pupil", "removal").pk, "sanction-days": "3"},
                  {"sanction-measure": measure("pupil", "suspension").pk, "sanction-days": ""}):
        response = client.get(reverse("sanctions:preview"), {"person": pupil.pk, "sanction-starts_on": "2026-04-02",
                                                             **other})
        assert response.status_code == 200 and "schooldag" not in response.content.decode()
    foreign = PersonFactory(school=other_school)
    assert client.get(reverse("sanctions:preview"), {"person": foreign.pk}).status_code == 404


def test_the_preview_stays_when_the_form_is_refused(client, leader, pupil):
    client.force_login(leader)
    response = client.post(reverse("sanctions:create") + f"?person={pupil.pk}", {
        "sanction-measure": measure("pupil", "suspension").pk, "sanction-decision": "Twee dagen thuis.",
        "sanction-reasoning": "", "sanction-starts_on": "2026-04-24", "sanction-days": "2",
    })
    assert response.status_code == 400
    assert "tot en met dinsdag 28 april 2026" in response.content.decode()


# The admin ------------------------------------------------------------------------------------------------

ADMIN_URL = "/beheer/sanctions/closedperiod/"


@pytest.fixture
def board_admin(school):
    """The board's administrator, as seed_board makes them: staff (for /beheer/), no superuser."""
    return member(Role.ADMIN, board=school.board, is_staff=True)


@pytest.fixture
def periods_of_two_boards(school, other_school):
    return (close(school.board, datetime.date(2026, 2, 16), datetime.date(2026, 2, 20), name="Onze voorjaarsvakantie"),
            close(other_school.board, datetime.date(2026, 2, 23), datetime.date(2026, 2, 27),
                  name="Hun voorjaarsvakantie"))


@pytest.mark.parametrize("superuser", [False, True], ids=["administrator", "administrator-superuser"])
def test_the_admin_lists_only_the_administrators_boards_periods(client, school, periods_of_two_boards, superuser):
    admin_user = member(Role.ADMIN, board=school.board, is_staff=True, is_superuser=superuser)
    ours, theirs = periods_of_two_boards
    client.force_login(admin_user)
    listing = client.get(ADMIN_URL)
    assert listing.status_code == 200
    html = listing.content.decode()
    assert "Onze voorjaarsvakantie" in html and "Hun voorjaarsvakantie" not in html
    assert theirs.board.name not in html, "not even in the filters"
    assert client.get(f"{ADMIN_URL}{ours.pk}/change/").status_code == 200
    assert client.get(f"{ADMIN_URL}{ours.pk}/history/").status_code == 200
    # Another board's period is not found: its page sends back to the admin's start, its history is refused.
    response = client.get(f"{ADMIN_URL}{theirs.pk}/change/", follow=True)
    assert "Hun voorjaarsvakantie" not in response.content.decode()
    assert client.get(f"{ADMIN_URL}{theirs.pk}/history/").status_code in (403, 404)
    client.post(f"{ADMIN_URL}{theirs.pk}/change/", {"board": school.board.pk, "name": "Overgenomen",
                                                    "first_day": "2026-02-23", "last_day": "2026-02-27"})
    client.post(f"{ADMIN_URL}{theirs.pk}/delete/", {"post": "yes"})
    theirs.refresh_from_db()
    assert (theirs.name, theirs.board) == ("Hun voorjaarsvakantie", periods_of_two_boards[1].board)


def test_the_administrator_records_a_period_for_their_board_only(client, school, other_school, board_admin):
    client.force_login(board_admin)
    assert client.get("/beheer/").status_code == 200
    assert ADMIN_URL in client.get("/beheer/").content.decode()
    refused = client.post(f"{ADMIN_URL}add/", {"board": other_school.board.pk, "name": "Elders",
                                                "first_day": "2026-03-02", "last_day": "2026-03-02"})
    assert refused.status_code == 200 and not ClosedPeriod.objects.exists()
    refused = client.post(f"{ADMIN_URL}add/", {"board": school.board.pk, "name": "Omgekeerd",
                                                "first_day": "2026-03-06", "last_day": "2026-03-02"})
    assert refused.status_code == 200 and "De laatste dag ligt vóór de eerste dag." in refused.content.decode()
    saved = client.post(f"{ADMIN_URL}add/", {"board": school.board.pk, "name": "Studiedag",
                                              "first_day": "2026-03-02", "last_day": "2026-03-02"})
    assert saved.status_code == 302
    period = ClosedPeriod.objects.get()
    assert (period.board, period.school, period.name) == (school.board, None, "Studiedag")
    assert period.history.get().history_user == board_admin
    event = AuditEvent.objects.get(action="calendar.closed_period_add")
    assert (event.actor, event.board, event.detail["first_day"]) == (board_admin, school.board, "2026-03-02")


def test_only_the_boards_administrator_keeps_the_calendar(client, school, leader):
    from rules import has_perm

    board_member = member(Role.BOARD, board=school.board, is_staff=True)
    for user in (leader, board_member):
        assert not has_perm("sanctions.view_closedperiod", user)
        client.force_login(user)
        assert client.get(ADMIN_URL).status_code in (302, 403)
    operator = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(operator)
    assert client.get(ADMIN_URL).status_code == 200
