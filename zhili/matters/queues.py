"""The workbench queues (在办, 待分拨, 待受理, 已超期 …): what puts a matter in each, for one viewer.

The inbox counts and lists them; the menu counts what waits for the viewer (`waiting_counts`).
Both apply them within `Matter.objects.restrict(viewer, "view")`, so a queue never reaches beyond
the viewer's scope.

Every queue but 全部 holds only matters still being worked on (ACTIVE), so counting the queues
reads those alone, through the status index: a fifth of the matters of a centre that has run for
a while, and fewer every year, where 全部 grows with every matter ever received. 全部 is listed
newest first and is not counted (the inbox pages through it without a total; the search page
counts what a search finds).
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from typing import Any

from django.core.cache import cache
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils import timezone
from django.utils.translation import gettext_lazy

from zhili.core.scope import prefix_q, scope_for
from zhili.matters.choices import Status
from zhili.matters.models import Matter, reached_from, units_at
from zhili.org.models import Unit
from zhili.taxonomy.services import risk_ranks

OPEN = [Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED]
# Being worked on: open, or answered and waiting for the resident's rating or the return visit.
ACTIVE = [*OPEN, Status.ANSWERED]
DUE_SOON = datetime.timedelta(hours=24)
# How long the queues' counts are kept per person: a count a few seconds old is fine for a badge
# or a tab, and the menu is drawn on every page; for how many sets of filters at most.
COUNTS_SECONDS = 30
KEPT_FILTERS = 20

# The inbox tabs, in order: key and label. A queue the viewer cannot work on is not shown. The
# first is where the inbox opens.
QUEUES: list[tuple[str, Any]] = [
    ("active", gettext_lazy("在办")),
    ("dispatch", gettext_lazy("待分拨")),
    ("accept", gettext_lazy("待受理")),
    ("in_progress", gettext_lazy("办理中")),
    ("overdue", gettext_lazy("已超期")),
    ("supervised", gettext_lazy("督办中")),
    ("due_soon", gettext_lazy("即将到期")),
    ("all", gettext_lazy("全部")),
]
DEFAULT_QUEUE = "active"
UNCOUNTED = "all"


def queue_conditions(user: Any, now: datetime.datetime) -> dict[str, Q]:
    """What puts a matter in each queue, for this viewer (applied within their reach). Each but
    UNCOUNTED implies ACTIVE."""
    conditions: dict[str, Q] = {"active": Q(status__in=ACTIVE)}
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
            waiting &= reached_from(units_at(user, dispatch.paths))
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
    conditions["supervised"] = Q(supervised=True, status__in=ACTIVE)  # lifecycle clears it at closing
    conditions["due_soon"] = is_open & Q(due_at__gte=now, due_at__lt=now + DUE_SOON)
    conditions[UNCOUNTED] = Q()
    return conditions


def ordering(queue: str) -> list[Any]:
    """How a queue's rows are ordered: work red first, then by deadline; 全部 newest first (the
    received_at index). The risk's rank is written into the query (taxonomy.risk_ranks), so the
    order needs no join and the status index alone can serve a queue."""
    if queue == UNCOUNTED:
        return ["-received_at", "-pk"]
    ranks = risk_ranks()
    rank = Case(
        *(When(risk_id=code, then=Value(value)) for code, value in ranks.items()),
        default=Value(0),
        output_field=IntegerField(),
    )
    return [rank.desc(), F("due_at").asc(nulls_last=True), "-received_at", "-pk"]


def count_queues(matters: QuerySet, conditions: dict[str, Q]) -> dict[str, int]:
    """How many of these matters each queue holds (but UNCOUNTED): one aggregate over the
    active ones."""
    counted = {key: condition for key, condition in conditions.items() if key != UNCOUNTED}
    found = (
        matters.filter(status__in=ACTIVE)
        .order_by()
        .aggregate(**{key: Count("pk", filter=condition) for key, condition in counted.items()})
    )
    return {key: int(found.get(key) or 0) for key in counted}


def within_unit(queryset: QuerySet, unit: int | None) -> QuerySet:
    """Only the matters attached to the subtree of this unit (its id; None leaves the matters as
    they are): the unit filter, the current unit."""
    if unit is None:
        return queryset
    return queryset.filter(reached_from([unit]))


def kept_counts(user: Any, key: str, count: Callable[[], dict[str, int]]) -> dict[str, int]:
    """The queues' counts under `key` (the filters and the current unit that chose the matters
    counted), counted by `count` and then kept for COUNTS_SECONDS per person: the menu and the
    inbox's tabs show the same numbers, and a tab or a page costs no count again. A step the
    person takes forgets them (forget_counts); other people's steps show within the period."""
    cache_key = _counts_key(user)
    kept: dict[str, dict[str, int]] = cache.get(cache_key) or {}
    counts = kept.get(key)
    if counts is None:
        counts = kept[key] = count()
        while len(kept) > KEPT_FILTERS:  # the oldest filters first
            del kept[next(iter(kept))]
        cache.set(cache_key, kept, COUNTS_SECONDS)
    return dict(counts)


def waiting_counts(user: Any, key: str, unit: int | None = None) -> dict[str, int]:
    """What waits for the viewer: to dispatch, to accept, and overdue, within the current unit
    (its id; `key` names it as the inbox's filters do, so both share the count)."""

    def count() -> dict[str, int]:
        matters = within_unit(Matter.objects.restrict(user, "view"), unit)
        return count_queues(matters, queue_conditions(user, timezone.now()))

    counts = kept_counts(user, key, count)
    waiting = {name: counts.get(name, 0) for name in ("dispatch", "accept", "overdue")}
    waiting["waiting"] = waiting["dispatch"] + waiting["accept"]
    return waiting


def forget_counts(user: Any) -> None:
    """Count again on the next page (after the viewer took a step that changes a queue)."""
    cache.delete(_counts_key(user))


def _counts_key(user: Any) -> str:
    return f"zhili:menu-counts:{user.pk}"
