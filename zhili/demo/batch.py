"""The demo's desk: a batch of new matters received and moved in memory, then written in bulk.

Each step goes through what actions.receive() and actions.perform() run for it — actions._classify
and _clean_parties, lifecycle.advance, actions.store_step, timing.refresh (on one snapshot
of the rules and the calendar), actions._new_event, and actions._check_step for the data of the
steps that need nothing from the database — on an unsaved Matter. The steps whose data perform()
looks up (lead and co-handling units, the level above, the matter merged into, the leader) take it
from the units and matters the batch holds, in the form _check_step gives it. A red matter alerts
the leaders as receive() and perform() do (actions._alert_leaders: its `leader_alerted` event).

write() stores the batch, in the caller's transaction, with one statement per table (zhili/core/
bulk.py): the matters, numbered from one block of the counter (numbering.reserve_numbers, in the
order they were received, as receive() numbers them), their events, unit links, parties and
Idempotency-Keys. zhili/demo/tests/test_demo_batches.py tells the same stories through receive()
and perform() and compares every row.

What it leaves out, and why that changes nothing for the demo:
- the role checks (policy.may) and the intake scope: the stories pick people whose roles reach
  (the tests' replay through perform() checks them);
- notices: the demo tells nobody anything;
- MatterEvent's post_save signal, by which triage records a clerk's decision on the matter's
  proposal: a matter just written has none (the worker proposes later).
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass, field
from typing import Any

from django.utils.translation import gettext as _

from zhili.accounts.models import User
from zhili.core import bulk, pii
from zhili.core.errors import DomainError
from zhili.deadlines import cache
from zhili.demo.world import World
from zhili.matters import actions, lifecycle, reach, timing
from zhili.matters.choices import EventKind as E
from zhili.matters.models import IntakeKey, Matter, MatterEvent, MatterReach, MatterUnit, Party
from zhili.matters.numbering import reserve_numbers
from zhili.org.models import Unit

# Steps whose data perform() reads from the database (actions._check_step); the others' data
# comes from _check_step itself.
LOOKED_UP = frozenset({E.DISPATCHED, E.TRANSFERRED, E.ESCALATED, E.MERGED, E.LEADER_ASSIGNED})
NOT_TAKEN = frozenset({E.CO_HANDLING_ADDED, E.NOTE})  # no demo story takes them


@dataclass
class _Draft:
    """One matter of the batch: its row (unsaved), its state, and what goes with it."""

    matter: Matter
    state: lifecycle.MatterState
    key: str
    parties: list[Party]
    events: list[MatterEvent] = field(default_factory=list)
    links: list[int] = field(default_factory=list)  # unit ids, in the order they were attached


class BatchDesk:
    """Receives `size` new matters and their steps in memory; write() stores them. Call it inside
    a transaction: it reserves the batch's numbers from the counter when it starts."""

    def __init__(self, world: World, size: int) -> None:
        self.world = world
        self.numbers = reserve_numbers(size)
        self.deadlines = cache.current()  # one snapshot of the rules and the calendar, as the sweep
        self.drafts: dict[int, _Draft] = {}  # by id(matter)
        self.merge_targets: set[str] = set()  # numbers of the batch's matters, not merged
        self.default_intake: Unit | None = None

    # --- receive ----------------------------------------------------------------------------------

    def receive(
        self,
        *,
        actor: Any,
        channel: str,
        description: str,
        kind: str = "",
        category: str = "",
        risk: str = "green",
        address: str = "",
        lon: float | None = None,
        lat: float | None = None,
        intake_unit: Unit | None = None,
        jurisdiction: Unit | None,
        parties: Any = (),
        reporter: User | None = None,
        reporter_name: str = "",
        reporter_phone: str = "",
        anonymous: bool = False,
        idempotency_key: str,
        at: datetime.datetime,
    ) -> Matter:
        """actions.receive() for a matter of the batch (with its jurisdiction given: nothing to locate)."""
        description = description.strip()
        kind, category, risk = actions._classify(kind, category, risk)
        cleaned_parties = actions._clean_parties(parties)
        reporter_phone = reporter_phone.replace(" ", "").replace("-", "")
        if reporter_phone and not pii.PHONE.match(reporter_phone):
            raise DomainError("phone_invalid", _("手机号码格式不正确。"), field="reporter_phone")
        if intake_unit is None:
            if self.default_intake is None:
                self.default_intake = actions.default_intake_unit()
            intake_unit = self.default_intake
        assert jurisdiction is not None, "demo matters name their jurisdiction"
        actor_id = getattr(actor, "pk", None)
        data = {
            "kind": kind,
            "category": category,
            "risk": risk,
            "intake_unit": intake_unit.pk,
            "jurisdiction": jurisdiction.pk,
            "channel": channel,
        }
        state = lifecycle.advance(lifecycle.MatterState(), E.CREATED, data, at, actor_id)
        matter = Matter(
            channel=channel,
            title=description[:40].strip()[:200],
            description=description,
            address=address.strip()[:300],
            lon=lon,
            lat=lat,
            reporter=reporter,
            reporter_name=reporter_name.strip()[:60],
            reporter_phone=reporter_phone,
            anonymous=anonymous,
            received_by=actor if actor_id and actor != reporter else None,
            received_at=at,
        )
        # store() copies the whole state (dataclasses.asdict, a tenth of the seeding's time); a new
        # row holds the empty state, so store_step() writes the same fields.
        actions.store_step(matter, lifecycle.MatterState(), state)
        timing.refresh(matter, at, self.deadlines)
        draft = _Draft(matter, state, idempotency_key, cleaned_parties, links=list(state.shared_units))
        draft.events.append(actions._new_event(matter, E.CREATED, actor, at, "", data))
        matter.number = self.numbers[len(self.drafts)]
        self.drafts[id(matter)] = draft
        self.merge_targets.add(matter.number)
        if matter.risk_id == "red":
            self._alert_leaders(draft, at)
        return matter

    # --- perform ----------------------------------------------------------------------------------

    def perform(
        self,
        matter: Matter,
        kind: str,
        *,
        actor: User | None,
        reason: str,
        data: dict[str, Any],
        system: bool,
        at: datetime.datetime,
    ) -> Matter:
        """actions.perform() for a matter of the batch."""
        draft = self.drafts[id(matter)]
        reason = reason.strip()
        if kind in actions.REASON_REQUIRED and len(reason) < 2:
            raise DomainError("reason_required", _("请填写原因或答复内容。"), field="reason")
        if kind in NOT_TAKEN:
            raise ValueError(f"the demo desk takes no {kind} steps")
        before = draft.state
        if kind in LOOKED_UP:
            event_data = self._looked_up(matter, kind, actor, data)
        else:
            event_data = actions._check_step(matter, kind, actor, dict(data))
        after = lifecycle.advance(before, kind, event_data, at, getattr(actor, "pk", None))
        actions.store_step(matter, before, after)
        timing.refresh(matter, at, self.deadlines)
        draft.state = after
        draft.events.append(actions._new_event(matter, kind, actor, at, reason, event_data))
        if after.risk == "red" and before.risk != "red":
            self._alert_leaders(draft, at)
        draft.links.extend(unit for unit in after.shared_units if unit not in before.shared_units)
        if after.status == "merged":
            self.merge_targets.discard(matter.number)
        return matter

    def _looked_up(self, matter: Matter, kind: str, actor: User | None, data: dict[str, Any]) -> dict[str, Any]:
        """What actions._check_step() returns for a step whose data it finds in the database."""
        units = self.world.by_pk
        if kind == E.DISPATCHED:
            lead, co = units[data["lead_unit"]], [units[pk] for pk in set(data.get("co_units", []))]
            # Unit's manager orders by path, and _check_step lists the co-handling units in that order.
            return {"lead_unit": lead.pk, "co_units": [unit.pk for unit in sorted(co, key=lambda u: u.path)]}
        if kind == E.TRANSFERRED:
            lead = units[data["lead_unit"]]
            if lead.pk == matter.lead_unit_id:
                raise DomainError("transfer_same_unit", _("请选择另一个单位。"), field="lead_unit")
            return {"lead_unit": lead.pk}
        if kind == E.ESCALATED:
            target = self.escalation_target(matter)
            if target is None:
                raise DomainError("escalation_top", _("已是最高层级，无法继续上报。"))
            return {"unit": target.pk, "from": matter.lead_unit_id or matter.intake_unit_id}
        if kind == E.MERGED:
            into = str(data.get("into") or "")
            if into == matter.number or not self._mergeable(into):
                raise DomainError("merge_target_invalid", _("请填写有效的在先事项编号。"), field="into")
            return {"into": into}
        # E.LEADER_ASSIGNED: the stories name a leader of theirs
        return {"leader": data.get("leader") or getattr(actor, "pk", None)}

    def _mergeable(self, number: str) -> bool:
        if number in self.merge_targets:
            return True
        return Matter.objects.filter(number=number).exclude(status="merged").exists()

    def escalation_target(self, matter: Matter) -> Unit | None:
        """actions.escalation_target(), once per unit a matter sits at."""
        base = matter.lead_unit_id or matter.intake_unit_id
        targets = self.world.escalation_targets
        if base not in targets:
            targets[base] = actions.escalation_target(Matter(intake_unit=self.world.by_pk[base]))
        return targets[base]

    def _alert_leaders(self, draft: _Draft, at: datetime.datetime) -> None:
        """actions._alert_leaders(): the `leader_alerted` event (nobody is told)."""
        matter = draft.matter
        target = self.escalation_target(matter)
        unit = target.pk if target is not None else matter.lead_unit_id or matter.intake_unit_id
        leaders = self.world.leaders_at.get(unit)
        if leaders is None:
            found = User.objects.filter(memberships__unit=unit, memberships__role="leader", is_active=True).distinct()
            leaders = self.world.leaders_at[unit] = [user.pk for user in found]
        data = {"unit": unit, "leaders": leaders}
        draft.events.append(actions._new_event(matter, E.LEADER_ALERTED, None, at, "", data))

    # --- writing ----------------------------------------------------------------------------------

    def write(self) -> list[int]:
        """Insert the batch (inside the caller's transaction); returns the new matters' ids."""
        drafts = list(self.drafts.values())
        assert len(drafts) == len(self.numbers), "a batch receives as many matters as it reserved numbers"
        matters = [draft.matter for draft in drafts]
        bulk.insert_rows(Matter, matters, returning_ids=True)
        events: list[MatterEvent] = []
        links: list[MatterUnit] = []
        parties: list[Party] = []
        keys: list[IntakeKey] = []
        for draft in drafts:
            pk = draft.matter.pk
            for event in draft.events:
                event.matter_id = pk
            events.extend(draft.events)
            links.extend(MatterUnit(matter_id=pk, unit_id=unit) for unit in draft.links)
            for party in draft.parties:
                party.matter_id = pk
            parties.extend(draft.parties)
            keys.append(IntakeKey(key=draft.key, fingerprint="", matter_id=pk))
        bulk.insert_rows(MatterEvent, events)
        bulk.insert_rows(MatterUnit, links)  # in id order per matter: state_of() reads them so
        up = reach.reaching({link.unit_id for link in links})
        reached = sorted({(unit, link.matter_id) for link in links for unit in up[link.unit_id]})
        bulk.insert_rows(MatterReach, [MatterReach(unit_id=unit, matter_id=matter) for unit, matter in reached])
        bulk.insert_rows(Party, parties)
        bulk.insert_rows(IntakeKey, keys)
        return [matter.pk for matter in matters]
