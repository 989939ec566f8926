"""Two workers claiming the same notice at the same moment: one sends it."""

from __future__ import annotations

import threading
from typing import Any

import pytest
from django.db import connection

from zhili import testing
from zhili.notify import services
from zhili.notify.backends import Backend
from zhili.notify.models import Notification, Status

sent: list[int] = []
lock = threading.Lock()


class CountingBackend(Backend):
    def send(self, notification: Notification) -> str | None:
        with lock:
            sent.append(notification.pk)
        return None


@pytest.mark.django_db(transaction=True)
def test_concurrent_claims_of_one_notice_deliver_it_once(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("needs PostgreSQL: SQLite lets one writer at a time, so two claims cannot race there")
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.tests.test_concurrency.CountingBackend"
    # Without a test transaction enqueue commits at once; keep the queue from delivering, so the
    # threads below are the only ones to try.
    monkeypatch.setattr(services, "_schedule", lambda notification_id: None)
    sent.clear()
    notifications = [services.enqueue("sms", "13800138000", "", f"第{n}条", purpose="matter_status") for n in range(20)]
    rounds = testing.race(4, lambda: [services.deliver(notification.pk) for notification in notifications])
    results = [outcome for outcomes in rounds for outcome in outcomes]

    assert sorted(sent) == sorted(n.pk for n in notifications)
    assert sum(result is not None for result in results) == len(notifications)
    assert set(Notification.objects.values_list("status", flat=True)) == {Status.SENT}
    assert set(Notification.objects.values_list("attempts", flat=True)) == {1}
