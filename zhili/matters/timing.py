"""The deadline of a matter's current stage, from its state and the deadline rules.

A matter waiting for dispatch runs against its first stage (respond; register for petitions;
decide for legal services); once dispatched, against its handling stage at the current level
(resolve; decide for petitions; mediation_end for labour disputes …). Escalating, transferring or
dispatching starts the clock afresh. Answered, closed and merged matters have no deadline.
"""

from __future__ import annotations

import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core import bulk
from zhili.core.errors import DomainError
from zhili.deadlines import cache
from zhili.deadlines.models import DeadlineRule
from zhili.matters.choices import Status
from zhili.matters.models import Matter

FIRST_STAGES = {
    "request": ("respond",),
    "dispute": ("respond",),
    "petition": ("register",),
    "legal_service": ("decide",),
}
HANDLING_STAGES = {
    "request": ("resolve",),
    "dispute": ("mediation_end", "resolve"),
    "petition": ("decide",),
    "legal_service": ("decide", "resolve"),  # 法律援助法 Art. 43: decided within 7 days of receipt
}
WAITING_FOR_DISPATCH = {Status.NEW, Status.RETURNED}
HANDLING = {Status.DISPATCHED, Status.IN_PROGRESS}
WARN_AT = 0.75  # warn when three quarters of the stage's time has gone


def stage_rule(matter: Matter, deadlines: cache.Deadlines | None = None) -> tuple[str, DeadlineRule | None]:
    rules = deadlines or cache.current()
    stages: tuple[str, ...]
    if matter.status in WAITING_FOR_DISPATCH:
        stages = FIRST_STAGES.get(matter.kind_id, ("respond",))
    elif matter.status in HANDLING:
        stages = HANDLING_STAGES.get(matter.kind_id, ("resolve",))
    else:
        return "", None
    for stage in stages:
        rule = rules.rule_for(stage, matter.kind_id, matter.category_id, matter.risk_id)
        if rule is not None:
            return stage, rule
    return stages[0], None


def refresh(matter: Matter, now: datetime.datetime, deadlines: cache.Deadlines | None = None) -> None:
    """Set due_stage, due_rule, due_at and warn_at on the row (not saved). A changed deadline
    clears the overdue mark, so the sweep looks at it afresh.

    The rules and the calendar are this process's cached ones (zhili.deadlines.cache), or
    `deadlines` when the caller holds a snapshot for a whole batch."""
    rules = deadlines or cache.current()
    stage, rule = stage_rule(matter, rules)
    due = None
    if rule is not None and matter.stage_started is not None:
        paused = datetime.timedelta(seconds=matter.paused_seconds)
        if matter.waiting_since is not None:
            paused += max(now - matter.waiting_since, datetime.timedelta())
        due = rules.due_at(rule, matter.stage_started, paused, extended=matter.extension_granted, now=now)
    if due != matter.due_at:
        matter.overdue_at = None
        start = matter.stage_started
        matter.warn_at = start + (due - start) * WARN_AT if due is not None and start is not None else None
    matter.due_stage = stage if rule is not None else ""
    matter.due_rule = rule.code if rule is not None else ""
    matter.due_at = due


def check_extension(matter: Matter, amount: int) -> None:
    """Refuse (DomainError) an extension the current stage's rule does not allow."""
    rules = cache.current()
    _stage, rule = stage_rule(matter, rules)
    if rule is None or matter.due_at is None:
        raise DomainError("deadline_not_extendable", _("当前环节没有可延长的办理期限。"), field="amount")
    rules.extend(matter.due_at, rule, amount, already_extended=matter.extension_granted)


RECOMPUTED = ("due_stage", "due_rule", "due_at", "warn_at", "overdue_at")


def recompute_open_deadlines(year: int, now: datetime.datetime | None = None, batch: int = 2000) -> int:
    """Recompute the deadlines of open matters whose current stage reaches into `year`: after a
    year's holiday schedule is loaded (deadlines.signals.schedule_loaded), those counted working
    days from the package or Monday to Friday. Returns how many deadlines changed."""
    now = now or timezone.now()
    zone = timezone.get_default_timezone()
    start = datetime.datetime(year, 1, 1, tzinfo=zone)
    end = datetime.datetime(year + 1, 1, 1, tzinfo=zone)
    rules = cache.current()
    open_in_year = Matter.objects.filter(
        status__in=WAITING_FOR_DISPATCH | HANDLING, due_at__gte=start, stage_started__lt=end
    ).order_by("pk")
    changed = 0
    last = 0
    while True:
        with transaction.atomic():
            matters = list(open_in_year.filter(pk__gt=last).select_for_update()[:batch])
            if not matters:
                return changed
            last = matters[-1].pk
            touched = []
            for matter in matters:
                before = [getattr(matter, name) for name in RECOMPUTED]
                refresh(matter, now, rules)
                if [getattr(matter, name) for name in RECOMPUTED] != before:
                    touched.append(matter)
            bulk.update_rows(Matter, touched, RECOMPUTED)
            changed += len(touched)
