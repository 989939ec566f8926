"""Triage in the worker: every new matter, in batches, within a minute of its intake.

Not in the intake's request: triaging one report costs little, but storing the proposal is a
second write transaction per intake, and on SQLite every write waits its turn — the intake
benchmark fell from about 235 to 130 matters/s with it. Every minute the worker triages whatever
has no proposal yet (any channel, bulk imports included) with one batch of the model.
"""

from __future__ import annotations

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from zhili.triage import services


@db_periodic_task(crontab(minute="*"))
def triage_new() -> int:
    return services.propose_missing()
