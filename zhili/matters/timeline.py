"""What the resident sees of a matter's history (the public timeline, 办理进度).

Staff see every event. The resident who reported a matter sees what was done for them: received,
passed to a unit, accepted, contacted, the answer, the follow-up, the rating and the close. Not
triage, internal notes, supervision, leaders' alerts or extension requests: those are the
centre's working papers. The portal and the API (for a resident's token) both read this list, so
the rule lives here once.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from zhili.matters.choices import EventKind as E
from zhili.matters.models import Matter, MatterEvent
from zhili.org.models import Unit

# Kinds whose event the resident sees, and whether its reason is shown to them: the reason of an
# answer is the answer; of a request to wait, what the resident is asked to bring.
PUBLIC_KINDS: dict[str, bool] = {
    E.CREATED: False,
    E.DISPATCHED: False,
    E.ACCEPTED: False,
    E.TRANSFERRED: False,
    E.ESCALATED: False,
    E.CONTACTED: False,
    E.WAITING: True,
    E.RESUMED: False,
    E.EXTENSION_APPROVED: False,
    E.ANSWERED: True,
    E.VISITED: False,
    E.RATED: False,
    E.CLOSED: False,
    E.REOPENED: True,
    E.MERGED: False,
    E.RESOLVED_ON_SPOT: True,  # a grid worker settled it on the spot (zhili.grid)
}


@dataclass(frozen=True)
class Entry:
    """One line of the public timeline."""

    time: Any
    kind: str
    text: str
    detail: str  # the answer, or what the resident is asked for; empty otherwise


def is_public(event: MatterEvent, matter: Matter) -> bool:
    if event.kind == E.NOTE:
        # The resident's own additions (补充材料) are theirs to see; staff notes are not.
        if event.actor_id is not None:
            return event.actor_id == matter.reporter_id
        return event.actor_name == REPORTER_NAME
    return event.kind in PUBLIC_KINDS


# The actor name an event of the resident without an account carries (policy.VerifiedReporter).
REPORTER_NAME = "reporter"


def public_events(matter: Matter) -> list[MatterEvent]:
    return [event for event in matter.events.order_by("seq") if is_public(event, matter)]


def entries(matter: Matter, events: Iterable[MatterEvent] | None = None) -> list[Entry]:
    """The public timeline in plain words, oldest first."""
    events = list(public_events(matter) if events is None else events)
    unit_ids = {
        v
        for event in events
        for k, v in (event.data or {}).items()
        if k in {"lead_unit", "unit"} and isinstance(v, int)
    }
    names = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}
    result = []
    for event in events:
        data = event.data or {}
        unit = names.get(data.get("lead_unit") or data.get("unit"), "")
        text = _describe(event.kind, data, unit)
        detail = event.reason if PUBLIC_KINDS.get(event.kind) else ""
        if event.kind == E.NOTE:
            detail = data.get("name") or event.reason
        result.append(Entry(event.time, event.kind, text, detail))
    return result


def _describe(kind: str, data: dict[str, Any], unit: str) -> str:
    texts: dict[str, str] = {
        E.CREATED: _("已收到您反映的事项"),
        E.DISPATCHED: _("已交由%(unit)s办理") % {"unit": unit},
        E.ACCEPTED: _("承办单位已签收，正在办理"),
        E.TRANSFERRED: _("已转交%(unit)s办理") % {"unit": unit},
        E.ESCALATED: _("已提交上级%(unit)s协调办理") % {"unit": unit},
        E.CONTACTED: _("工作人员已与您联系"),
        E.WAITING: _("请您补充材料，补充后继续办理"),
        E.RESUMED: _("已收到补充材料，继续办理"),
        E.EXTENSION_APPROVED: _("办理期限已依规延长"),
        E.ANSWERED: _("已答复"),
        E.VISITED: _("工作人员已回访") if data.get("reached", True) else _("回访时未能联系上您"),
        E.RATED: _("您的评价：%(score)s分") % {"score": data.get("score", "")},
        E.CLOSED: _("已办结"),
        E.REOPENED: _("已按您的申请重新办理"),
        E.MERGED: _("与在先事项%(into)s合并办理") % {"into": data.get("into", "")},
        E.NOTE: _("您补充了材料"),
        E.RESOLVED_ON_SPOT: _("网格员已现场化解"),
    }
    return str(texts.get(kind, kind))
