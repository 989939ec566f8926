"""The state machine: every transition, refusals with the allowed next steps, and replay."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.utils import timezone

from zhili.core.errors import DomainError
from zhili.matters import actions, lifecycle
from zhili.matters.choices import EventKind as E
from zhili.matters.choices import Status as S
from zhili.matters.models import Matter
from zhili.matters.tests.conftest import Cast

pytestmark = pytest.mark.django_db
NOW = timezone.now()


def at(status: str, **fields: object) -> lifecycle.MatterState:
    return lifecycle.MatterState(status=status, kind="dispute", intake_unit=1, **fields)  # type: ignore[arg-type]


# (event, state before, data, expected change)
CASES = [
    (E.TRIAGED, at(S.NEW), {"category": "neighbor", "risk": "yellow"}, {"category": "neighbor", "risk": "yellow"}),
    (
        E.DISPATCHED,
        at(S.NEW),
        {"lead_unit": 7, "co_units": [8]},
        {"status": S.DISPATCHED, "lead_unit": 7, "co_units": (8,)},
    ),
    (E.DISPATCHED, at(S.RETURNED), {"lead_unit": 7}, {"status": S.DISPATCHED}),
    (E.ACCEPTED, at(S.DISPATCHED, lead_unit=7), {}, {"status": S.IN_PROGRESS, "owner": 42}),
    (E.RETURNED, at(S.IN_PROGRESS, owner=42), {}, {"status": S.RETURNED, "owner": None}),
    (E.TRANSFERRED, at(S.IN_PROGRESS, lead_unit=7), {"lead_unit": 9}, {"status": S.DISPATCHED, "lead_unit": 9}),
    (E.CO_HANDLING_ADDED, at(S.IN_PROGRESS, co_units=(8,)), {"units": [10]}, {"co_units": (8, 10)}),
    (E.CONTACTED, at(S.IN_PROGRESS), {}, {}),
    (E.NOTE, at(S.CLOSED), {}, {}),
    (E.ESCALATED, at(S.IN_PROGRESS), {"unit": 3}, {"status": S.DISPATCHED, "lead_unit": 3, "escalations": 1}),
    (E.SUPERVISED, at(S.IN_PROGRESS), {"due": "2026-12-01"}, {"supervised": True, "supervision_due": "2026-12-01"}),
    (E.SUPERVISION_REPLIED, at(S.IN_PROGRESS, supervised=True), {}, {"supervised": False}),
    (E.LEADER_ASSIGNED, at(S.IN_PROGRESS), {"leader": 5}, {"leader": 5}),
    (E.EXTENSION_REQUESTED, at(S.IN_PROGRESS), {"amount": 30}, {"extension_pending": True, "extension_requested": 30}),
    (
        E.EXTENSION_APPROVED,
        at(S.IN_PROGRESS, extension_pending=True, extension_requested=30),
        {},
        {"extension_pending": False, "extension_granted": 30},
    ),
    (
        E.EXTENSION_DENIED,
        at(S.IN_PROGRESS, extension_pending=True, extension_requested=30),
        {},
        {"extension_pending": False, "extension_granted": 0},
    ),
    (E.ANSWERED, at(S.IN_PROGRESS), {}, {"status": S.ANSWERED, "answered_at": NOW.isoformat()}),
    (
        E.RESOLVED_ON_SPOT,
        at(S.NEW),
        {},
        {"status": S.ANSWERED, "answered_at": NOW.isoformat(), "lead_unit": 1, "owner": 42},
    ),
    (E.VISITED, at(S.ANSWERED), {"reached": False}, {"visit_failed": True}),
    (
        E.RATED,
        at(S.ANSWERED),
        {"score": 2, "satisfied": False},
        {"status": S.CLOSED, "rating": 2, "satisfied": False, "closed_at": NOW.isoformat()},
    ),
    (E.CLOSED, at(S.ANSWERED, visit_failed=True), {}, {"status": S.CLOSED}),
    (E.REOPENED, at(S.CLOSED, rating=2, satisfied=False), {}, {"status": S.IN_PROGRESS, "reopened": 1, "rating": None}),
    (E.MERGED, at(S.NEW), {"into": "LS-2026-000001"}, {"status": S.MERGED, "merged_into": "LS-2026-000001"}),
    (E.WAITING, at(S.IN_PROGRESS), {}, {"waiting_since": NOW.isoformat()}),
    (
        E.RESUMED,
        at(S.IN_PROGRESS, waiting_since=(NOW - timedelta(hours=2)).isoformat(), paused_seconds=60),
        {},
        {"waiting_since": "", "paused_seconds": 7260},
    ),
    (E.DEADLINE_WARNED, at(S.IN_PROGRESS), {}, {"status": S.IN_PROGRESS}),
    (E.OVERDUE, at(S.DISPATCHED), {}, {"status": S.DISPATCHED}),
    (E.LEADER_ALERTED, at(S.NEW), {}, {"status": S.NEW}),
]


@pytest.mark.parametrize("kind,before,data,change", CASES, ids=[f"{c[0]}-from-{c[1].status}" for c in CASES])
def test_each_transition(kind: str, before: lifecycle.MatterState, data: dict, change: dict) -> None:
    after = lifecycle.advance(before, kind, data, NOW, 42)
    for name, value in change.items():
        assert getattr(after, name) == value, name


def test_every_event_kind_but_creation_has_a_case() -> None:
    assert {c[0] for c in CASES} == set(lifecycle.TRANSITIONS) - {E.CREATED}


@pytest.mark.parametrize("kind", [k for k in lifecycle.TRANSITIONS if k != E.CREATED])
def test_refused_outside_its_sources_with_the_allowed_steps(kind: str) -> None:
    sources = lifecycle.TRANSITIONS[kind].sources
    for status in [s for s in S.values if s not in sources]:
        with pytest.raises(lifecycle.TransitionRefused) as refused:
            lifecycle.advance(at(status), kind, {}, NOW, 1)
        assert refused.value.allowed == lifecycle.allowed_from(at(status))
        assert kind not in refused.value.allowed


def test_guards_refuse_within_the_right_status() -> None:
    for kind, state in (
        (E.CLOSED, at(S.ANSWERED)),  # no rating and no failed visit yet
        (E.SUPERVISION_REPLIED, at(S.IN_PROGRESS)),  # nothing to reply to
        (E.EXTENSION_APPROVED, at(S.IN_PROGRESS)),  # nothing requested
        (E.EXTENSION_REQUESTED, at(S.IN_PROGRESS, extension_pending=True)),  # one at a time
    ):
        with pytest.raises(lifecycle.TransitionRefused) as refused:
            lifecycle.advance(state, kind, {}, NOW, 1)
        assert refused.value.why


def _random_step(rng: random.Random, matter: Matter, cast: Cast) -> tuple[str, dict, str] | None:
    tree = cast.tree
    allowed = lifecycle.allowed_from(actions.state_of(matter))
    choices = [k for k in allowed if k not in {E.MERGED, E.REOPENED}] or allowed
    if not choices:
        return None
    kind = rng.choice(choices)
    units = [tree.judicial_office_a1.pk, tree.police_a.pk, tree.community_a1.pk, tree.grid_a1.pk]
    data = {
        E.TRIAGED: {"risk": rng.choice(["red", "yellow", "green"]), "category": "neighbor"},
        E.DISPATCHED: {"lead_unit": rng.choice(units), "co_units": [rng.choice(units)]},
        E.TRANSFERRED: {"lead_unit": rng.choice([u for u in units if u != matter.lead_unit_id])},
        E.CO_HANDLING_ADDED: {"units": [rng.choice(units)]},
        E.SUPERVISED: {"due": "2026-12-31"},
        E.LEADER_ASSIGNED: {"leader": cast.leader.pk},
        E.EXTENSION_REQUESTED: {"amount": rng.randint(1, 30)},
        E.VISITED: {"reached": rng.random() < 0.5},
        E.RATED: {"score": rng.randint(1, 5)},
    }.get(kind, {})
    if kind == E.ESCALATED and actions.escalation_target(matter) is None:
        return None
    return kind, data, "随机历史测试"


def test_replaying_random_histories_gives_the_stored_state(cast: Cast) -> None:
    """Random walks through the lifecycle, taken through actions.perform; after each, the state
    folded from the stored events equals the state stored on the row."""
    rng = random.Random(20261122)
    for _walk in range(12):
        matter = cast.matter()
        for _step in range(rng.randint(3, 18)):
            step = _random_step(rng, matter, cast)
            if step is None:
                break
            kind, data, reason = step
            try:
                matter = actions.perform(matter, kind, actor=None, reason=reason, data=data, system=True)
            except DomainError:
                # A refused step (an extension the rule does not allow, say) leaves no trace.
                assert matter.events.count() == matter.last_event_seq
        events = [lifecycle.Recorded(e.kind, e.data, e.time, e.actor_id) for e in matter.events.order_by("seq")]
        stored = actions.state_of(Matter.objects.get(pk=matter.pk))
        assert lifecycle.replay(events) == stored
        assert matter.last_event_seq == len(events)


def test_reopen_only_within_the_window(cast: Cast, settings) -> None:  # type: ignore[no-untyped-def]
    settings.MATTER_REOPEN_DAYS = 15
    matter = cast.matter()
    for kind, data in (
        (E.DISPATCHED, {"lead_unit": cast.tree.judicial_office_a1.pk}),
        (E.ACCEPTED, {}),
        (E.ANSWERED, {}),
        (E.RATED, {"score": 1}),
    ):
        matter = actions.perform(matter, kind, actor=None, reason="答复内容", data=data, system=True)
    Matter.objects.filter(pk=matter.pk).update(closed_at=timezone.now() - timedelta(days=16))
    from zhili.core.errors import Conflict

    with pytest.raises(Conflict) as error:
        actions.perform(matter, E.REOPENED, actor=cast.resident, reason="不满意", system=True)
    assert error.value.code == "reopen_window_passed"


def test_every_step_a_person_can_take_has_a_rule_of_who_may() -> None:
    from zhili.matters import policy

    people = set(lifecycle.TRANSITIONS) - lifecycle.SYSTEM_ONLY - {E.CREATED}
    assert people == set(policy.RULES)
