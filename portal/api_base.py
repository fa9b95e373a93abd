"""What every endpoint of the REST API shares: sign-in, the two-factor rule, throttling, paging and ids.

The REST framework settings name these classes, and it imports them while it imports its own views, so this
module must not import rest_framework.views (nor anything that does): the endpoints live in the apps' api.py.
"""

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from django.utils.translation import gettext_noop
from rest_framework import authentication, exceptions, pagination, permissions, throttling
from rest_framework.settings import api_settings

from .security import second_factor_missing

# The REST framework's own messages that its Dutch translation lacks or words badly. Listed here so that
# makemessages keeps them in the portal's catalogue, whose translations take precedence over the framework's.
FRAMEWORK_MESSAGES = (
    gettext_noop("Not a valid string."),
    gettext_noop("Must be a valid boolean."),
    gettext_noop("Invalid input."),
    gettext_noop("Ensure this field has at least {min_length} elements."),
    gettext_noop("Ensure this field has no more than {max_length} elements."),
    gettext_noop("Datetime value out of range."),
    gettext_noop('Invalid datetime for the timezone "{timezone}".'),
    gettext_noop("Surrogate characters are not allowed: U+{code_point:X}."),
    gettext_noop("Request was throttled."),
    gettext_noop("Expected available in {wait} second."),
    gettext_noop("Expected available in {wait} seconds."),
    gettext_noop("JSON parse error - {detail}"),
    gettext_noop("CSRF Failed: {reason}"),
)

# Ids come from the URL; anything that is not a positive id of a database row does not exist.
MAX_ID = 2**63 - 1


def id_from_url(value):
    """The id in a URL, or a 404: letters, signs and numbers beyond any row's id never name an object."""
    text = str(value)
    if not (text.isascii() and text.isdigit()) or not 0 < int(text) <= MAX_ID:
        raise exceptions.NotFound()
    return int(text)


class TokenAuthentication(authentication.TokenAuthentication):
    """DRF's token sign-in, also telling Django who signed in, so that the change history (simple_history)
    records the API user as the author, as it does for the pages."""

    def authenticate(self, request):
        result = super().authenticate(request)
        if result is not None:
            request._request.user = result[0]
        return result


class SecondFactorSetUp(permissions.BasePermission):
    """The portal's two-factor rule for the API: whoever must sign in to the pages with a second factor
    gets nothing from the API either until an authenticator app is set up (RequireMfaMiddleware leaves
    /api/ to this check, so that the refusal is a JSON 403 and not a redirect)."""

    message = _("Your role requires two-factor authentication. Set up an authenticator app first.")

    def has_permission(self, request, view):
        user = request.user
        return not (user and user.is_authenticated) or not second_factor_missing(request, user)


class _RatesFromSettings:
    """DRF reads the rates once, at import; these read them per request, so a changed setting applies."""

    def get_rate(self):
        return api_settings.DEFAULT_THROTTLE_RATES.get(self.scope)


class UserRateThrottle(_RatesFromSettings, throttling.UserRateThrottle):
    pass


class AnonRateThrottle(_RatesFromSettings, throttling.AnonRateThrottle):
    pass


class PageNumberPagination(pagination.PageNumberPagination):
    """Pages as the REST framework numbers them, with a page size that is a whole number within the limits or a
    400 (the framework would quietly use its default), as the schema says."""

    page_size = settings.PAGE_SIZE
    page_size_query_param = "page_size"
    max_page_size = 100

    def get_page_size(self, request):
        values = request.query_params.getlist(self.page_size_query_param)
        if not values:
            return self.page_size
        if len(values) > 1 or not (values[0].isascii() and values[0].isdigit()) or not 1 <= int(values[0]) <= self.max_page_size:
            raise exceptions.ValidationError({self.page_size_query_param: [
                _("Give one whole number from 1 to %(max)s.") % {"max": self.max_page_size},
            ]})
        return int(values[0])

    def get_schema_operation_parameters(self, view):
        parameters = super().get_schema_operation_parameters(view)
        for parameter in parameters:
            if parameter["name"] == self.page_query_param:
                parameter["schema"]["minimum"] = 1
            elif parameter["name"] == self.page_size_query_param:
                parameter["schema"].update(minimum=1, maximum=self.max_page_size)
        return parameters


class Conflict(exceptions.APIException):
    status_code = 409
    default_detail = _("The case has moved on in the meantime.")
    default_code = "conflict"


class NotFoundWithErrors(exceptions.NotFound):
    """A 404 for something a request names in its body (a school, a purpose, a pupil) that does not exist for this
    user, with the message at the field that named it, as a 400 would give it."""

    def __init__(self, errors):
        super().__init__()
        self.detail = errors
