"""Many notices at once (notify.batch / enqueue_many, used by the deadline sweep): the same rows
as enqueue() one by one, written together, delivered after commit, nothing for a rollback."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction

from zhili import testing
from zhili.core.errors import DomainError
from zhili.notify import services
from zhili.notify.models import Notification, Status
from zhili.notify.tests.conftest import Outbox

pytestmark = pytest.mark.django_db


def queue(n: int, about: Any = None) -> None:
    for i in range(n):
        services.enqueue("sms", f"1380013{i:04d}", "", f"第{i}条通知", purpose="matter_deadline", about=about)


def test_notices_queued_in_a_batch_are_the_rows_enqueue_writes(django_capture_on_commit_callbacks: Any) -> None:
    about = testing.person("about-me")
    with django_capture_on_commit_callbacks() as one_by_one:
        queue(3, about)
    expected = list(Notification.objects.order_by("pk").values_list("recipient", "body", "content_type", "object_id"))
    Notification.objects.all().delete()
    with django_capture_on_commit_callbacks() as batched, services.batch() as collected:
        queue(3, about)
        assert not Notification.objects.exists() and len(collected) == 3  # written when the block ends
    rows = Notification.objects.order_by("pk")
    assert list(rows.values_list("recipient", "body", "content_type", "object_id")) == expected
    assert [n.pk for n in collected] == [n.pk for n in rows]
    assert {n.status for n in rows} == {Status.PENDING}
    assert (len(one_by_one), len(batched)) == (3, 1)  # one nudge per NUDGE_CHUNK notices


def test_a_batch_is_delivered_after_commit_in_chunks(outbox: Outbox, django_capture_on_commit_callbacks: Any) -> None:
    with django_capture_on_commit_callbacks(execute=True) as callbacks, services.batch():
        queue(services.NUDGE_CHUNK * 2 + 1)
    assert len(callbacks) == 3
    assert Notification.objects.filter(status=Status.SENT).count() == services.NUDGE_CHUNK * 2 + 1
    assert len(outbox.lines()) == services.NUDGE_CHUNK * 2 + 1


def test_nothing_is_written_or_sent_for_a_rolled_back_batch(
    outbox: Outbox, django_capture_on_commit_callbacks: Any
) -> None:
    with (
        django_capture_on_commit_callbacks(execute=True) as callbacks,
        pytest.raises(RuntimeError),
        transaction.atomic(),
        services.batch(),
    ):
        queue(5)
        raise RuntimeError("the sweep failed")
    assert callbacks == [] and not Notification.objects.exists() and outbox.lines() == []
    queue(1)  # and enqueue() writes at once again
    assert Notification.objects.count() == 1


def test_a_notice_is_checked_when_queued_in_a_batch_too() -> None:
    with pytest.raises(DomainError), services.batch():
        services.enqueue("sms", "12345", "", "正文", purpose="matter_deadline")
    assert not Notification.objects.exists()


def test_one_failing_delivery_does_not_stop_the_others(monkeypatch: pytest.MonkeyPatch) -> None:
    with services.batch() as collected:
        queue(3)
    delivered = []

    def deliver(pk: int, **kwargs: Any) -> None:
        if pk == collected[1].pk:
            raise RuntimeError("database went away")
        delivered.append(pk)

    monkeypatch.setattr(services, "deliver", deliver)
    services.deliver_each([n.pk for n in collected])
    assert delivered == [collected[0].pk, collected[2].pk]
