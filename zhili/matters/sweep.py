"""The deadline sweep: warn before a deadline, escalate at it. Run every minute by the worker.

Everything it needs is on the matter rows (due_at, warn_at, overdue_at), so a restarted worker
picks up exactly where the last one stopped.

A backlog (after the worker was down; the first minute after midnight, when the day-counted
deadlines end) is handled in batches of BATCH matters, one transaction each. The query that finds
a batch locks it (`FOR UPDATE SKIP LOCKED` on PostgreSQL, which re-evaluates the condition on
the row version it locks; SQLite transactions take the write lock at BEGIN), so two workers, or
a sweep that overlaps the previous one, still handle a matter exactly once: rows another sweep
holds are skipped and left to it, and once handled a matter is no longer due (escalating starts
a new deadline at the level above). A matter a person is changing at that very moment is skipped
as well and handled a minute later.

Each matter goes through the steps actions.perform() takes for a system step — the lifecycle's
advance(), timing.refresh() on this process's cached rules and calendar, the event with the next
sequence number, links to new units, the resident's notice — and the batch is written with a few
bulk statements. The outcome is what perform() one matter at a time would have written
(zhili/matters/tests/test_sweep_batches.py compares the two).
"""

from __future__ import annotations

import datetime
import logging
import operator
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.db.models import Q, prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import bulk
from zhili.core.context import ActingContext, acting
from zhili.deadlines import cache
from zhili.matters import actions, lifecycle, notices, reach, timing
from zhili.matters.choices import EventKind, Status
from zhili.matters.models import Matter, MatterEvent, MatterUnit
from zhili.notify import services as notify

log = logging.getLogger(__name__)
OPEN = [Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED]
BATCH = 500
# What a step may change: the state (lifecycle.MatterState), the deadline, the event count.
# What the sweep never reads: left in the database (the description alone may be 20,000 characters).
UNREAD = ("title", "description", "address", "lon", "lat", "reporter_name", "received_by", "received_at")
COLUMNS = [column for _name, column, _how in actions.STATE_COLUMNS] + [
    "due_stage",
    "due_rule",
    "due_at",
    "warn_at",
    "overdue_at",
    "last_event_seq",
    "updated_at",
]
_columns_of = operator.attrgetter(*COLUMNS)


@dataclass
class SweepReport:
    escalated: int = 0
    overdue_at_top: int = 0
    warned: int = 0

    def __str__(self) -> str:
        return f"escalated {self.escalated}, overdue at the top {self.overdue_at_top}, warned {self.warned}"


def overdue(now: datetime.datetime) -> Q:
    """Past the deadline and not handled yet (escalating starts a new deadline; at the top
    level, overdue_at marks it)."""
    return Q(status__in=OPEN, due_at__lt=now, overdue_at__isnull=True)


def warning_due(now: datetime.datetime) -> Q:
    """Past the warning time, not past the deadline (warning clears warn_at)."""
    return Q(status__in=OPEN, warn_at__lte=now, due_at__gte=now)


def sweep(now: datetime.datetime | None = None, batch: int = BATCH) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    deadlines = cache.current()  # one snapshot of the rules and the calendar for the whole sweep

    def escalate(matters: list[Matter]) -> None:
        escalated, top = escalate_overdue(matters, now, deadlines)
        report.escalated += escalated
        report.overdue_at_top += top

    def warn(matters: list[Matter]) -> None:
        report.warned += warn_before_deadline(matters, now, deadlines)

    with acting(ActingContext(source="worker", reason=_("办理期限到期自动处理"))):
        _in_locked_batches(overdue(now), "due_at", batch, escalate)
        _in_locked_batches(warning_due(now), "warn_at", batch, warn)
    if report.escalated or report.overdue_at_top or report.warned:
        log.info("deadline sweep: %s", report)
    return report


def _in_locked_batches(condition: Q, order: str, batch: int, handle: Callable[[list[Matter]], None]) -> None:
    """Hand the due matters to `handle`, `batch` at a time, each batch locked by the query that
    finds it and handled in that transaction. Stops at a short batch: what is left is held by
    another sweep, or by someone changing it right now."""
    due = Matter.objects.filter(condition)
    # The worker asks every minute and the answer is nearly always "none": a plain read then,
    # without a transaction (on SQLite a locking one would take the database's write lock).
    while due.exists():
        with transaction.atomic():
            locked = due.select_for_update(of=("self",), skip_locked=True).defer(*UNREAD)
            matters = list(locked.order_by(order)[:batch])
            if matters:
                handle(matters)
        if len(matters) < batch:
            return


def escalate_overdue(matters: Sequence[Matter], now: datetime.datetime, deadlines: cache.Deadlines) -> tuple[int, int]:
    """Escalate each overdue matter (locked by the caller) one level up, or mark it overdue at the
    top level. Returns how many were escalated and how many marked."""
    states = actions.states_of(matters)
    targets = actions.escalation_targets(matters)
    prefetch_related_objects(list(matters), "reporter")  # the resident's phone, for the notice
    steps = _Steps(matters, now, deadlines)
    escalated = top = 0
    with notify.batch():
        for matter in matters:
            before, target = states[matter.pk], targets[matter.pk]
            if target is not None:
                data = {"unit": target.pk, "from": matter.lead_unit_id or matter.intake_unit_id}
                steps.take(matter, before, EventKind.ESCALATED, data, _("超过办理时限未办结，自动上报上一级"))
                matter.lead_unit = target  # the new lead unit, named in the notice
                escalated += 1
            else:
                steps.take(matter, before, EventKind.OVERDUE, {}, _("已超期，且已在最高层级"))
                matter.overdue_at = now
                top += 1
            notices.status_changed(matter, before.status)
        steps.write()
    return escalated, top


def warn_before_deadline(matters: Sequence[Matter], now: datetime.datetime, deadlines: cache.Deadlines) -> int:
    """Warn the handler of each matter (locked by the caller) that its deadline is near. Returns
    how many were warned."""
    states = actions.states_of(matters)
    prefetch_related_objects(list(matters), "owner")
    steps = _Steps(matters, now, deadlines)
    with notify.batch():
        for matter in matters:
            # The deadline as found: a warning changes no status, so there is no status notice.
            notices.deadline_warning(matter, matter.owner)
            steps.take(matter, states[matter.pk], EventKind.DEADLINE_WARNED, {}, _("即将到期"))
            matter.warn_at = None
        steps.write()
    return len(matters)


class _Steps:
    """actions.perform() for system steps over a batch of locked matters: each step is applied
    to its row in memory, and write() stores the rows, events and unit links in bulk."""

    def __init__(self, matters: Sequence[Matter], now: datetime.datetime, deadlines: cache.Deadlines) -> None:
        self.matters = matters
        self.now = now
        self.deadlines = deadlines
        self.found = {matter.pk: _columns_of(matter) for matter in matters}
        self.events: list[MatterEvent] = []
        self.links: list[MatterUnit] = []

    def take(
        self, matter: Matter, before: lifecycle.MatterState, kind: str, data: dict[str, Any], reason: str
    ) -> lifecycle.MatterState:
        # perform() also alerts the leaders when a step turns a matter red; the sweep's steps
        # (escalated, overdue, deadline_warned) never change the risk.
        after = lifecycle.advance(before, kind, data, self.now, None)
        actions.store_step(matter, before, after)
        timing.refresh(matter, self.now, self.deadlines)
        self.events.append(actions._new_event(matter, kind, None, self.now, reason, data))
        self.links.extend(
            MatterUnit(matter=matter, unit_id=unit) for unit in after.shared_units if unit not in before.shared_units
        )
        return after

    def write(self) -> None:
        bulk.insert_rows(MatterEvent, self.events)
        MatterUnit.objects.bulk_create(self.links, ignore_conflicts=True)
        reach.extend((link.matter_id, link.unit_id) for link in self.links)
        # Only the columns some step changed: the others hold what every row already has.
        changed = {"updated_at"}
        for matter in self.matters:
            found, now = self.found[matter.pk], _columns_of(matter)
            if now != found:
                changed.update(name for name, old, new in zip(COLUMNS, found, now, strict=True) if old != new)
        updated_at = timezone.now()  # as save() sets it
        for matter in self.matters:
            matter.updated_at = updated_at
        bulk.update_rows(Matter, self.matters, [name for name in COLUMNS if name in changed])
