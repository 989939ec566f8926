"""The deadline sweep: warn before a deadline, escalate at it. Run every minute by the worker.

Everything it needs is on the matter rows (due_at, warn_at, overdue_at), so a restarted worker
picks up exactly where the last one stopped. Each matter is handled in its own transaction with
the row locked and the condition checked again under the lock, so two workers, or a sweep that
overlaps the previous one, still escalate a matter exactly once: escalating starts a new deadline
at the level above, and the matter is no longer overdue.
"""

from __future__ import annotations

import datetime
import logging
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.core.context import ActingContext, acting
from zhili.matters import actions, notices
from zhili.matters.choices import EventKind, Status
from zhili.matters.models import Matter

log = logging.getLogger(__name__)
OPEN = [Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED]
BATCH = 500


@dataclass
class SweepReport:
    escalated: int = 0
    overdue_at_top: int = 0
    warned: int = 0

    def __str__(self) -> str:
        return f"escalated {self.escalated}, overdue at the top {self.overdue_at_top}, warned {self.warned}"


def sweep(now: datetime.datetime | None = None, batch: int = BATCH) -> SweepReport:
    now = now or timezone.now()
    report = SweepReport()
    with acting(ActingContext(source="worker", reason=_("办理期限到期自动处理"))):
        while True:
            due = list(
                Matter.objects.filter(status__in=OPEN, due_at__lt=now, overdue_at__isnull=True)
                .order_by("due_at")
                .values_list("pk", flat=True)[:batch]
            )
            for pk in due:
                outcome = escalate_overdue(pk, now)
                if outcome == "escalated":
                    report.escalated += 1
                elif outcome == "top":
                    report.overdue_at_top += 1
            if len(due) < batch:
                break
        while True:
            warn = list(
                Matter.objects.filter(status__in=OPEN, warn_at__lte=now, due_at__gte=now)
                .order_by("warn_at")
                .values_list("pk", flat=True)[:batch]
            )
            for pk in warn:
                report.warned += warn_before_deadline(pk, now)
            if len(warn) < batch:
                break
    if report.escalated or report.overdue_at_top or report.warned:
        log.info("deadline sweep: %s", report)
    return report


def escalate_overdue(pk: int, now: datetime.datetime) -> str:
    """Escalate one overdue matter, or mark it overdue at the top level. Returns what happened:
    "escalated", "top", or "" when another sweep got there first."""
    with transaction.atomic():
        matter = (
            Matter.objects.select_for_update(of=("self",))
            .select_related("lead_unit", "intake_unit")
            .filter(pk=pk, status__in=OPEN, due_at__lt=now, overdue_at__isnull=True)
            .first()
        )
        if matter is None:
            return ""
        if actions.escalation_target(matter) is not None:
            actions.perform(
                matter,
                EventKind.ESCALATED,
                actor=None,
                system=True,
                at=now,
                reason=_("超过办理时限未办结，自动上报上一级"),
                data={},
            )
            return "escalated"
        actions.perform(matter, EventKind.OVERDUE, actor=None, system=True, at=now, reason=_("已超期，且已在最高层级"))
        Matter.objects.filter(pk=pk).update(overdue_at=now)
        return "top"


def warn_before_deadline(pk: int, now: datetime.datetime) -> int:
    with transaction.atomic():
        matter = (
            Matter.objects.select_for_update(of=("self",))
            .select_related("owner")
            .filter(pk=pk, status__in=OPEN, warn_at__lte=now, due_at__gte=now)
            .first()
        )
        if matter is None:
            return 0
        actions.perform(
            matter, EventKind.DEADLINE_WARNED, actor=None, system=True, at=now, data={}, reason=_("即将到期")
        )
        notices.deadline_warning(matter, matter.owner)
        Matter.objects.filter(pk=pk).update(warn_at=None)
        return 1
