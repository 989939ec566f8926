"""Django's SQLite backend, with writers that wait their turn without sleeping.

SQLite lets one writer in at a time. A connection that finds the write lock taken calls its busy
handler, which sleeps and retries: 1, 2, 5, 10 … up to 100 ms between tries. Under a burst of
intakes from several gunicorn threads and processes, the unlucky writer sleeps through many
commits of the others and its request takes a second or more, though each write takes a
millisecond.

Here every write transaction (Zhili starts them all with BEGIN IMMEDIATE) first takes a lock of
its own: a thread lock within the process, then an flock() on a file beside the database between
processes. A thread waiting for the thread lock wakes as soon as it is released; only the one
thread per process that holds it polls the file lock, every 0.2–2 ms. Both are released when
the transaction commits or rolls back, or the connection closes; a killed process's flock goes
with it. The wait is bounded by the database's `timeout` option, after which the error is
SQLite's own "database is locked". In-memory databases (tests) need none of this.
"""

from __future__ import annotations

import fcntl
import os
import threading
import time
from typing import Any

from django.db import OperationalError
from django.db.backends.sqlite3 import base


class _WriterLock:
    """One per database file per process."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.thread_lock = threading.Lock()
        self.fd: int | None = None
        self.pid = 0

    def acquire(self, timeout: float) -> bool:
        deadline = time.monotonic() + timeout
        if not self.thread_lock.acquire(timeout=timeout):
            return False
        if self.pid != os.getpid():  # first use in this process, or a fork inherited the file
            self.fd = os.open(self.path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            self.pid = os.getpid()
        assert self.fd is not None
        delay = 0.0001
        while True:
            try:
                fcntl.flock(self.fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
                return True
            except BlockingIOError:
                if time.monotonic() >= deadline:
                    self.thread_lock.release()
                    return False
                time.sleep(delay)
                delay = min(delay * 2, 0.0005)

    def release(self) -> None:
        assert self.fd is not None
        fcntl.flock(self.fd, fcntl.LOCK_UN)
        self.thread_lock.release()


_locks: dict[str, _WriterLock] = {}
_locks_guard = threading.Lock()


def _writer_lock(database: str) -> _WriterLock:
    path = os.path.abspath(database) + "-writer.lock"
    with _locks_guard:
        if path not in _locks:
            _locks[path] = _WriterLock(path)
        return _locks[path]


class DatabaseWrapper(base.DatabaseWrapper):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._holds_writer_lock: _WriterLock | None = None

    def _start_transaction_under_autocommit(self) -> None:
        if not self.is_in_memory_db():
            lock = _writer_lock(str(self.settings_dict["NAME"]))
            if not lock.acquire(float(self.settings_dict["OPTIONS"].get("timeout", 5))):
                raise OperationalError("database is locked")
            self._holds_writer_lock = lock
        try:
            super()._start_transaction_under_autocommit()  # type: ignore[misc]  # private, not in django-stubs
        except BaseException:
            self._release_writer_lock()
            raise

    def _release_writer_lock(self) -> None:
        lock, self._holds_writer_lock = self._holds_writer_lock, None
        if lock is not None:
            lock.release()

    def _commit(self) -> None:
        try:
            super()._commit()  # type: ignore[misc]  # private, not in django-stubs
        finally:
            self._release_writer_lock()

    def _rollback(self) -> None:
        try:
            super()._rollback()  # type: ignore[misc]  # private, not in django-stubs
        finally:
            self._release_writer_lock()

    def _close(self) -> None:
        try:
            super()._close()  # type: ignore[misc]  # private, not in django-stubs
        finally:
            self._release_writer_lock()
