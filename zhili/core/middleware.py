from __future__ import annotations

import time
import uuid
from collections.abc import Callable
from urllib.parse import unquote

from django.conf import settings
from django.http import HttpRequest, HttpResponse

from zhili.core.context import ActingContext, acting

REASON_HEADER = "X-Zhili-Reason"


def client_address(request: HttpRequest) -> str | None:
    """The client's address, trusting X-Forwarded-For only for the configured number of proxies."""
    proxies = settings.AXES_IPWARE_PROXY_COUNT or 0
    forwarded = request.META.get("HTTP_X_FORWARDED_FOR", "")
    if proxies and forwarded:
        hops = [hop.strip() for hop in forwarded.split(",") if hop.strip()]
        if len(hops) >= proxies:
            return hops[-proxies]
    return request.META.get("REMOTE_ADDR") or None


class RequestContextMiddleware:
    """Sets the acting context (address, request id, optional reason header) for one request."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        source = "api" if request.path.startswith("/api/") else "web"
        request_id = request.headers.get("X-Request-Id", "")[:64] or uuid.uuid4().hex
        reason = unquote(request.headers.get(REASON_HEADER, ""))[:500]
        context = ActingContext(
            source=source, address=client_address(request), request_id=request_id, reason=reason, request=request
        )
        with acting(context):
            response = self.get_response(request)
        response["X-Request-Id"] = request_id
        return response


class SlidingSessionMiddleware:
    """A signed-in session expires after ZHILI_SESSION_IDLE_MINUTES without a request: each
    request moves the expiry on, as SESSION_SAVE_EVERY_REQUEST would, but the session is written
    at most once every REFRESH_SECONDS, not on every page (three statements on PostgreSQL, a write
    lock on SQLite). The idle limit is kept to within that minute."""

    REFRESH_SECONDS = 60
    KEY = "_zhili_seen"

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        session = getattr(request, "session", None)
        if session is not None and not session.is_empty() and not session.modified:
            now = int(time.time())
            if now - int(session.get(self.KEY, 0)) >= self.REFRESH_SECONDS:
                session[self.KEY] = now  # saved, with a new expiry, by SessionMiddleware
        return response
