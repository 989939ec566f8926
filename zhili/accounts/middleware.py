from __future__ import annotations

from collections.abc import Callable
from urllib.parse import urlencode

from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django_otp import user_has_device

from zhili.accounts.twofactor import needs_second_factor

OPEN_PREFIXES = ("/accounts/", "/static/", "/i18n/", "/api/", "/healthz")


class RequireTwoFactorMiddleware:
    """Pages ask for the second factor (or its set-up) before anything else once signed in.

    The API is guarded by VerifiedSessionAuthentication instead, so it answers 401 rather than
    redirecting.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = request.user
        if not request.path.startswith(OPEN_PREFIXES) and needs_second_factor(request, user):
            target = "accounts:otp_verify" if user_has_device(user, confirmed=True) else "accounts:otp_setup"
            # Come back to the page that was asked for once the code is given.
            return redirect(f"{reverse(target)}?{urlencode({'next': request.get_full_path()})}")
        return self.get_response(request)
