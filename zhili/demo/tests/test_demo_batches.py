"""Seeding tells the demo stories in batches, in memory, and writes each batch in bulk: the outcome
is exactly what actions.receive() and actions.perform() write when they tell the same stories one
step at a time (rows, events, unit links, parties, Idempotency-Keys, numbers, the search index),
and nothing else is written by either."""

from __future__ import annotations

import datetime
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.utils import timezone

from zhili.audit.models import AuditEvent
from zhili.core.context import acting_as
from zhili.demo import loader, matters
from zhili.demo.batch import BatchDesk
from zhili.demo.world import World
from zhili.matters import actions
from zhili.matters.choices import EventKind, Status
from zhili.matters.models import IntakeKey, Matter, MatterCounter, MatterEvent, MatterReach, MatterUnit, Party
from zhili.notify import services as notify
from zhili.notify.models import Notification
from zhili.org.models import Unit
from zhili.search import services as search
from zhili.triage.models import Proposal

pytestmark = pytest.mark.django_db

# 120 stories of seed 7 take every step the demo takes and end in every status (asserted below);
# batches of 50: three batches, the last one short, with merges into matters of earlier batches.
N, SEED, BATCH = 120, 7, 50
STEPS = {
    EventKind.CREATED,
    EventKind.TRIAGED,
    EventKind.DISPATCHED,
    EventKind.ACCEPTED,
    EventKind.RETURNED,
    EventKind.TRANSFERRED,
    EventKind.CONTACTED,
    EventKind.ESCALATED,
    EventKind.SUPERVISED,
    EventKind.SUPERVISION_REPLIED,
    EventKind.LEADER_ASSIGNED,
    EventKind.LEADER_ALERTED,
    EventKind.EXTENSION_REQUESTED,
    EventKind.EXTENSION_APPROVED,
    EventKind.ANSWERED,
    EventKind.VISITED,
    EventKind.RATED,
    EventKind.CLOSED,
    EventKind.REOPENED,
    EventKind.MERGED,
    EventKind.WAITING,
    EventKind.RESUMED,
}


class ThroughActions:
    """The reference desk: every story through actions.receive() and actions.perform(), with their
    checks of state, role and scope, as seed-demo told them before it was batched."""

    def __init__(self, world: World, size: int) -> None:
        self.pks: list[int] = []

    def receive(self, **fields: Any) -> Matter:
        with notify.batch() as notices:
            matter, created = actions.receive(**fields)
            notices.clear()  # the demo tells nobody
        assert created
        self.pks.append(matter.pk)
        return matter

    def perform(self, matter: Matter, kind: str, **step: Any) -> Matter:
        with notify.batch() as notices:
            matter = actions.perform(matter, kind, **step)
            notices.clear()
        return matter

    def escalation_target(self, matter: Matter) -> Unit | None:
        return actions.escalation_target(matter)

    def write(self) -> list[int]:
        return self.pks


@pytest.fixture(scope="module")
def organisation(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo organisation and the invented staff, once for the module: both tellings take
    their steps as the same people."""
    with django_db_blocker.unblock(), transaction.atomic():
        loader.load()
        with acting_as(None):
            World.load()
        yield
        transaction.set_rollback(True)


class Discard(Exception):
    pass


def told(desk: Any, now: datetime.datetime) -> dict[str, Any]:
    """Tell the N stories through `desk` and give back what was written; the database is left as
    it was before."""
    try:
        with transaction.atomic():
            before = {model: model.objects.count() for model in (AuditEvent, Notification, Proposal)}
            matters.tell(N, seed=SEED, now=now, source="cli", batch=BATCH, desk=desk)
            result = outcome()
            result["elsewhere"] = {m.__name__: m.objects.count() - n for m, n in before.items()}
            raise Discard
    except Discard:
        pass
    return result


def outcome() -> dict[str, Any]:
    """Every demo matter's row, events, unit links (in the order state_of() reads them), parties
    and key, by number; ids, and the time the rows were written, left out."""
    keys = dict(IntakeKey.objects.filter(key__startswith=matters.KEY_PREFIX).values_list("matter_id", "key"))
    found: dict[str, Any] = {}
    skip = {"id", "updated_at"}
    for matter in Matter.objects.filter(pk__in=keys).order_by("number"):
        events = MatterEvent.objects.filter(matter=matter).order_by("seq")
        found[matter.number] = {
            "row": {
                f.attname: getattr(matter, f.attname) for f in Matter._meta.concrete_fields if f.attname not in skip
            },
            "events": [
                (e.seq, e.kind, e.time, e.actor_id, e.actor_name, e.reason, e.data, e.source, e.address) for e in events
            ],
            "request_ids": {e.request_id for e in events},
            "links": list(MatterUnit.objects.filter(matter=matter).order_by("id").values_list("unit_id", flat=True)),
            "reach": sorted(MatterReach.objects.filter(matter=matter).values_list("unit_id", flat=True)),
            "parties": list(
                Party.objects.filter(matter=matter)
                .order_by("pk")
                .values_list("role", "name", "phone", "id_number", "head_count")
            ),
            "key": (keys[matter.pk], IntakeKey.objects.get(matter=matter).fingerprint),
            "search": list(search.stored([matter.pk]).values()),
        }
    return {"matters": found, "counter": list(MatterCounter.objects.values_list("prefix", "year", "last"))}


def test_batches_write_what_receive_and_perform_wrote_one_step_at_a_time(organisation: None) -> None:
    now = timezone.now()
    expected = told(ThroughActions, now)
    found = told(BatchDesk, now)

    assert len(expected["matters"]) == N
    rows = [what["row"] for what in expected["matters"].values()]
    kinds = {event[1] for what in expected["matters"].values() for event in what["events"]}
    assert kinds == STEPS, "pick another SEED in this test: its stories no longer take every demo step"
    assert {row["status"] for row in rows} == set(Status.values)
    assert expected["elsewhere"] == {"AuditEvent": 0, "Notification": 0, "Proposal": 0}

    assert found["counter"] == expected["counter"]
    assert found["elsewhere"] == expected["elsewhere"]
    assert found["matters"].keys() == expected["matters"].keys()
    for number, what in expected["matters"].items():
        batched = found["matters"][number]
        assert len(what["request_ids"]) == len(batched["request_ids"]) == 1  # one acting context each
        assert what["search"]  # findable
        assert what["reach"]  # seen from its units and those above them
        for part in ("row", "events", "links", "reach", "parties", "key", "search"):
            assert batched[part] == what[part], (number, part)


def test_a_merge_reaches_back_into_an_earlier_batch(organisation: None) -> None:
    """The batch desk finds a matter merged into among those written by earlier batches."""
    try:
        with transaction.atomic():
            matters.tell(N, seed=SEED, now=timezone.now(), source="cli", batch=BATCH)
            order = {
                number: index
                for index, number in enumerate(
                    Matter.objects.filter(pk__in=IntakeKey.objects.values("matter_id"))
                    .order_by("received_at", "pk")
                    .values_list("number", flat=True)
                )
            }
            merges = [
                (order[event.matter.number], order[event.data["into"]])
                for event in MatterEvent.objects.filter(kind=EventKind.MERGED).select_related("matter")
            ]
            raise Discard
    except Discard:
        pass
    assert merges and all(into < merged for merged, into in merges)
    assert any(into // BATCH < merged // BATCH for merged, into in merges)
