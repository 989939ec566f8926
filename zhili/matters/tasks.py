"""Background work of the matters app, scheduled by huey (see docs/adr/0001)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhili.matters.sweep import SweepReport, sweep


@db_periodic_task(crontab(minute="*"))
def deadline_sweep() -> SweepReport:
    """Warn before deadlines and escalate at them, every minute."""
    return sweep()
