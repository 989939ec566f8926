"""Background work of the matters app, scheduled by huey (see docs/adr/0001)."""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from zhili.matters import timing
from zhili.matters.sweep import SweepReport, sweep


@db_periodic_task(crontab(minute="*"))
def deadline_sweep() -> SweepReport:
    """Warn before deadlines and escalate at them, every minute."""
    return sweep()


@db_task()
def recompute_deadlines(year: int) -> int:
    """A year's holiday schedule was loaded: recompute the open deadlines that reach into it."""
    return timing.recompute_open_deadlines(year)


def schedule_loaded(sender: object, year: int, **kwargs: object) -> None:
    """deadlines.signals.schedule_loaded (connected in apps.py)."""
    recompute_deadlines(year)
