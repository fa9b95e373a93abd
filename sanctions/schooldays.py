"""School days and the legal terms of pupils' sanctions, in one place.

- A suspension lasts at most one week: five school days (Inrichtingsbesluit WVO art. 13, WPO art. 40a).
- A suspension of more than one day, and a removal decision, are reported to the Inspectie; a removal also to the
  leerplichtambtenaar. The law names no term: the portal sets the duty's due date ``DUTY_DUE_SCHOOL_DAYS`` school
  days after the decision.
- A pupil of compulsory school age is removed only once another school admits them; the board searches for
  ``REMOVAL_SEARCH_WEEKS`` weeks, and the reminders fire at ``REMOVAL_SEARCH_REMINDER_WEEKS``.

A school day is a weekday on which the school is open: not a public holiday on which Dutch schools close
(``SCHOOLS_CLOSE_ON``), and not in one of the school's closed periods (``ClosedPeriod``: the vacation weeks and study
days the board's administrator records for all the board's schools or for one). Every count goes through a
``SchoolCalendar`` built once from the school, so the suspension's last day, the duty's due date and the form's
preview agree. The functions below take the school, or a calendar already built for it.

What was counted is stored when it is decided (``Sanction.ends_on``, ``Duty.due_on``): a closed period recorded
later, or a new version of the ``holidays`` package, never changes a decided sanction's dates.
"""

import datetime
from functools import lru_cache

import holidays

MAX_SUSPENSION_SCHOOL_DAYS = 5
# A suspension longer than this many days is reported to the Inspectie.
SUSPENSION_REPORTED_AFTER_DAYS = 1
DUTY_DUE_SCHOOL_DAYS = 2
REMOVAL_SEARCH_WEEKS = 8
REMOVAL_SEARCH_REMINDER_WEEKS = (6, 7, 8)

# The public holidays of the Netherlands (the ``holidays`` package, by their Dutch names) on which schools are closed.
# Left out on purpose:
# - Goede vrijdag: the package lists it, but it is no day off in the collective agreements of primary and secondary
#   education; a school that closes (many denominational schools do) records it as a closed period.
# - Eerste paasdag and Eerste pinksterdag: always a Sunday.
# - Bevrijdingsdag is in: the package lists it as a public holiday only in the lustrum years (2025, 2030, ...), when
#   schools close too. In other years most schools are open on 5 May, or it lies in the May vacation; a school
#   that closes on it records it as a closed period.
SCHOOLS_CLOSE_ON = frozenset({
    "Nieuwjaarsdag", "Tweede paasdag", "Koningsdag", "Koninginnedag", "Bevrijdingsdag", "Hemelvaartsdag",
    "Tweede pinksterdag", "Eerste kerstdag", "Tweede kerstdag",
})


@lru_cache(maxsize=128)
def public_holidays(year):
    """{day: name} of the public holidays in ``year`` on which Dutch schools are closed (SCHOOLS_CLOSE_ON)."""
    listed = holidays.Netherlands(years=year, language="nl")
    closed = {}
    for day in listed:
        names = [name for name in listed.get_list(day) if name in SCHOOLS_CLOSE_ON]
        if names:
            closed[day] = "; ".join(names)
    return closed


class SchoolCalendar:
    """The days one school is closed on a weekday: the public holidays and the school's closed periods.
    ``periods`` holds (first day, last day, name) tuples; ``calendar_for`` reads them for a school."""

    def __init__(self, periods=()):
        self.periods = sorted(tuple(period) for period in periods)

    def closed_for(self, day):
        """Why the school is closed on this weekday (a holiday's or a closed period's name), or None: open, or a
        weekend day."""
        if day.weekday() >= 5:
            return None
        holiday = public_holidays(day.year).get(day)
        if holiday:
            return holiday
        for first, last, name in self.periods:
            if first <= day <= last:
                return name
        return None

    def is_school_day(self, day):
        return day.weekday() < 5 and self.closed_for(day) is None

    def first_school_day(self, day):
        """``day`` itself when it is a school day, else the next one."""
        while not self.is_school_day(day):
            day += datetime.timedelta(days=1)
        return day

    def school_days_after(self, day, count):
        """The school day ``count`` school days after ``day`` (``day`` itself need not be a school day)."""
        for _ in range(count):
            day = self.first_school_day(day + datetime.timedelta(days=1))
        return day

    def suspension_last_day(self, starts_on, days):
        """The last school day of a suspension of ``days`` school days from ``starts_on`` (on a day the school is
        closed: from the next school day)."""
        return self.school_days_after(self.first_school_day(starts_on), days - 1)

    def suspension_span(self, starts_on, days):
        """(first day, last day, [(day, why)] of the weekdays skipped in between) of a suspension of ``days`` school
        days from ``starts_on``: what the sanction form shows before it is saved."""
        first = self.first_school_day(starts_on)
        last = self.school_days_after(first, days - 1)
        return first, last, self.closed_days(starts_on, last)

    def duty_due_on(self, decided_on):
        return self.school_days_after(decided_on, DUTY_DUE_SCHOOL_DAYS)

    def closed_days(self, first, last):
        """[(day, why)] for each weekday from ``first`` to ``last`` on which the school is closed."""
        days = []
        day = first
        while day <= last:
            why = self.closed_for(day)
            if why:
                days.append((day, why))
            day += datetime.timedelta(days=1)
        return days


def calendar_for(school):
    """The calendar of this school: the public holidays, and the closed periods of its board for all its schools or
    for this one (one query). A calendar passed in is returned as it is."""
    if isinstance(school, SchoolCalendar):
        return school
    from .models import ClosedPeriod

    return SchoolCalendar(ClosedPeriod.objects.for_school(school).values_list("first_day", "last_day", "name"))


def is_school_day(school, day):
    return calendar_for(school).is_school_day(day)


def first_school_day(school, day):
    return calendar_for(school).first_school_day(day)


def school_days_after(school, day, count):
    return calendar_for(school).school_days_after(day, count)


def suspension_last_day(school, starts_on, days):
    """The last school day of a suspension of ``days`` school days from ``starts_on`` at this school."""
    return calendar_for(school).suspension_last_day(starts_on, days)


def duty_due_on(school, decided_on):
    """The due date of a duty to report: ``DUTY_DUE_SCHOOL_DAYS`` school days of this school after the decision."""
    return calendar_for(school).duty_due_on(decided_on)


def removal_search_ends_on(approved_on):
    return approved_on + datetime.timedelta(weeks=REMOVAL_SEARCH_WEEKS)
