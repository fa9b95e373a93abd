"""Serializer fields the API's write endpoints share."""

from rest_framework import serializers


class DateTimeField(serializers.DateTimeField):
    """The REST framework's DateTimeField, with a moment at the edge of the calendar (year 1 or 9999, without an
    offset) refused as out of range instead of overflowing while the framework checks it in the portal's time
    zone."""

    def enforce_timezone(self, value):
        try:
            return super().enforce_timezone(value)
        except OverflowError:
            self.fail("overflow")
