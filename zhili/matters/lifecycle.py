"""The state machine of a matter, as pure functions.

`advance(state, kind, data, at, actor_id)` returns the state after one event or raises
TransitionRefused with the event kinds allowed from the current state. `replay(events)` folds a
whole history. Nothing here touches the database: actions.py applies the same functions to the
locked row, and a test replays random histories and compares with the stored state.

Who may perform each transition is policy, not state, and lives in `RULES` (checked by actions.py).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from zhili.matters.choices import EventKind as E
from zhili.matters.choices import Status as S

OPEN = frozenset({S.NEW, S.DISPATCHED, S.IN_PROGRESS, S.RETURNED})
ANY_BUT_MERGED = frozenset(S) - {S.MERGED}


@dataclass(frozen=True)
class MatterState:
    """Everything about a matter that events change. Stored on the Matter row, field for field."""

    status: str = ""
    kind: str = ""
    category: str = ""
    risk: str = "green"
    intake_unit: int | None = None
    jurisdiction: int | None = None
    lead_unit: int | None = None
    co_units: tuple[int, ...] = ()
    # Every unit the matter was ever dispatched, transferred or escalated to keeps sight of it.
    shared_units: tuple[int, ...] = ()
    owner: int | None = None
    leader: int | None = None
    supervised: bool = False
    supervision_due: str = ""
    extension_pending: bool = False
    extension_requested: int = 0
    extension_granted: int = 0
    escalations: int = 0
    answered_at: str = ""
    visit_failed: bool = False
    rating: int | None = None
    satisfied: bool | None = None
    closed_at: str = ""
    reopened: int = 0
    merged_into: str = ""
    # The clock of the current deadline stage: when it started, and time paused waiting on the
    # resident (a new stage starts a new clock).
    stage_started: str = ""
    waiting_since: str = ""
    paused_seconds: int = 0


class TransitionRefused(Exception):
    def __init__(self, kind: str, status: str, allowed: list[str], why: str = "") -> None:
        super().__init__(f"{kind} is not allowed when the matter is {status or 'not created'}")
        self.kind = kind
        self.status = status
        self.allowed = allowed
        self.why = why


@dataclass(frozen=True)
class Transition:
    sources: frozenset[str]
    effect: Callable[[MatterState, Mapping[str, Any], datetime, int | None], MatterState]
    guard: Callable[[MatterState, Mapping[str, Any]], str] = field(default=lambda s, d: "")


def _add(units: tuple[int, ...], *more: int | None) -> tuple[int, ...]:
    return tuple(dict.fromkeys([*units, *(u for u in more if u is not None)]))


def _unit(data: Mapping[str, Any], key: str) -> int:
    value = data.get(key)
    if not isinstance(value, int):
        raise ValueError(f"event data needs an integer {key!r}")
    return value


def _created(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    intake = _unit(d, "intake_unit")
    jurisdiction = d.get("jurisdiction")
    return MatterState(
        status=S.NEW,
        kind=str(d["kind"]),
        category=str(d.get("category") or ""),
        risk=str(d.get("risk") or "green"),
        intake_unit=intake,
        jurisdiction=jurisdiction,
        shared_units=_add((), intake, jurisdiction),
        stage_started=at.isoformat(),
    )


def _triaged(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    s = replace(
        s,
        kind=str(d.get("kind") or s.kind),
        category=str(d.get("category") or s.category),
        risk=str(d.get("risk") or s.risk),
    )
    if d.get("jurisdiction") is not None:
        jurisdiction = _unit(d, "jurisdiction")
        s = replace(s, jurisdiction=jurisdiction, shared_units=_add(s.shared_units, jurisdiction))
    return s


def _dispatched(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    lead = _unit(d, "lead_unit")
    co = tuple(int(u) for u in d.get("co_units", ()) if int(u) != lead)
    return replace(
        s,
        status=S.DISPATCHED,
        lead_unit=lead,
        co_units=co,
        owner=None,
        shared_units=_add(s.shared_units, lead, *co),
        **_new_stage(at),
    )


def _transferred(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    lead = _unit(d, "lead_unit")
    return replace(
        s, status=S.DISPATCHED, lead_unit=lead, owner=None, shared_units=_add(s.shared_units, lead), **_new_stage(at)
    )


def _escalated(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    unit = _unit(d, "unit")
    return replace(
        s,
        status=S.DISPATCHED,
        lead_unit=unit,
        owner=None,
        escalations=s.escalations + 1,
        shared_units=_add(s.shared_units, unit),
        **_new_stage(at),
    )


def _new_stage(at: datetime) -> dict[str, Any]:
    """A new lead unit or level starts the clock of its deadline afresh."""
    return {"stage_started": at.isoformat(), "waiting_since": "", "paused_seconds": 0}


def _waiting(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, waiting_since=at.isoformat())


def _resumed(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    waited = at - datetime.fromisoformat(s.waiting_since)
    return replace(s, waiting_since="", paused_seconds=s.paused_seconds + max(int(waited.total_seconds()), 0))


def _co_handling(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    units = [int(u) for u in d.get("units", ())]
    return replace(s, co_units=_add(s.co_units, *units), shared_units=_add(s.shared_units, *units))


def _same(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return s


def _to(status: str, **extra: Any) -> Callable[[MatterState, Mapping[str, Any], datetime, int | None], MatterState]:
    def effect(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
        return replace(s, status=status, **extra)

    return effect


def _accepted(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, status=S.IN_PROGRESS, owner=actor)


def _supervised(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, supervised=True, supervision_due=str(d.get("due") or ""))


def _supervision_replied(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, supervised=False)


def _leader(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, leader=_unit(d, "leader"))


def _extension_requested(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, extension_pending=True, extension_requested=int(d.get("amount", 0)))


def _extension_decided(approved: bool) -> Callable[..., MatterState]:
    def effect(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
        granted = s.extension_granted + (int(d.get("amount", s.extension_requested)) if approved else 0)
        return replace(s, extension_pending=False, extension_requested=0, extension_granted=granted)

    return effect


def _answered(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, status=S.ANSWERED, answered_at=at.isoformat(), visit_failed=False, waiting_since="")


def _resolved_on_spot(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    # Answered by the unit where it sits: a matter never dispatched gets its intake unit (the grid)
    # as lead, so a reopening and the unit's figures come back to whoever solved it.
    return replace(_answered(s, d, at, actor), lead_unit=s.lead_unit or s.intake_unit, owner=s.owner or actor)


def _visited(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, visit_failed=not bool(d.get("reached", True)))


def _rated(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    score = int(d["score"])
    return replace(
        s,
        status=S.CLOSED,
        rating=score,
        satisfied=bool(d.get("satisfied", score >= 3)),
        closed_at=at.isoformat(),
        supervised=False,
    )


def _closed(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, status=S.CLOSED, closed_at=at.isoformat(), supervised=False)


def _reopened(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(
        s,
        status=S.IN_PROGRESS,
        reopened=s.reopened + 1,
        closed_at="",
        answered_at="",
        rating=None,
        satisfied=None,
        visit_failed=False,
    )


def _merged(s: MatterState, d: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    return replace(s, status=S.MERGED, merged_into=str(d["into"]), supervised=False)


def _not_waiting(s: MatterState, d: Mapping[str, Any]) -> str:
    return _("已在等待群众补充材料。") if s.waiting_since else ""


def _waiting_now(s: MatterState, d: Mapping[str, Any]) -> str:
    return "" if s.waiting_since else _("当前没有在等待群众补充材料。")


def _needs_supervision(s: MatterState, d: Mapping[str, Any]) -> str:
    return "" if s.supervised else _("没有需要回复的督办。")


def _needs_extension_request(s: MatterState, d: Mapping[str, Any]) -> str:
    return "" if s.extension_pending else _("没有待审批的延期申请。")


def _no_extension_pending(s: MatterState, d: Mapping[str, Any]) -> str:
    return _("已有一项延期申请待审批。") if s.extension_pending else ""


# Petitions and applications for legal services have procedures set by law (registration, a
# written decision); only disputes and requests may be settled where they arose.
ON_SPOT_KINDS = frozenset({"dispute", "request"})


def _may_resolve_on_spot(s: MatterState, d: Mapping[str, Any]) -> str:
    if s.risk == "red":
        return _("红色预警事项不能就地化解，须报中心研判分办。")
    if s.kind not in ON_SPOT_KINDS:
        return _("信访事项和法律服务申请须按规定程序办理，不能就地化解。")
    return ""


def _needs_rating_or_failed_visit(s: MatterState, d: Mapping[str, Any]) -> str:
    return "" if s.visit_failed else _("办结前需要群众评价，或已登记回访未果。")


TRANSITIONS: dict[str, Transition] = {
    E.CREATED: Transition(frozenset({""}), _created),
    E.TRIAGED: Transition(frozenset({S.NEW, S.RETURNED}), _triaged),
    E.DISPATCHED: Transition(frozenset({S.NEW, S.RETURNED}), _dispatched),
    E.ACCEPTED: Transition(frozenset({S.DISPATCHED}), _accepted),
    E.RETURNED: Transition(frozenset({S.DISPATCHED, S.IN_PROGRESS}), _to(S.RETURNED, owner=None)),
    E.TRANSFERRED: Transition(frozenset({S.DISPATCHED, S.IN_PROGRESS}), _transferred),
    E.CO_HANDLING_ADDED: Transition(frozenset({S.DISPATCHED, S.IN_PROGRESS}), _co_handling),
    E.CONTACTED: Transition(frozenset({S.IN_PROGRESS}), _same),
    E.NOTE: Transition(ANY_BUT_MERGED, _same),
    E.ESCALATED: Transition(OPEN, _escalated),
    E.SUPERVISED: Transition(OPEN | {S.ANSWERED}, _supervised),
    E.SUPERVISION_REPLIED: Transition(OPEN | {S.ANSWERED}, _supervision_replied, _needs_supervision),
    E.LEADER_ASSIGNED: Transition(OPEN | {S.ANSWERED}, _leader),
    E.EXTENSION_REQUESTED: Transition(frozenset({S.IN_PROGRESS}), _extension_requested, _no_extension_pending),
    E.EXTENSION_APPROVED: Transition(frozenset({S.IN_PROGRESS}), _extension_decided(True), _needs_extension_request),
    E.EXTENSION_DENIED: Transition(frozenset({S.IN_PROGRESS}), _extension_decided(False), _needs_extension_request),
    E.ANSWERED: Transition(frozenset({S.IN_PROGRESS}), _answered),
    # Not from RETURNED: the unit sent it back because it could not settle it there.
    E.RESOLVED_ON_SPOT: Transition(
        frozenset({S.NEW, S.DISPATCHED, S.IN_PROGRESS}), _resolved_on_spot, _may_resolve_on_spot
    ),
    E.VISITED: Transition(frozenset({S.ANSWERED}), _visited),
    E.RATED: Transition(frozenset({S.ANSWERED}), _rated),
    E.CLOSED: Transition(frozenset({S.ANSWERED}), _closed, _needs_rating_or_failed_visit),
    E.REOPENED: Transition(frozenset({S.CLOSED}), _reopened),
    E.MERGED: Transition(frozenset({S.NEW, S.DISPATCHED, S.RETURNED}), _merged),
    E.WAITING: Transition(frozenset({S.IN_PROGRESS}), _waiting, _not_waiting),
    E.RESUMED: Transition(frozenset({S.IN_PROGRESS}), _resumed, _waiting_now),
    # Recorded by the platform; they change nothing but the timeline.
    E.DEADLINE_WARNED: Transition(OPEN, _same),
    E.OVERDUE: Transition(OPEN, _same),
    E.LEADER_ALERTED: Transition(OPEN | {S.ANSWERED}, _same),
}
SYSTEM_ONLY = frozenset({E.DEADLINE_WARNED, E.OVERDUE, E.LEADER_ALERTED})


def allowed_from(state: MatterState) -> list[str]:
    """Event kinds a person may take now: source status and guard admit the current state (the
    platform's own records are left out), in table order."""
    return [
        str(kind)
        for kind, t in TRANSITIONS.items()
        if kind not in SYSTEM_ONLY and state.status in t.sources and not t.guard(state, {})
    ]


def advance(state: MatterState, kind: str, data: Mapping[str, Any], at: datetime, actor: int | None) -> MatterState:
    transition = TRANSITIONS.get(kind)
    if transition is None:
        raise TransitionRefused(kind, state.status, allowed_from(state), "unknown event kind")
    if state.status not in transition.sources:
        raise TransitionRefused(kind, state.status, allowed_from(state))
    why = transition.guard(state, data)
    if why:
        raise TransitionRefused(kind, state.status, allowed_from(state), why)
    return transition.effect(state, data, at, actor)


@dataclass(frozen=True)
class Recorded:
    """One stored event, as replay needs it."""

    kind: str
    data: Mapping[str, Any]
    at: datetime
    actor: int | None


def replay(events: Iterable[Recorded]) -> MatterState:
    state = MatterState()
    for event in events:
        state = advance(state, event.kind, event.data, event.at, event.actor)
    return state
