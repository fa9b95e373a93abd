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
