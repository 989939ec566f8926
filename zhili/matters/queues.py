"""The workbench queues (待分拨, 待受理, 已超期 …): what puts a matter in each, for one viewer.

The inbox counts and lists them; the menu counts what waits for the viewer (`waiting_counts`).
Both apply them within `Matter.objects.restrict(viewer, "view")`, so a queue never reaches beyond
the viewer's scope.
"""

from __future__ import annotations

import datetime
from typing import Any

from django.core.cache import cache
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy

from zhili.core.scope import prefix_q, scope_for
from zhili.matters.choices import Status
from zhili.matters.models import Matter, MatterUnit
from zhili.org.models import Unit

OPEN = [Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED]
DUE_SOON = datetime.timedelta(hours=24)
# How long the menu's counts are kept per user: a count a few seconds old is fine for a badge,
# and the menu is drawn on every page.
MENU_COUNTS_SECONDS = 30

# The inbox tabs, in order: key and label. A queue the viewer cannot work on is not shown.
QUEUES: list[tuple[str, Any]] = [
    ("all", gettext_lazy("全部")),
    ("dispatch", gettext_lazy("待分拨")),
    ("accept", gettext_lazy("待受理")),
    ("in_progress", gettext_lazy("办理中")),
    ("overdue", gettext_lazy("已超期")),
    ("supervised", gettext_lazy("督办中")),
    ("due_soon", gettext_lazy("即将到期")),
]


def queue_conditions(user: Any, now: datetime.datetime) -> dict[str, Q]:
    """What puts a matter in each queue, for this viewer (applied within their reach)."""
    conditions: dict[str, Q] = {"all": Q()}
    dispatch = scope_for(user, "matter.dispatch")
    if not dispatch.empty:
        waiting = Q(status__in=[Status.NEW, Status.RETURNED])
        view = scope_for(user, "matter.view")
        # As policy.py: dispatch over any unit the matter is attached to. The queues apply within
        # restrict(viewer, "view"), so where dispatch reaches all the viewer sees (a clerk), the
        # status says it all; otherwise a correlated EXISTS, which PostgreSQL answers with one
        # index probe per row where "pk IN (…)" inside a COUNT … FILTER reruns the subquery per row
        # once the unit links outgrow work_mem.
        if not dispatch.everything and not all(dispatch.covers(path) for path in view.paths):
            attached = MatterUnit.objects.filter(prefix_q("unit__path", dispatch.paths), matter_id=OuterRef("pk"))
            waiting &= Q(Exists(attached))
        conditions["dispatch"] = waiting
    handle = scope_for(user, "matter.handle")
    if not handle.empty:
        dispatched = Q(status=Status.DISPATCHED)
        if not handle.everything:  # as policy.py: handle over the lead unit
            dispatched &= Q(lead_unit__in=Unit.objects.filter(prefix_q("path", handle.paths)).values("pk"))
        conditions["accept"] = dispatched
    is_open = Q(status__in=OPEN)
    conditions["in_progress"] = Q(status=Status.IN_PROGRESS)
    conditions["overdue"] = is_open & (Q(due_at__lt=now) | Q(overdue_at__isnull=False))
    conditions["supervised"] = Q(supervised=True)
    conditions["due_soon"] = is_open & Q(due_at__gte=now, due_at__lt=now + DUE_SOON)
    return conditions


def within_unit(queryset: QuerySet, unit_path: str | None) -> QuerySet:
    """Only the matters attached to this unit's subtree (the current unit, when one is chosen)."""
    if not unit_path:
        return queryset
    return queryset.filter(pk__in=MatterUnit.objects.filter(unit__path__startswith=unit_path).values("matter_id"))


def waiting_counts(user: Any, unit_path: str | None = None) -> dict[str, int]:
    """What waits for the viewer: to dispatch, to accept, and overdue (one aggregate query, kept
    for MENU_COUNTS_SECONDS per user and current unit)."""
    key = _counts_key(user)
    kept: dict[str, dict[str, int]] = cache.get(key) or {}
    counts = kept.get(unit_path or "")
    if counts is None:
        conditions = queue_conditions(user, timezone.now())
        names = [name for name in ("dispatch", "accept", "overdue") if name in conditions]
        matters = within_unit(Matter.objects.restrict(user, "view"), unit_path)
        found = matters.order_by().aggregate(**{name: Count("pk", filter=conditions[name]) for name in names})
        counts = {name: int(found.get(name) or 0) for name in ("dispatch", "accept", "overdue")}
        counts["waiting"] = counts["dispatch"] + counts["accept"]
        kept[unit_path or ""] = counts
        cache.set(key, kept, MENU_COUNTS_SECONDS)
    return dict(counts)


def forget_counts(user: Any) -> None:
    """Count again on the next page (after the viewer took a step that changes a queue)."""
    cache.delete(_counts_key(user))


def _counts_key(user: Any) -> str:
    return f"zhili:menu-counts:{user.pk}"
