"""Django admin is for platform operators (superusers) only; staff work in the pages and API,
where the jurisdiction scope applies."""

from django.contrib import admin
from django.http import HttpRequest


def superusers_only(request: HttpRequest) -> bool:
    return bool(request.user.is_active and request.user.is_superuser)


admin.site.has_permission = superusers_only  # type: ignore[method-assign]
