"""REST authentication: API tokens (knox), and session sign-in that counts only once two-factor is satisfied."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from drf_spectacular.authentication import SessionScheme
from drf_spectacular.contrib.knox_auth_token import KnoxTokenScheme
from knox.auth import TokenAuthentication as KnoxTokenAuthentication
from knox.models import AuthToken
from knox.signals import token_expired
from rest_framework.authentication import SessionAuthentication
from rest_framework.request import Request

from zhili.accounts.twofactor import needs_second_factor


class VerifiedSessionAuthentication(SessionAuthentication):
    def authenticate(self, request: Request) -> tuple[Any, None] | None:
        result = super().authenticate(request)
        if result is not None and needs_second_factor(request._request, result[0]):
            return None
        return result


class TokenAuthentication(KnoxTokenAuthentication):
    """knox's token authentication without its per-request sweep of the user's other tokens.

    knox loads and checks every token of the user on every request to delete the expired ones;
    an integration account with many tokens pays for that on each call. Here a request checks only
    the token it presents; the worker's `expire_tokens` task deletes the rest (zhili/core/tasks.py).
    """

    def _cleanup_token(self, auth_token: AuthToken) -> bool:
        if auth_token.expiry is not None and auth_token.expiry < timezone.now():
            username = auth_token.user.get_username()
            auth_token.delete()
            token_expired.send(sender=self.__class__, username=username, source="auth_token")
            return True
        return False


class TokenScheme(KnoxTokenScheme):
    """Describes TokenAuthentication in the OpenAPI schema as drf-spectacular does knox's own."""

    target_class = "zhili.accounts.auth.TokenAuthentication"


class VerifiedSessionScheme(SessionScheme):
    """Describes VerifiedSessionAuthentication in the OpenAPI schema as cookie auth."""

    target_class = "zhili.accounts.auth.VerifiedSessionAuthentication"
