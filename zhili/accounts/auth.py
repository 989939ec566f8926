"""REST authentication: session sign-in counts only once two-factor is satisfied."""

from __future__ import annotations

from typing import Any

from drf_spectacular.authentication import SessionScheme
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from zhili.accounts.twofactor import needs_second_factor


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and needs_second_factor(request._request, result[0]):
            return None
        return result


class VerifiedSessionScheme(SessionScheme):
    """Describes VerifiedSessionAuthentication in the OpenAPI schema as cookie auth."""

    target_class = "zhili.accounts.auth.VerifiedSessionAuthentication"
