"""Possible duplicates (疑似重复): earlier matters in the viewer's reach that look like the same
matter, so a clerk links a repeated report to the first one (the MERGED step) instead of having
it handled twice.

A matter looks like another when the reporter gave the same phone, or when its text is close and
it was received by the same unit or lies in the same place. Only matters received in the last
WINDOW_DAYS (open or not) are compared, at most POOL per question, newest first, and only those
that `Matter.objects.restrict(viewer, "view")` lets through are shown: the queries are bounded by
the received_at index and the window, whatever the size of the table. Open matters older than the
window are left out: matching them by phone would read every open matter (there is no index on
reporter_phone), and a matter open that long is already on the overdue list.

This links matters, never people: it answers "which matter is this the same as", shows at most
LIMIT matters and nothing about the reporter, and an anonymous matter is never matched by phone
(that would tell the clerk who reported it).
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.db.models.functions import Substr
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from rapidfuzz import fuzz

from zhili.matters.choices import Status
from zhili.matters.models import Matter

WINDOW_DAYS = 90
LIMIT = 5
POOL = 300  # the newest matters of the same unit or place compared by text
COMPARED = 200  # characters of each text compared
MIN_TEXT = 8  # characters typed before the text is compared at all
THRESHOLD = 55.0  # rapidfuzz score (0-100) from which two texts look alike
NOT_TEXT = re.compile(r"[\W_]+")

BY_PHONE = _("同一反映人电话")
BY_TEXT = _("内容相近")


@dataclass(frozen=True)
class Candidate:
    pk: int
    number: str
    title: str
    status: str
    received_at: datetime.datetime
    why: str
    score: int  # 100 for the same phone

    @property
    def status_label(self) -> str:
        return str(Status(self.status).label) if self.status in Status.values else self.status


def _normal(text: str) -> str:
    return NOT_TEXT.sub("", text or "")[:COMPARED]


def similarity(left: str, right: str) -> float:
    """How alike two texts are (0-100): the whole texts, or the shorter within the longer, which
    is how a second, briefer report of the same matter reads."""
    a, b = _normal(left), _normal(right)
    if len(a) < MIN_TEXT or len(b) < MIN_TEXT:
        return 0.0
    return max(fuzz.ratio(a, b), fuzz.partial_ratio(a, b) * 0.9)


def candidates(
    viewer: Any,
    *,
    description: str = "",
    reporter_phone: str = "",
    unit_ids: tuple[int, ...] = (),
    before: datetime.datetime | None = None,
    exclude: int | None = None,
    now: datetime.datetime | None = None,
    limit: int = LIMIT,
) -> list[Candidate]:
    """Up to `limit` matters that may be the same as the one described: same phone first, then by
    closeness of the text. `unit_ids` are the intake unit and the place (jurisdiction) of the new
    report; `before` keeps only matters received earlier (a matter merges into an earlier one)."""
    now = now or timezone.now()
    # The window drives both questions (received_at's index); the scope is then checked on the few
    # rows found, by primary key. Asking the scope first would read every matter of the viewer's
    # subtree, which is most of the table for a county's clerk.
    window = Matter.objects.filter(received_at__gte=now - datetime.timedelta(days=WINDOW_DAYS))
    window = window.exclude(status=Status.MERGED)
    if before is not None:
        window = window.filter(received_at__lt=before)
    if exclude is not None:
        window = window.exclude(pk=exclude)
    columns = ("pk", "number", "title", "status", "received_at")

    by_phone: list[dict[str, Any]] = []
    phone = (reporter_phone or "").replace(" ", "").replace("-", "")
    if phone:
        same_phone = window.filter(reporter_phone=phone, anonymous=False).order_by("-received_at")
        by_phone = list(same_phone.values(*columns)[:POOL])

    by_text: list[tuple[float, dict[str, Any]]] = []
    units = tuple(pk for pk in unit_ids if pk)
    if units and len(_normal(description)) >= MIN_TEXT:
        nearby = window.filter(Q(intake_unit__in=units) | Q(jurisdiction__in=units)).order_by("-received_at")
        for row in nearby.annotate(head=Substr("description", 1, COMPARED)).values(*columns, "head")[:POOL]:
            # The title is usually the description's beginning; count it once.
            title, head = row["title"], row["head"]
            score = similarity(description, head if head.startswith(title) else f"{title}{head}")
            if score >= THRESHOLD:
                by_text.append((score, row))
        by_text.sort(key=lambda item: (-item[0], -item[1]["received_at"].timestamp()))

    found_ids = [row["pk"] for row in by_phone] + [row["pk"] for _score, row in by_text]
    if not found_ids:
        return []
    visible = set(Matter.objects.restrict(viewer, "view").filter(pk__in=found_ids).values_list("pk", flat=True))
    found: dict[int, Candidate] = {}
    for row in by_phone:
        if row["pk"] in visible and len(found) < limit:
            found[row["pk"]] = Candidate(**_fields(row), why=str(BY_PHONE), score=100)
    for score, row in by_text:
        if row["pk"] in visible and row["pk"] not in found and len(found) < limit:
            found[row["pk"]] = Candidate(**_fields(row), why=str(BY_TEXT), score=round(score))
    return list(found.values())


def _fields(row: dict[str, Any]) -> dict[str, Any]:
    return {key: row[key] for key in ("pk", "number", "title", "status", "received_at")}


def for_matter(viewer: Any, matter: Matter) -> list[Candidate]:
    """The earlier matters a new matter may be a repeat of (for its MERGED step)."""
    return candidates(
        viewer,
        description=matter.description,
        reporter_phone="" if matter.anonymous else matter.reporter_phone,
        unit_ids=(matter.intake_unit_id, matter.jurisdiction_id or 0),
        before=matter.received_at,
        exclude=matter.pk,
    )
