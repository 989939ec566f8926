"""Who is acting, from which address, and why: read by the audit log.

The web and API requests set it in RequestContextMiddleware; the CLI and the worker set it with
`acting_as`. Services add a reason for one operation with `because`.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextvars import ContextVar
from dataclasses import dataclass, field, replace
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class ActingContext:
    source: str = "system"  # web, api, cli, worker, system
    address: str | None = None
    request_id: str = field(default_factory=lambda: uuid.uuid4().hex)
    reason: str = ""
    request: HttpRequest | None = None
    user: Any = None

    @property
    def actor(self) -> Any:
        """The authenticated user, looked up late: DRF authenticates tokens inside the view."""
        if self.user is not None:
            return self.user
        user = getattr(self.request, "user", None) if self.request is not None else None
        if user is not None and user.is_authenticated:
            return user
        return None


_current: ContextVar[ActingContext | None] = ContextVar("zhili_acting_context", default=None)


def current() -> ActingContext:
    return _current.get() or ActingContext()


@contextlib.contextmanager
def acting(context: ActingContext) -> Iterator[ActingContext]:
    token = _current.set(context)
    try:
        yield context
    finally:
        _current.reset(token)


@contextlib.contextmanager
def acting_as(user: Any, source: str = "cli", reason: str = "") -> Iterator[ActingContext]:
    with acting(ActingContext(source=source, user=user, reason=reason)) as context:
        yield context


@contextlib.contextmanager
def because(reason: str | None) -> Iterator[ActingContext]:
    """Attach a reason to everything recorded inside the block (keeps the outer reason if empty)."""
    if not reason:
        yield current()
        return
    with acting(replace(current(), reason=reason.strip())) as context:
        yield context
