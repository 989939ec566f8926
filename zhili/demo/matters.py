"""Demo matters (演示事项): a few thousand matters over the last six months, for a lived-in demo.

Every matter has a story (zhili/demo/stories.py): a report from the triage training corpus, an
invented reporter, and the steps of a scenario fit for its age, so the platform shows every state,
channel, category and colour, with deadlines met, near and missed. The stories are told a batch
at a time through the batch desk (zhili/demo/batch.py): each step runs the lifecycle, deadline and
numbering functions of actions.receive() and actions.perform() in memory, and the batch is written
with a few statements in one transaction, then indexed for search. Every matter is thus a valid
history — its events replay to its stored state — exactly as receive() and perform() would have
stored it (the tests compare the two), at a small part of the cost: 100,000 matters in minutes.

- Nobody is told anything: no notice is queued, no outbox row written, no backend called.
- Deterministic (one seeded random generator per matter, for a given `now`) and idempotent:
  every demo matter has an IntakeKey `demo:<n>`; when any exists, seeding matters does nothing.
"""

from __future__ import annotations

import datetime
import gc
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from django.db import transaction
from django.utils import timezone

from zhili.core.context import acting_as
from zhili.demo.batch import BatchDesk
from zhili.demo.stories import KEY_PREFIX, Desk, Story, corpus
from zhili.demo.world import World
from zhili.matters.models import IntakeKey
from zhili.search.services import index_matters

__all__ = ["BATCH", "DEFAULT_COUNT", "KEY_PREFIX", "SEED", "SPAN", "Report", "corpus", "load_matters", "tell"]

DEFAULT_COUNT = 3000  # about 5 s on SQLite; `zhili seed-demo --matters 100000` for a busy platform
SEED = 20260501
SPAN = datetime.timedelta(days=182)
BATCH = 1000  # matters per transaction


@dataclass
class Report:
    created: int = 0
    present: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.present:
            return f"{self.present} demo matters already present, none added"
        return f"created {self.created} demo matters in {self.seconds:.1f} s"


class WritingDesk(Desk, Protocol):
    """A desk that stores what it was told: write() returns the new matters' ids."""

    def write(self) -> list[int]: ...


def load_matters(
    count: int = DEFAULT_COUNT,
    *,
    seed: int = SEED,
    source: str = "cli",
    batch: int = BATCH,
    progress: Callable[[int], None] | None = None,
) -> Report:
    """Create `count` demo matters unless demo matters exist already. `progress(n)` is called after
    each batch with the number of matters written so far."""
    report = Report()
    present = IntakeKey.objects.filter(key__startswith=KEY_PREFIX).count()
    if present or count <= 0:
        report.present = present
        return report
    started = time.monotonic()
    # Hundreds of thousands of short-lived objects and no cycles worth collecting: the collector
    # would only cost time.
    collecting = gc.isenabled()
    gc.disable()
    try:
        tell(count, seed=seed, now=timezone.now(), source=source, batch=batch, progress=progress)
    finally:
        if collecting:
            gc.enable()
    report.created = count
    report.seconds = time.monotonic() - started
    return report


def starts(count: int, seed: int, now: datetime.datetime) -> list[datetime.datetime]:
    """When each matter is received, oldest first: more of them recent."""
    rng = random.Random(seed)
    return sorted(now - SPAN * rng.random() ** 1.3 for _ in range(count))


def tell(
    count: int,
    *,
    seed: int,
    now: datetime.datetime,
    source: str,
    batch: int = BATCH,
    desk: Callable[[World, int], WritingDesk] = BatchDesk,
    progress: Callable[[int], None] | None = None,
) -> None:
    """Tell `count` stories as of `now`, `batch` to a transaction, each batch through a new desk."""
    with acting_as(None, source=source):
        world = World.load()
        received = starts(count, seed, now)
        for first in range(0, count, batch):
            last = min(first + batch, count)
            with transaction.atomic():
                writer = desk(world, last - first)
                for index in range(first, last):
                    Story(world, writer, random.Random(f"{seed}:{index}"), index, received[index], now).tell()
                index_matters(writer.write())
            if progress is not None:
                progress(last)
