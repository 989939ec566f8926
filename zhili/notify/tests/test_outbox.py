"""The outbox: nothing sent for a rolled-back change, each notice sent once, failures retried
with back-off and kept, notices of a dead worker rescued. Time is driven by passing `now`."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone
from huey.contrib.djhuey import HUEY

from zhili import testing
from zhili.core.errors import DomainError
from zhili.notify import services, tasks
from zhili.notify.backends import Backend, Rejected
from zhili.notify.models import STUCK_AFTER, Notification, Status
from zhili.notify.tests.conftest import Outbox

pytestmark = pytest.mark.django_db

FAILING = "zhili.notify.backends.FailingBackend"
MINUTE = datetime.timedelta(minutes=1)


def received(**overrides: Any) -> Notification:
    fields: dict[str, Any] = {
        "channel": "sms",
        "recipient": "13800138000",
        "subject": "",
        "body": "您反映的事项已受理，编号 LS-2026-000123。",
        "purpose": "matter_received",
    }
    fields.update(overrides)
    return services.enqueue(
        fields.pop("channel"), fields.pop("recipient"), fields.pop("subject"), fields.pop("body"), **fields
    )


class RejectingBackend(Backend):
    def send(self, notification: Notification) -> str | None:
        raise Rejected("空号")


def test_a_notice_queued_in_a_rolled_back_transaction_is_never_sent(
    outbox: Outbox, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
    ):
        received()
        raise RuntimeError("the matter could not be saved")
    assert callbacks == []
    assert not Notification.objects.exists()
    assert services.sweep(now=timezone.now() + datetime.timedelta(days=1)) == services.SweepResult()
    assert outbox.lines() == []


def test_a_notice_is_sent_only_after_commit_and_only_once(
    outbox: Outbox, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, transaction.atomic():
        notification = received()
        assert outbox.lines() == []  # given: still inside the caller's transaction
    assert len(callbacks) == 1
    notification.refresh_from_db()
    assert notification.status == Status.SENT
    assert notification.attempts == 1
    assert notification.sent_at is not None
    assert notification.provider_id == f"sms.log#{notification.pk}"
    [line] = outbox.lines()
    assert line["to"] == "13800138000"
    assert line["body"] == "您反映的事项已受理，编号 LS-2026-000123。"
    assert line["purpose"] == "matter_received"

    # when: every other way of sending it runs again
    assert services.deliver(notification.pk) is None
    tasks.deliver(notification.pk)
    services.sweep(now=timezone.now() + datetime.timedelta(days=1))
    # then: still one line
    assert len(outbox.lines()) == 1


def test_a_failing_backend_is_retried_with_backoff_and_the_notice_ends_failed_but_kept(
    outbox: Outbox, settings: Any
) -> None:
    settings.NOTIFY_SMS_BACKEND = FAILING
    settings.NOTIFY_MAX_ATTEMPTS = 4
    notification = received()  # the test's transaction never commits, so only sweeps deliver
    now = notification.next_attempt_at

    for attempt, wait in [(1, 1), (2, 2), (3, 4)]:
        assert services.sweep(now=now) == services.SweepResult(failed=1)
        notification.refresh_from_db()
        assert (notification.status, notification.attempts) == (Status.PENDING, attempt)
        assert notification.next_attempt_at == now + wait * MINUTE
        assert "ConnectionError" in notification.last_error
        # not due a second earlier
        assert (
            services.sweep(now=notification.next_attempt_at - datetime.timedelta(seconds=1)) == services.SweepResult()
        )
        now = notification.next_attempt_at

    assert services.sweep(now=now) == services.SweepResult(failed=1)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.FAILED, 4)
    assert services.sweep(now=now + datetime.timedelta(days=30)) == services.SweepResult()
    assert Notification.objects.filter(pk=notification.pk, status=Status.FAILED).exists()

    # when the gateway is repaired and an operator retries
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.backends.FileBackend"
    assert services.retry_failed(now=now) == 1
    assert services.sweep(now=now) == services.SweepResult(sent=1)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 1)
    assert len(outbox.lines()) == 1


def test_backoff_doubles_from_one_minute_up_to_an_hour() -> None:
    assert [services.backoff(n) for n in range(1, 9)] == [MINUTE * m for m in (1, 2, 4, 8, 16, 32, 60, 60)]


def test_a_rejected_notice_fails_at_once(settings: Any) -> None:
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.tests.test_outbox.RejectingBackend"
    notification = received()
    assert services.sweep(now=notification.next_attempt_at) == services.SweepResult(failed=1)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.FAILED, 1)
    assert notification.last_error == "Rejected: 空号"


def test_a_notice_stuck_in_sending_is_rescued_by_the_sweep(outbox: Outbox) -> None:
    notification = received()
    claimed_at = notification.next_attempt_at
    # given: a worker claimed it and was killed before it finished
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENDING, attempts=1, last_attempt_at=claimed_at
    )

    assert services.sweep(now=claimed_at + STUCK_AFTER - MINUTE) == services.SweepResult()
    assert Notification.objects.get(pk=notification.pk).status == Status.SENDING

    assert services.sweep(now=claimed_at + STUCK_AFTER + MINUTE) == services.SweepResult(rescued=1, sent=1)
    notification.refresh_from_db()
    assert (notification.status, notification.attempts) == (Status.SENT, 2)
    assert "可能已发出" in notification.last_error  # the operator can see it may have gone twice
    assert len(outbox.lines()) == 1


def test_a_stuck_notice_out_of_attempts_fails(settings: Any) -> None:
    settings.NOTIFY_MAX_ATTEMPTS = 3
    notification = received()
    claimed_at = notification.next_attempt_at
    Notification.objects.filter(pk=notification.pk).update(
        status=Status.SENDING, attempts=3, last_attempt_at=claimed_at
    )
    assert services.sweep(now=claimed_at + STUCK_AFTER + MINUTE) == services.SweepResult(rescued=1)
    assert Notification.objects.get(pk=notification.pk).status == Status.FAILED


class RescuedWhileSendingBackend(Backend):
    """The first call stands for a worker so slow that the sweep gives its notice to another."""

    calls: list[int] = []

    def send(self, notification: Notification) -> str | None:
        self.calls.append(notification.attempts)
        if len(self.calls) == 1:
            services.sweep(now=notification.last_attempt_at + STUCK_AFTER + MINUTE)
        return None


def test_a_slow_worker_finishing_after_a_rescue_does_not_overwrite_the_new_attempt(
    settings: Any, caplog: pytest.LogCaptureFixture
) -> None:
    settings.NOTIFY_SMS_BACKEND = "zhili.notify.tests.test_outbox.RescuedWhileSendingBackend"
    RescuedWhileSendingBackend.calls = []
    notification = received()
    services.deliver(notification.pk, now=notification.next_attempt_at)
    notification.refresh_from_db()
    # the documented at-least-once edge: both attempts reached the provider
    assert RescuedWhileSendingBackend.calls == [1, 2]
    assert (notification.status, notification.attempts) == (Status.SENT, 2)
    assert "may arrive twice" in caplog.text


def test_a_pending_notice_can_be_cancelled_and_is_then_not_sent(outbox: Outbox) -> None:
    notification = received()
    assert services.cancel(notification.pk) is True
    assert services.sweep(now=notification.next_attempt_at) == services.SweepResult()
    assert Notification.objects.get(pk=notification.pk).status == Status.CANCELLED
    assert services.cancel(notification.pk) is False
    assert outbox.lines() == []


def test_hurry_makes_waiting_notices_due_now(settings: Any) -> None:
    settings.NOTIFY_SMS_BACKEND = FAILING
    notification = received()
    now = notification.next_attempt_at
    services.sweep(now=now)
    assert services.hurry(now=now) == 1
    assert Notification.objects.due(now).get() == notification


def test_a_notice_is_linked_to_what_it_is_about() -> None:
    resident = testing.person()
    notification = received(about=resident)
    assert notification.about == resident
    assert list(Notification.objects.about(resident)) == [notification]
    assert list(Notification.objects.about(testing.person())) == []


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"channel": "fax"}, "notify_bad_channel"),
        ({"recipient": "not a phone"}, "notify_bad_recipient"),
        ({"channel": "email", "subject": "受理通知", "recipient": "resident@"}, "notify_bad_recipient"),
        ({"channel": "email", "recipient": "resident@example.org"}, "notify_empty_subject"),
        ({"body": "  "}, "notify_empty_body"),
        ({"body": "字" * (services.SMS_MAX_LENGTH + 1)}, "notify_sms_too_long"),
        ({"purpose": ""}, "notify_bad_purpose"),
    ],
)
def test_enqueue_refuses_what_cannot_be_sent(overrides: dict[str, Any], code: str) -> None:
    with pytest.raises(DomainError) as error:
        received(**overrides)
    assert error.value.code == code
    assert not Notification.objects.exists()


def test_a_broker_that_is_down_does_not_break_the_commit(
    monkeypatch: pytest.MonkeyPatch, django_capture_on_commit_callbacks: Any
) -> None:
    def broker_down(notification_id: int) -> None:
        raise ConnectionError("redis is down")

    monkeypatch.setattr(tasks, "deliver", broker_down)
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        notification = received()
    notification.refresh_from_db()
    assert notification.status == Status.PENDING  # the sweep will send it
    assert services.sweep(now=timezone.now()) == services.SweepResult(sent=1)


def test_counts_list_every_status() -> None:
    received()
    assert services.counts() == {"pending": 1, "sending": 0, "sent": 0, "failed": 0, "cancelled": 0}


def test_the_sweep_runs_every_minute() -> None:
    def due(minute: int) -> set[str]:
        at = datetime.datetime(2026, 11, 22, 12, minute)
        return {task.name.rsplit(".", 1)[-1] for task in HUEY.read_periodic(at)}

    assert all("sweep_outbox" in due(minute) for minute in (0, 1, 37))


def test_the_recipient_is_masked_where_it_is_shown() -> None:
    sms = received()
    email = received(channel="email", recipient="wang@example.org", subject="受理通知")
    assert sms.masked_recipient == "138****8000"
    assert email.masked_recipient == "w***@example.org"
    assert "13800138000" not in str(sms)
