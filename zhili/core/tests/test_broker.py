"""The production broker: Redis, reached for real (CI runs Redis on 127.0.0.1:6379)."""

from __future__ import annotations

import os
import socket
import uuid
from pathlib import Path

import pytest
from huey.api import Huey

from zhili import config


def redis_up() -> bool:
    try:
        socket.create_connection(("127.0.0.1", 6379), timeout=0.5).close()
    except OSError:
        return False
    return True


pytestmark = pytest.mark.skipif(
    not redis_up() and not os.environ.get("CI"), reason="no Redis on 127.0.0.1:6379 (CI has one)"
)


def build(url: str, tmp_path: Path) -> Huey:
    settings = config.broker(config.Env({"ZHILI_BROKER_URL": url}), tmp_path)
    huey_class = settings.pop("huey_class")
    module, _dot, name = huey_class.rpartition(".")
    cls = getattr(__import__(module, fromlist=[name]), name)
    settings["name"] = f"zhili-test-{uuid.uuid4().hex[:8]}"
    return cls(**settings)


def test_tasks_travel_through_redis_and_run(tmp_path: Path) -> None:
    huey = build("redis://127.0.0.1:6379/15", tmp_path)
    assert type(huey).__name__ == "PriorityRedisHuey"

    @huey.task()
    def add(a: int, b: int) -> int:
        return a + b

    try:
        result = add(2, 3)
        assert huey.pending_count() == 1
        task = huey.dequeue()
        assert task is not None
        huey.execute(task)
        assert result.get() == 5
    finally:
        huey.storage.flush_all()


def test_embedded_default_is_sqlite_under_var(tmp_path: Path) -> None:
    settings = config.broker(config.Env({}), tmp_path)
    assert settings["huey_class"] == "huey.SqliteHuey"
    assert settings["filename"] == str(tmp_path / "tasks.sqlite3")
