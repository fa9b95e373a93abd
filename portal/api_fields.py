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


class _NullWhenBlank:
    """A value that may not be there yet: the database keeps it as "", the API sends null (the schema says
    nullable), so that a client never sees "" where an enum or a URI is promised."""

    def __init__(self, **kwargs):
        kwargs.setdefault("allow_null", True)
        super().__init__(**kwargs)

    def to_representation(self, value):
        return None if value == "" else super().to_representation(value)


class OptionalChoiceField(_NullWhenBlank, serializers.ChoiceField):
    """A choice not made yet (severity before triage, the decision before step 3): null."""


class OptionalURLField(_NullWhenBlank, serializers.URLField):
    """A link that may be missing (evidence that is a file): null."""


class QueryParametersSerializer(serializers.Serializer):
    """Query parameters (filters). One given empty (?state=) is refused like any other invalid value: the REST
    framework would take it as not given, where the schema says that it is not a valid value."""

    def to_internal_value(self, data):
        getlist = getattr(data, "getlist", lambda name: [data.get(name)])
        blank = {name: [serializers.CharField.default_error_messages["blank"]]
                 for name in self.fields if name in data and "" in getlist(name)}
        if blank:
            raise serializers.ValidationError(blank)
        return super().to_internal_value(data)
