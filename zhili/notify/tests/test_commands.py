from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from zhili.notify import services
from zhili.notify.models import Notification, Status
from zhili.notify.tests.conftest import Outbox

pytestmark = pytest.mark.django_db


def run(*args: str) -> str:
    out = io.StringIO()
    call_command(*args, stdout=out)
    return out.getvalue()


def test_status_shows_counts_the_oldest_pending_and_failures_masked(settings: Any) -> None:
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.backends.FailingBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 1
    failed = services.enqueue("sms", "13800138000", "", "事项已受理。", purpose="matter_received")
    services.sweep(now=failed.next_attempt_at)
    pending = services.enqueue("sms", "13900139000", "", "事项已办结。", purpose="matter_status")

    output = run("notify_status")

    assert "pending           1" in output
    assert "failed            1" in output
    assert f"oldest pending: #{pending.pk} sms matter_status" in output
    assert f"failed: #{failed.pk} sms matter_received to 138****8000, 1 attempt(s)" in output
    assert "FailingBackend" in output
    assert "13800138000" not in output


def test_retry_sends_waiting_notices_now_and_failed_ones_with_the_flag(outbox: Outbox, settings: Any) -> None:
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.backends.FailingBackend"
    settings.NOTIFY_MAX_ATTEMPTS = 1
    failed = services.enqueue("sms", "13800138000", "", "第一条", purpose="matter_received")
    services.sweep(now=failed.next_attempt_at)
    settings.NOTIFY_MAX_ATTEMPTS = 8
    waiting = services.enqueue("sms", "13900139000", "", "第二条", purpose="matter_status")
    services.sweep(now=waiting.next_attempt_at)  # fails once; next attempt a minute away
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.backends.FileBackend"  # the gateway is repaired

    assert "sent 1, failed 0" in run("notify_retry")
    assert Notification.objects.get(pk=failed.pk).status == Status.FAILED

    output = run("notify_retry", "--failed")
    assert "requeued 1 failed notice(s)" in output
    assert "sent 1, failed 0" in output
    assert [line["body"] for line in outbox.lines()] == ["第二条", "第一条"]
