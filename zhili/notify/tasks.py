"""Background delivery of notices, run by the worker (`zhili run_huey`, or `zhili serve`)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from zhili.notify import services

log = logging.getLogger(__name__)


@db_task()
def deliver(notification_id: int) -> None:
    """One attempt at one notice, queued by `enqueue` after commit. No huey retries: a failed
    attempt goes back to the outbox with its next time, and the sweep picks it up then.
    Returns nothing on purpose: huey would keep any result of a plain task until someone read it,
    and nobody does; the outcome is in the outbox row."""
    services.deliver(notification_id)


@db_task()
def deliver_many(notification_ids: list[int]) -> None:
    """deliver() for the notices of one enqueue_many() chunk: one task instead of one per notice."""
    services.deliver_each(notification_ids)


@db_periodic_task(crontab(minute="*"))
def sweep_outbox() -> dict[str, int]:
    """Retry due notices and rescue those stuck in sending: what makes the outbox lossless
    across failures, broker outages and restarts."""
    result = services.sweep()
    if result.rescued or result.sent or result.failed:
        log.info("outbox sweep: %d sent, %d failed, %d rescued", result.sent, result.failed, result.rescued)
    return {"rescued": result.rescued, "sent": result.sent, "failed": result.failed}
