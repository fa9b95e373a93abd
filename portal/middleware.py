from django.conf import settings
from django.utils import translation


class PortalLocaleMiddleware:
    """Dutch unless the user chose otherwise: the browser's language is not a choice made in the portal.

    Django's LocaleMiddleware would follow Accept-Language and show English to a Dutch teacher whose
    browser happens to be set to English; here only the language cookie (set by the switch) counts.
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.available = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.available:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        response.headers.setdefault("Content-Language", language)
        return response


class RequireMfaMiddleware:
    """Users with a role beyond staff member reach no page but the account pages until TOTP is set up.

    The REST API applies the same rule itself (portal.api_base.SecondFactorSetUp), for token and session
    sign-in alike, and answers with a JSON 403 instead of this redirect."""

    allowed_prefixes = ("/account/", "/static/", "/i18n/", "/api/")

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import messages
        from django.shortcuts import redirect
        from django.utils.translation import gettext as _

        user = getattr(request, "user", None)
        if (
            settings.MELDPUNT_MFA_REQUIRED
            and user is not None
            and user.is_authenticated
            and not request.path_info.startswith(self.allowed_prefixes)
        ):
            from .security import second_factor_missing

            if second_factor_missing(request, user):
                if not request.htmx:  # an htmx request reloads the page (HtmxReloadMiddleware), which says it once
                    messages.warning(request, _("Your role requires two-factor authentication. Set up an authenticator app first."))
                return redirect("mfa_activate_totp")
        return self.get_response(request)


class HtmxReloadMiddleware:
    """An htmx request fetches a part of a page. A redirect (to the login page when the session has expired, to
    setting up the second factor) or a refusal is no such part: htmx would follow the redirect and put the login
    page into the part, or swap nothing and say nothing. The browser reloads the page instead, which then
    shows the login page, or the page as it now is (a case closed in the meantime has no forms any more), with
    a word on why for a refusal.

    Sits outside RequireMfaMiddleware, whose redirect it must see, and after django-htmx's HtmxMiddleware."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.contrib import messages
        from django.utils.translation import gettext as _
        from django_htmx.http import HttpResponseClientRefresh

        response = self.get_response(request)
        if not request.htmx or request.htmx.boosted:
            return response
        if 300 <= response.status_code < 400 and response.has_header("Location"):
            return HttpResponseClientRefresh()
        if response.status_code in (403, 404):
            if response.status_code == 403:
                messages.warning(request, _("That is not possible here (any more), for instance because the case was "
                                            "closed in the meantime. The page has been reloaded: it shows what you can do now."))
            refresh = HttpResponseClientRefresh()
            refresh.status_code = response.status_code
            return refresh
        return response


class NoStoreForSignedInMiddleware:
    """Nothing a signed-in user receives is kept by a browser or a proxy: pages, PDFs, CSV/XLSX exports,
    downloads and the API all carry personal data, and a shared school computer's cache or back button must
    not show them to the next user.

    One rule for every response, rather than a decorator per view that a new view could lack. It reads
    request.user after the view ran, so an API request signed in with a token (which Django REST framework
    authenticates inside the view, and sets on the request) is covered as well."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        from django.utils.cache import patch_cache_control

        response = self.get_response(request)
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            patch_cache_control(response, private=True, no_store=True)
        return response
