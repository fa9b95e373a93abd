"""School days and the legal terms of pupils' sanctions, in one place.

- A suspension lasts at most one week: five school days (Inrichtingsbesluit WVO art. 13, WPO art. 40a).
- A suspension of more than one day, and a removal decision, are reported to the Inspectie; a removal also to the
  leerplichtambtenaar. The law names no term: the portal sets the duty's due date ``DUTY_DUE_SCHOOL_DAYS`` school
  days after the decision.
- A pupil of compulsory school age is removed only once another school admits them; the board searches for
  ``REMOVAL_SEARCH_WEEKS`` weeks, and the reminders fire at ``REMOVAL_SEARCH_REMINDER_WEEKS``.

A school day is a weekday. Holidays differ per region and school and are not known here: a school that is closed on
a weekday counts it by hand.
"""

import datetime

MAX_SUSPENSION_SCHOOL_DAYS = 5
# A suspension longer than this many days is reported to the Inspectie.
SUSPENSION_REPORTED_AFTER_DAYS = 1
DUTY_DUE_SCHOOL_DAYS = 2
REMOVAL_SEARCH_WEEKS = 8
REMOVAL_SEARCH_REMINDER_WEEKS = (6, 7, 8)


def is_school_day(day):
    return day.weekday() < 5


def first_school_day(day):
    """``day`` itself when it is a school day, else the next one."""
    while not is_school_day(day):
        day += datetime.timedelta(days=1)
    return day


def school_days_after(day, count):
    """The school day ``count`` school days after ``day`` (``day`` itself need not be a school day)."""
    for _ in range(count):
        day = first_school_day(day + datetime.timedelta(days=1))
    return day


def suspension_last_day(starts_on, days):
    """The last school day of a suspension of ``days`` school days from ``starts_on`` (on a weekend: from the
    Monday after)."""
    return school_days_after(first_school_day(starts_on), days - 1)


def duty_due_on(decided_on):
    return school_days_after(decided_on, DUTY_DUE_SCHOOL_DAYS)


def removal_search_ends_on(approved_on):
    return approved_on + datetime.timedelta(weeks=REMOVAL_SEARCH_WEEKS)
