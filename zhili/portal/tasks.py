"""The portal's housekeeping in the worker: tracking codes are of no use after a day."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhili.portal import services


@db_periodic_task(crontab(minute="17"))
def purge_tracking_codes() -> int:
    return services.purge_codes()
