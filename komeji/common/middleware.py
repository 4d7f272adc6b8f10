from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_vary_headers

_LANGUAGES = {code for code, _name in settings.LANGUAGES}


class ChosenLanguageMiddleware:
    """Indonesian unless the visitor chose another language: the switcher's cookie, else the
    signed-in user's saved choice. Place after AuthenticationMiddleware.

    Unlike Django's LocaleMiddleware, the browser's Accept-Language is ignored: Komeji speaks
    Indonesian to everyone by default, English only to whoever asked for it.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        chosen = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME, "")
        user = getattr(request, "user", None)
        if chosen not in _LANGUAGES and user is not None and user.is_authenticated:
            chosen = getattr(user, "language", "")
        language = chosen if chosen in _LANGUAGES else settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response
