"""Two-factor sign-in (TOTP, django-otp). Enforced for staff when ZHILI_REQUIRE_2FA is on."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.http import HttpRequest
from django_otp import user_has_device


def is_staff_member(user: Any) -> bool:
    if "_zhili_is_staff" not in user.__dict__:
        from zhili.accounts.roles import Role

        user.__dict__["_zhili_is_staff"] = user.is_superuser or user.memberships.exclude(role=Role.RESIDENT).exists()
    return bool(user.__dict__["_zhili_is_staff"])


def needs_second_factor(request: HttpRequest, user: Any) -> bool:
    """True when this signed-in session still owes a TOTP code (or a TOTP device)."""
    if not user or not user.is_authenticated:
        return False
    verified = getattr(request.user, "is_verified", lambda: False)()
    if verified:
        return False
    if user_has_device(user, confirmed=True):
        return True  # anyone who set up a device proves it at each sign-in
    return bool(settings.REQUIRE_STAFF_2FA) and is_staff_member(user)
