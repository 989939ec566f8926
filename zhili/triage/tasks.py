"""Triage of each new matter, in the worker, right after its intake commits."""

from __future__ import annotations

from huey.contrib.djhuey import db_task

from zhili.triage import services


@db_task(retries=3, retry_delay=10)
def triage_matter(matter_id: int) -> bool:
    return services.propose_for(matter_id)
