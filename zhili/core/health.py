"""Is the background worker alive? Read by the dashboard and by operators' checks."""

from __future__ import annotations

import datetime
import socket
from typing import TypedDict

from django.db.models import Max
from django.utils import timezone

from zhili.core.models import WorkerHeartbeat

# The heartbeat runs every minute; three minutes tolerates one missed beat and a slow queue
# without reporting a healthy worker as dead.
ALIVE_WITHIN = datetime.timedelta(minutes=3)
# Rows of workers gone for this long are dropped so renamed or retired hosts do not pile up.
FORGET_AFTER = datetime.timedelta(days=7)


class WorkerStatus(TypedDict):
    alive: bool
    last_seen: datetime.datetime | None


def beat(name: str | None = None) -> datetime.datetime:
    """Record that a worker on this host is taking tasks now."""
    now = timezone.now()
    WorkerHeartbeat.objects.update_or_create(name=(name or socket.gethostname())[:200], defaults={"last_seen": now})
    WorkerHeartbeat.objects.filter(last_seen__lt=now - FORGET_AFTER).delete()
    return now


def worker_status() -> WorkerStatus:
    last_seen = WorkerHeartbeat.objects.aggregate(last=Max("last_seen"))["last"]
    alive = last_seen is not None and timezone.now() - last_seen <= ALIVE_WITHIN
    return {"alive": alive, "last_seen": last_seen}
