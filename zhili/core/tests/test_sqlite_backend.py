"""Zhili's SQLite backend: write transactions queue on a lock of their own (zhili/core/sqlite)."""

from __future__ import annotations

import multiprocessing
import os
import signal
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.db import OperationalError
from django.db.utils import ConnectionHandler

from zhili import config
from zhili.config import Env


def _connections(path: Path, timeout: float = 5) -> ConnectionHandler:
    settings = config.database(Env({"DATABASE_URL": f"sqlite:///{path}"}), path.parent)
    settings["OPTIONS"]["timeout"] = timeout
    return ConnectionHandler({"default": settings})


def _begin(connection: Any) -> None:
    # What transaction.atomic() does for the outermost block on SQLite.
    connection.set_autocommit(False, force_begin_transaction_with_broken_autocommit=True)


def _commit(connection: Any) -> None:
    connection.commit()
    connection.set_autocommit(True)


@pytest.fixture(autouse=True)
def _own_connections(django_db_blocker: Any) -> Iterator[None]:
    # These tests open connections of their own, to a file of their own, not the test database.
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def database(tmp_path: Path) -> Path:
    path = tmp_path / "db.sqlite3"
    handler = _connections(path)
    with handler["default"].cursor() as cursor:
        cursor.execute("CREATE TABLE t (n integer)")
    handler.close_all()
    return path


def test_writers_in_threads_take_turns(database: Path) -> None:
    handler = _connections(database)
    first_in, first_done, order = threading.Event(), threading.Event(), []

    def first() -> None:
        connection = handler["default"]
        _begin(connection)
        first_in.set()
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (1)")
        first_done.wait(5)
        order.append("first commits")
        _commit(connection)
        connection.close()

    def second() -> None:
        connection = handler["default"]
        first_in.wait(5)
        first_done.set()
        _begin(connection)  # waits for the first to commit
        order.append("second begins")
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (2)")
        _commit(connection)
        connection.close()

    threads = [threading.Thread(target=first), threading.Thread(target=second)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(10)
    assert order == ["first commits", "second begins"]
    with handler["default"].cursor() as cursor:
        cursor.execute("SELECT n FROM t ORDER BY n")
        assert cursor.fetchall() == [(1,), (2,)]


def test_a_rollback_or_a_close_releases_the_lock(database: Path) -> None:
    handler = _connections(database, timeout=0.3)
    connection = handler["default"]
    _begin(connection)
    connection.rollback()
    connection.set_autocommit(True)
    _begin(connection)
    connection.close()  # closing in the middle of a transaction
    other = _connections(database, timeout=0.3)["default"]
    _begin(other)
    _commit(other)


def _hold_lock(path: str, ready: Any) -> None:
    connection = _connections(Path(path))["default"]
    _begin(connection)
    ready.set()
    signal.pause()


def test_another_process_waits_and_a_killed_holder_frees_the_lock(database: Path) -> None:
    context = multiprocessing.get_context("spawn")
    ready = context.Event()
    holder = context.Process(target=_hold_lock, args=(str(database), ready))
    holder.start()
    try:
        assert ready.wait(30)
        connection = _connections(database, timeout=0.3)["default"]
        with pytest.raises(OperationalError, match="database is locked"):
            _begin(connection)
        assert connection._holds_writer_lock is None
        os.kill(holder.pid, signal.SIGKILL)  # type: ignore[arg-type]
        holder.join(10)
        _begin(connection)
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO t VALUES (3)")
        _commit(connection)
    finally:
        if holder.is_alive():
            holder.kill()
