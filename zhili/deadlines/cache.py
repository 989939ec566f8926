"""The deadline rules and the working-day calendar, cached per process.

`rule_for`, `due_at` and the calendar functions read the tables on every call, so a single answer
is always the latest. Code that computes deadlines all day long — intake, once per matter; the
sweep, for a whole backlog at once — asks `current()` instead: a snapshot of the active rules and
a WorkingCalendar, kept by this process (zhili.core.memo) and shared by its threads. Nothing in a
snapshot changes once loaded, except that its calendar reads a year's rows the first time it is
asked about that year.

An edit reaches it (docs/deadlines.md, "Caching"): saving or deleting a DeadlineRule or a
HolidaySchedule row (Django admin, `load_schedule`, `sync_builtin_rules`, `delete_rule`) drops
the snapshot of the process that made the edit at once, and again when the edit commits; every
other process (web workers, the task worker) loads a new one when its snapshot is `CACHE_SECONDS`
old. `QuerySet.update()` on these tables sends no signal (and leaves no audit record): don't.
"""

from __future__ import annotations

import datetime

from zhili.core.memo import ProcessCache
from zhili.deadlines import services
from zhili.deadlines.calendar import WorkingCalendar
from zhili.deadlines.models import DeadlineRule, HolidaySchedule, Stage
from zhili.deadlines.rules import Paused, best_rule

# How long another process may go on using rules and holidays an operator has since changed.
# Reloading costs two or three small queries; the sweep runs every minute.
CACHE_SECONDS = 30.0
STAGES = frozenset(Stage.values)


class Deadlines:
    """The active rules and a calendar, as loaded at one moment: what services.rule_for and
    services.due_at answer, without reading the tables again."""

    def __init__(self, rules: list[DeadlineRule], calendar: WorkingCalendar | None = None) -> None:
        self.calendar = calendar or WorkingCalendar()
        self._by_stage: dict[str, list[DeadlineRule]] = {}
        for rule in rules:
            self._by_stage.setdefault(rule.stage, []).append(rule)
        self._chosen: dict[tuple[str, str | None, str | None, str | None], DeadlineRule | None] = {}

    @classmethod
    def load(cls) -> Deadlines:
        return cls(list(DeadlineRule.objects.filter(active=True)))

    def rule_for(
        self, stage: str, kind: str | None = None, category: str | None = None, risk: str | None = None
    ) -> DeadlineRule | None:
        """services.rule_for, from the snapshot."""
        key = (stage, kind, category, risk)
        try:
            return self._chosen[key]
        except KeyError:
            pass
        if stage not in STAGES:
            raise ValueError(f"unknown deadline stage {stage!r}; stages are {Stage.values}")
        rule = best_rule(self._by_stage.get(stage, ()), kind, category, risk)
        self._chosen[key] = rule
        return rule

    def due_at(
        self,
        rule: DeadlineRule,
        start: datetime.datetime,
        paused: Paused = (),
        *,
        extended: int = 0,
        now: datetime.datetime | None = None,
    ) -> datetime.datetime:
        """services.due_at, on the snapshot's calendar."""
        return services.due_at(rule, start, paused, extended=extended, now=now, calendar=self.calendar)

    def extend(
        self, due: datetime.datetime, rule: DeadlineRule, amount: int, *, already_extended: int = 0
    ) -> datetime.datetime:
        """services.extend, on the snapshot's calendar."""
        return services.extend(due, rule, amount, already_extended=already_extended, calendar=self.calendar)


_snapshot: ProcessCache[Deadlines] = ProcessCache(Deadlines.load, ttl=CACHE_SECONDS)
_snapshot.clear_on_change(DeadlineRule, HolidaySchedule)


def current() -> Deadlines:
    """This process's snapshot, loaded when missing or older than CACHE_SECONDS."""
    return _snapshot.get()


def clear() -> None:
    """Drop the snapshot: the next current() reads the tables."""
    _snapshot.clear()
