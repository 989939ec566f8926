"""The deadlines API for the other apps, and this app's state changes.

For the matters app (codes are taxonomy codes; datetimes are timezone-aware)::

    rule = rule_for(Stage.RESOLVE, kind="request", category="public_facility", risk="green")
    if rule is not None:
        due = due_at(rule, registered_at, paused=[(asked_at, answered_at)], extended=approved)

`due_at` derives the deadline from the matter's history (start, pauses, approved extensions), so
it can be recomputed from the events at any time and gives the same answer. The calendar itself
(is_working_day, add_working_days, calendar_gaps, ...) is in zhili.deadlines.calendar.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass
from typing import Any

from django.db import connections, transaction
from django.db.models import Q
from django.utils.translation import gettext as _

from zhili.core.context import because
from zhili.core.errors import DomainError
from zhili.deadlines.calendar import WorkingCalendar, add_duration, local
from zhili.deadlines.defaults import BUILTIN_RULES
from zhili.deadlines.models import DeadlineRule, HolidaySchedule, Stage, TimeUnit
from zhili.deadlines.rules import Paused, best_rule, paused_clock_time, paused_working_time, whole_days
from zhili.deadlines.schedule_file import Schedule
from zhili.deadlines.signals import schedule_loaded
from zhili.taxonomy.models import Category, Kind, RiskLevel

log = logging.getLogger(__name__)
MINUTES_PER = {TimeUnit.MINUTES: 1, TimeUnit.HOURS: 60}


def rule_for(
    stage: str, kind: str | None = None, category: str | None = None, risk: str | None = None
) -> DeadlineRule | None:
    """The active rule for a stage of a matter of this kind, category and risk colour, or None
    when no rule applies (the stage then has no deadline). Precedence: zhili/deadlines/rules.py.

    An unknown stage is a programming error, not "no deadline", so it raises ValueError.
    """
    if stage not in Stage.values:
        raise ValueError(f"unknown deadline stage {stage!r}; stages are {Stage.values}")
    condition = Q(stage=stage, active=True)
    for field, code in (("kind", kind), ("category", category), ("risk", risk)):
        reach = Q(**{f"{field}__isnull": True})
        if code:
            reach |= Q(**{f"{field}_id": code})
        condition &= reach
    return best_rule(DeadlineRule.objects.filter(condition), kind, category, risk)


def due_at(
    rule: DeadlineRule,
    start: datetime.datetime,
    paused: Paused = (),
    *,
    extended: int = 0,
    now: datetime.datetime | None = None,
    calendar: WorkingCalendar | None = None,
) -> datetime.datetime:
    """When the stage that started at `start` is due under `rule`.

    `paused`: the time the clock stood still, as a timedelta or (start, end) intervals (end None:
    still paused, counted up to `now`); ignored unless the rule is pausable. `extended`: the total
    extension approved so far, in the rule's unit. It was checked by `extend` when approved and is
    not checked again, so tightening a rule later does not break recomputing older matters.
    """
    calendar = calendar or WorkingCalendar()
    start = local(start)
    pauses: Paused = paused if rule.pausable else ()
    if rule.unit in MINUTES_PER:
        due = add_duration(start, minutes=rule.amount * MINUTES_PER[TimeUnit(rule.unit)])
        due = local(due + paused_clock_time(pauses, start, now))
    elif rule.unit == TimeUnit.CALENDAR_DAYS:
        due = calendar.add_calendar_days(start, rule.amount + whole_days(paused_clock_time(pauses, start, now)))
    else:
        lost = whole_days(paused_working_time(pauses, start, calendar, now))
        due = calendar.add_working_days(start, rule.amount + lost)
    if extended < 0:
        raise ValueError(f"an extension cannot be negative: {extended}")
    return _shift(due, rule, extended, calendar) if extended else due


def extend(
    due: datetime.datetime,
    rule: DeadlineRule,
    amount: int,
    *,
    already_extended: int = 0,
    calendar: WorkingCalendar | None = None,
) -> datetime.datetime:
    """The deadline `due` extended by `amount` (in the rule's unit), after an approval.

    Refuses (DomainError) a rule that cannot be extended and any extension that would bring the
    total, with `already_extended`, beyond the rule's `extendable_by`. An extension runs from the
    current deadline: legally that is the last day of the period, after any holiday roll-over.
    """
    if amount <= 0:
        raise DomainError("deadline_extension_invalid", _("延长的时限须大于零。"), field="amount")
    if rule.extendable_by == 0:
        raise DomainError("deadline_not_extendable", _("“%(rule)s”的时限不可延长。") % {"rule": rule}, field="amount")
    if already_extended + amount > rule.extendable_by:
        raise DomainError(
            "deadline_extension_too_long",
            _("“%(rule)s”最多可延长%(limit)s（已延长%(used)s），本次最多还可延长%(left)s。")
            % {
                "rule": rule,
                "limit": describe(rule.extendable_by, rule.unit),
                "used": describe(already_extended, rule.unit),
                "left": describe(max(rule.extendable_by - already_extended, 0), rule.unit),
            },
            field="amount",
        )
    return _shift(due, rule, amount, calendar or WorkingCalendar())


def _shift(due: datetime.datetime, rule: DeadlineRule, amount: int, calendar: WorkingCalendar) -> datetime.datetime:
    if rule.unit in MINUTES_PER:
        return add_duration(due, minutes=amount * MINUTES_PER[TimeUnit(rule.unit)])
    if rule.unit == TimeUnit.CALENDAR_DAYS:
        return calendar.add_calendar_days(due, amount)
    return calendar.add_working_days(due, amount)


def describe(amount: int, unit: str) -> str:
    """An amount of time as residents read it: 30日, 8个工作日, 2小时, 30分钟."""
    formats = {
        TimeUnit.MINUTES: _("%(n)s分钟"),
        TimeUnit.HOURS: _("%(n)s小时"),
        TimeUnit.CALENDAR_DAYS: _("%(n)s日"),
        TimeUnit.WORKING_DAYS: _("%(n)s个工作日"),
    }
    return formats[TimeUnit(unit)] % {"n": amount}


@dataclass(frozen=True)
class LoadResult:
    created: int = 0
    updated: int = 0
    deleted: int = 0
    unchanged: int = 0


@transaction.atomic
def load_schedule(schedule: Schedule, *, reason: str = "") -> LoadResult:
    """Make the table hold exactly `schedule` for its year (rows are audited one by one).

    Loading the same file twice changes nothing; a corrected notice replaces the year's rows.
    When anything changed, `signals.schedule_loaded` is sent after the commit.
    """
    dates = [day.date for day in schedule.days]
    taken = HolidaySchedule.objects.filter(date__in=dates).exclude(year=schedule.year).order_by("date").first()
    if taken is not None:
        raise DomainError(
            "holiday_date_other_year",
            _("%(date)s 已属于 %(year)s 年度的节假日安排。") % {"date": taken.date, "year": taken.year},
        )
    existing = {row.date: row for row in HolidaySchedule.objects.select_for_update().filter(year=schedule.year)}
    created = updated = unchanged = 0
    with because(reason or _("载入%(year)s年节假日安排") % {"year": schedule.year}):
        for day in schedule.days:
            row = existing.pop(day.date, None)
            if row is None:
                HolidaySchedule.objects.create(
                    year=schedule.year, date=day.date, kind=day.kind, name=day.name, notice=schedule.notice
                )
                created += 1
            elif (row.kind, row.name, row.notice) != (day.kind, day.name, schedule.notice):
                row.kind, row.name, row.notice = day.kind, day.name, schedule.notice
                row.save()
                updated += 1
            else:
                unchanged += 1
        for row in existing.values():
            row.delete()
    if created or updated or existing:
        transaction.on_commit(lambda: schedule_loaded.send(sender=HolidaySchedule, year=schedule.year))
    return LoadResult(created=created, updated=updated, deleted=len(existing), unchanged=unchanged)


@transaction.atomic
def sync_builtin_rules() -> int:
    """Create every shipped rule that is missing; never touch one that exists (admins' edits stay).

    Returns how many rules were created. Running it twice creates nothing. A shipped rule whose
    scope an administrator already covers with an active rule of their own is created inactive,
    so theirs stays in force.
    """
    existing = set(
        DeadlineRule.objects.filter(code__in=[spec.code for spec in BUILTIN_RULES]).values_list("pk", flat=True)
    )
    missing = [spec for spec in BUILTIN_RULES if spec.code not in existing]
    if not missing:
        return 0
    known = {
        "kind": set(Kind.objects.values_list("pk", flat=True)),
        "category": set(Category.objects.values_list("pk", flat=True)),
        "risk": set(RiskLevel.objects.values_list("pk", flat=True)),
    }
    created = 0
    for spec in missing:
        scope = {"kind": spec.kind, "category": spec.category, "risk": spec.risk}
        absent = [code for field, code in scope.items() if code is not None and code not in known[field]]
        if absent:
            log.warning("deadline rule %s not created: unknown taxonomy codes %s", spec.code, absent)
            continue
        taken = DeadlineRule.objects.filter(
            stage=spec.stage, active=True, **{f"{field}_id": code for field, code in scope.items()}
        ).exists()
        DeadlineRule.objects.create(
            code=spec.code,
            name=spec.name,
            stage=spec.stage,
            kind_id=spec.kind,
            category_id=spec.category,
            risk_id=spec.risk,
            amount=spec.amount,
            unit=spec.unit,
            extendable_by=spec.extendable_by,
            pausable=spec.pausable,
            counted_from=spec.counted_from,
            legal_basis=spec.legal_basis,
            builtin=True,
            active=not taken,
        )
        created += 1
    return created


def sync_after_migrate(using: str = "default", **kwargs: Any) -> None:
    # post_migrate fires for every app even when this app's tables are not migrated yet (say
    # `migrate taxonomy`); there is nothing to sync into then.
    if DeadlineRule._meta.db_table not in connections[using].introspection.table_names():
        return
    sync_builtin_rules()


def delete_rule(rule: DeadlineRule) -> None:
    """Delete an administrator's own rule; shipped rules stay (they can be deactivated)."""
    if rule.builtin:
        raise DomainError(
            "deadline_rule_builtin", _("“%(rule)s”是内置规则，不能删除；如不再使用，可停用。") % {"rule": rule}
        )
    rule.delete()
