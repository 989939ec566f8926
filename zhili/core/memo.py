"""Reference data kept in memory per process: taxonomy codes, deadline rules and the like.

Such tables change a few times a year, through the admin, but intake and the deadline sweep read
them for every matter. A `ProcessCache` loads the value once and keeps it for `ttl` seconds. An
edit clears it at once in the process that made the edit (model signals, and again when the edit
commits, so a value read inside the editing transaction is not kept); other processes see the edit
when their copy expires, within `ttl` seconds.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable
from typing import Any, Generic, TypeVar

from django.db import models, transaction
from django.db.models.signals import post_delete, post_save

T = TypeVar("T")
_ALL: list[ProcessCache[Any]] = []


class ProcessCache(Generic[T]):
    def __init__(self, load: Callable[[], T], *, ttl: float = 30.0) -> None:
        self._load = load
        self._ttl = ttl
        self._value: T | None = None
        self._expires = 0.0
        self._lock = threading.Lock()
        _ALL.append(self)

    def get(self) -> T:
        value, expires = self._value, self._expires
        if value is not None and time.monotonic() < expires:
            return value
        with self._lock:
            if self._value is None or time.monotonic() >= self._expires:
                self._value = self._load()
                self._expires = time.monotonic() + self._ttl
            return self._value

    def clear(self) -> None:
        self._value = None
        self._expires = 0.0

    def clear_on_change(self, *senders: type[models.Model]) -> None:
        """Clear when a row of these models is saved or deleted, and again after it commits."""

        def changed(**kwargs: Any) -> None:
            self.clear()
            transaction.on_commit(self.clear, robust=True)

        for sender in senders:
            key = f"zhili.memo.{id(self)}.{sender._meta.label}"
            post_save.connect(changed, sender=sender, weak=False, dispatch_uid=f"{key}.save")
            post_delete.connect(changed, sender=sender, weak=False, dispatch_uid=f"{key}.delete")


def clear_all() -> None:
    """Forget every cached value (tests, after a rolled-back transaction changed reference data)."""
    for cache in _ALL:
        cache.clear()
