from __future__ import annotations

import datetime

import pytest
from django.utils import timezone
from huey.contrib.djhuey import HUEY
from knox.models import AuthToken

from zhili import testing
from zhili.core import health, tasks
from zhili.core.models import WorkerHeartbeat

pytestmark = pytest.mark.django_db


def test_no_heartbeat_means_not_alive() -> None:
    assert health.worker_status() == {"alive": False, "last_seen": None}


def test_heartbeat_task_marks_the_worker_alive() -> None:
    before = timezone.now()
    tasks.heartbeat.call_local()
    status = health.worker_status()
    assert status["alive"] is True
    assert status["last_seen"] is not None
    assert before <= status["last_seen"] <= timezone.now()


def test_heartbeat_runs_through_huey() -> None:
    tasks.heartbeat()
    assert health.worker_status()["alive"] is True


def test_heartbeat_older_than_three_minutes_is_not_alive() -> None:
    seen = timezone.now() - datetime.timedelta(minutes=3, seconds=5)
    WorkerHeartbeat.objects.create(name="old-host", last_seen=seen)
    assert health.worker_status() == {"alive": False, "last_seen": seen}


def test_beats_update_one_row_per_host_and_forget_long_gone_hosts() -> None:
    WorkerHeartbeat.objects.create(name="retired", last_seen=timezone.now() - datetime.timedelta(days=8))
    health.beat("host-a")
    health.beat("host-a")
    health.beat("host-b")
    assert sorted(WorkerHeartbeat.objects.values_list("name", flat=True)) == ["host-a", "host-b"]


def test_expire_tokens_task_deletes_only_expired_tokens() -> None:
    user = testing.person()
    expired, _ = AuthToken.objects.create(user, expiry=datetime.timedelta(minutes=-1))
    valid, _ = AuthToken.objects.create(user, expiry=datetime.timedelta(days=1))
    forever, _ = AuthToken.objects.create(user, expiry=None)
    assert tasks.expire_tokens.call_local() == 1
    assert set(AuthToken.objects.values_list("pk", flat=True)) == {valid.pk, forever.pk}
    assert not AuthToken.objects.filter(pk=expired.pk).exists()


def test_periodic_schedule() -> None:
    def due(minute: int) -> set[str]:
        at = datetime.datetime(2026, 11, 22, 12, minute)
        return {task.name.rsplit(".", 1)[-1] for task in HUEY.read_periodic(at)}

    assert {"heartbeat", "expire_tokens"} <= due(0)
    assert "heartbeat" in due(7)
    assert "expire_tokens" not in due(7)
