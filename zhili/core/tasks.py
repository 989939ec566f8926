"""Periodic housekeeping run by the background worker (`zhili run_huey`, or `zhili serve`)."""

from __future__ import annotations

import logging

from huey import crontab
from huey.contrib.djhuey import HUEY, close_db, db_periodic_task

from zhili.accounts import services as accounts
from zhili.core import health

log = logging.getLogger(__name__)


@db_periodic_task(crontab(minute="*"))
def heartbeat() -> None:
    health.beat()


@HUEY.on_startup()
@close_db
def heartbeat_on_start() -> None:
    # The first periodic beat can be up to a minute away; without this a freshly started worker
    # would look dead to worker_status() until then.
    health.beat()


@db_periodic_task(crontab(minute="*/15"))
def expire_tokens() -> int:
    count = accounts.expire_stale_tokens()
    if count:
        log.info("deleted %d expired API tokens", count)
    return count
