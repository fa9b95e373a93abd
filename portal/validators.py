"""The plausible window of every date the portal records, and the length of every free text: defined once, used by
the model fields (so that ModelForms and ModelSerializers take them over), the plain forms and the API.

- Nothing before 2000: the portal keeps records of schools' cases, not history.
- A moment that records the past (informed at, sent at, discovered, happened, police report filed ...) is not in
  the future (a few minutes of clock difference allowed).
- A date that may lie ahead (a sanction taking effect or ending, a protocol's review) lies at most a few years
  ahead.
- A number of days is at least one and at most a school year.
- A year-1 or year-9999 date-time is refused at its field like any other date outside the window, never an
  overflow in a time-zone conversion.
"""

import datetime

from django.core.exceptions import ValidationError
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

EARLIEST_DATE = datetime.date(2000, 1, 1)
CLOCK_TOLERANCE = datetime.timedelta(minutes=5)
YEARS_AHEAD = 5
MAX_DAYS = 366

TEXT_MAX_LENGTH = 5_000  # a record's free text: an account, a reasoning, what was said
LONG_TEXT_MAX_LENGTH = 20_000  # the report's own description and the written account of the facts

MIN_DAYS = MinValueValidator(1, message=_("Give a number of days of at least 1."))
MAX_DAYS_VALIDATOR = MaxValueValidator(MAX_DAYS, message=_("Give a number of days of at most %(limit_value)s."))
DAY_COUNT_VALIDATORS = [MIN_DAYS, MAX_DAYS_VALIDATOR]


def _as_date(value):
    """The calendar day of a date or of a moment (in the portal's time zone)."""
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            try:
                value = timezone.localtime(value)
            except OverflowError:  # a moment at the very edge of the calendar: its own day is near enough
                pass
        return value.date()
    return value


def _latest_ahead():
    today = timezone.localdate()
    try:
        return today.replace(year=today.year + YEARS_AHEAD)
    except ValueError:  # 29 February
        return today.replace(year=today.year + YEARS_AHEAD, day=28)


def in_future(value):
    """Whether a date or moment lies after now (a moment: beyond a few minutes of clock difference)."""
    if value is None:
        return False
    if isinstance(value, datetime.datetime):
        if timezone.is_naive(value):
            value = timezone.make_aware(value)
        try:
            return value > timezone.now() + CLOCK_TOLERANCE
        except OverflowError:
            return True
    return value > timezone.localdate()


def validate_not_before_2000(value):
    if value is not None and _as_date(value) < EARLIEST_DATE:
        raise ValidationError(_("Give a date from 1 January 2000 onwards."), code="too_early")


def validate_in_past(value):
    """For a date or moment that records what has happened: from 2000 up to now."""
    validate_not_before_2000(value)
    if in_future(value):
        if isinstance(value, datetime.datetime):
            raise ValidationError(_("This moment lies in the future."), code="future")
        raise ValidationError(_("This date lies in the future."), code="future")


def validate_within_years_ahead(value):
    """For a date that may lie ahead (a sanction, a review): from 2000 up to a few years from today."""
    validate_not_before_2000(value)
    if value is not None and _as_date(value) > _latest_ahead():
        raise ValidationError(
            _("Give a date at most %(years)s years from today.") % {"years": YEARS_AHEAD}, code="too_late",
        )


def refusals(validator, **values):
    """{field: messages} for the values ``validator`` refuses: a service checks a value with its field's own validator,
    so that the rule and its message stay in one place."""
    errors = {}
    for name, value in values.items():
        try:
            validator(value)
        except ValidationError as error:
            errors[name] = error.messages
    return errors


class BoundedTextField(models.TextField):
    """A free text with a length limit that the model's validation, its form field and its serializer field all
    hold (a plain TextField passes max_length to the form only)."""

    def __init__(self, *args, max_length=TEXT_MAX_LENGTH, **kwargs):
        super().__init__(*args, max_length=max_length, **kwargs)
        self.validators.append(MaxLengthValidator(self.max_length))
