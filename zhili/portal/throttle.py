"""How often one network may use the portal's open doors: report a matter, ask for a tracking
code, try a code, ask for a category hint (django-ratelimit, counted in Django's cache).

The portal needs no account, so a flood can only be told apart by where it comes from: the
client's address (`core.middleware.client_address`, which trusts as many proxies as configured),
an IPv6 client by its /64. The counts live in the cache for the length of their window and are
never written anywhere else: they limit a network, they do not describe a person. Residents behind
one address (a village's shared line, a carrier's NAT) share a limit, so the limits are set well
above what a household sends; `ZHILI_PORTAL_REPORT_RATE` raises the one for reports.

With the default cache each web process counts on its own (a process sees its share of the
requests); ZHILI_CACHE_URL (Redis) makes one count for all of them.
"""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import is_ratelimited

from zhili.core.middleware import client_address

# What is limited (a key of settings.PORTAL_RATES): "report", "code", "verify", "hint".


def allow(request: HttpRequest, action: str) -> bool:
    """Count this request against the client's limit for `action`; False once it is used up."""
    return not is_ratelimited(
        request, group=f"portal.{action}", key="ip", rate=settings.PORTAL_RATES[action], increment=True
    )


def address(request: HttpRequest) -> str:
    """The client's address as django-ratelimit reads it (RATELIMIT_IP_META_KEY): behind the
    trusted proxies, as everywhere else. A request without one counts with the others without."""
    return client_address(request) or "0.0.0.0"  # noqa: S104 (an address to count under, not to bind)
