"""One demo matter's life (演示事项): what it is about, who reports it, and the steps it takes.

A story draws a report from the triage training corpus (zhili/triage/data/corpus/*.jsonl, never
heldout/), an invented reporter, a channel, and a scenario by the matter's age (new, dispatched,
in progress, returned, waiting, answered, closed, reopened, merged, supervised, extended,
escalated, late …), then takes the scenario's steps one after another, each a little after the
previous one and never past `now`. It registers and moves its matter through a `Desk`: the
batched one of seeding (zhili/demo/batch.py), or, in the tests, actions.receive() and
actions.perform() themselves.
"""

from __future__ import annotations

import datetime
import json
import random
from collections.abc import Callable
from functools import cache
from pathlib import Path
from typing import Any, Protocol

from django.conf import settings

from zhili.accounts.models import User
from zhili.demo import data
from zhili.demo.script import ANSWERS, CHANNEL_WEIGHTS, GIVEN, REASONS, SCENARIOS, STAFF_CHANNELS, SURNAMES
from zhili.demo.world import HOME_COUNTY, World
from zhili.matters import timing
from zhili.matters.choices import Channel, EventKind, PartyRole
from zhili.matters.models import Matter
from zhili.org.models import Unit

KEY_PREFIX = "demo:"
CORPUS = Path(__file__).resolve().parent.parent / "triage" / "data" / "corpus"
E = EventKind


class Desk(Protocol):
    """Where a story registers its matter and takes its steps, with receive()'s and perform()'s
    arguments and outcome."""

    def receive(
        self,
        *,
        actor: Any,
        channel: str,
        description: str,
        kind: str,
        category: str,
        risk: str,
        address: str,
        lon: float | None,
        lat: float | None,
        intake_unit: Unit | None,
        jurisdiction: Unit | None,
        parties: Any,
        reporter: User | None,
        reporter_name: str,
        reporter_phone: str,
        anonymous: bool,
        idempotency_key: str,
        at: datetime.datetime,
    ) -> Matter: ...

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
    ) -> Matter: ...

    def escalation_target(self, matter: Matter) -> Unit | None: ...


@cache
def corpus() -> tuple[dict[str, Any], ...]:
    """The training reports (train-*.jsonl; the held-out set is never used), in a stable order."""
    rows: list[dict[str, Any]] = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return tuple(sorted(rows, key=lambda row: row["id"]))


class Story:
    """One matter's life: registered at `start`, then one step after another, never past `now`."""

    def __init__(
        self,
        world: World,
        desk: Desk,
        rng: random.Random,
        index: int,
        start: datetime.datetime,
        now: datetime.datetime,
    ) -> None:
        self.world, self.desk, self.rng, self.index, self.now = world, desk, rng, index, now
        self.clock = start
        age = (now - start).total_seconds() / 86400
        weights = next(w for bound, w in SCENARIOS if age < bound)
        self.scenario = rng.choices(list(weights), weights=list(weights.values()))[0]
        self.matter: Matter | None = None
        self.stopped = False
        # Late steps squeezed into the time left: a young matter moves in minutes, an old one in days.
        self.pace = min(1.0, age / 20)

    # --- choosing what the matter is about ----------------------------------------------------

    def _report(self) -> dict[str, Any]:
        rows = corpus()
        if self.scenario.startswith("extension"):  # extendable: petitions and green requests
            if not self.world.extendable_reports:
                self.world.extendable_reports = tuple(
                    r for r in rows if r["category"] == "petition_matter" or self._green_request(r)
                )
            rows = self.world.extendable_reports
        return self.rng.choice(rows)

    def _green_request(self, row: dict[str, Any]) -> bool:
        return self.world.kinds.get(row["category"]) == "request" and row["risk"] == "green"

    def _county(self, address: str) -> str:
        for code, name, short, _place, _townships in data.COUNTIES:
            if address and (name in address or short in address):
                return code
        if self.rng.random() < 0.4:
            return HOME_COUNTY
        return self.rng.choice(data.COUNTIES)[0]

    def _person(self) -> tuple[str, str]:
        name = self.rng.choice(SURNAMES) + self.rng.choice(GIVEN)
        phone = f"1{self.rng.choice('3589')}{self.rng.randint(0, 9)}0000{self.rng.randint(0, 9999):04d}"
        return name, phone

    # --- the story -------------------------------------------------------------------------------

    def tell(self) -> Matter:
        world, rng = self.world, self.rng
        report = self._report()
        category, risk = report["category"], report["risk"]
        county = self._county(report.get("address") or "")
        # demo-grid's grid is busier than most
        busy = county == HOME_COUNTY and rng.random() < 0.3
        grid = "511102001001001" if busy else rng.choice(world.grids[county])
        self.jurisdiction = world.units[grid[:12]] if rng.random() < 0.5 else world.units[grid]
        channel = rng.choices(list(CHANNEL_WEIGHTS), weights=list(CHANNEL_WEIGHTS.values()))[0]
        name, phone = self._person()
        reporter = None
        if channel in (Channel.WEB, Channel.MOBILE) and rng.random() < 0.15:
            reporter = world.users["demo-resident"]
        actor: Any = reporter
        intake = None
        if channel in STAFF_CHANNELS:
            intake = world.units[county if rng.random() < 0.7 else grid[:9]]
            actor = world.pick("clerk", "matter.intake", [intake.path])
        elif channel == Channel.GRID_WORKER:
            intake = world.units[grid]
            actor = world.users["demo-grid"] if grid == "511102001001001" else None
        # Residents do not know the categories: the clerk triages what came in online.
        staff_knows = channel in STAFF_CHANNELS or channel == Channel.GRID_WORKER
        box = world.specs[grid].boundary
        lon, lat = data.centre(box) if box else (None, None)
        spec = world.specs[self.jurisdiction.code]
        parties = [{"name": name, "phone": phone, "role": PartyRole.APPLICANT}]
        if world.kinds[category] == "dispute" and rng.random() < 0.6:
            parties.append({"name": self._person()[0], "role": PartyRole.RESPONDENT})
        self.matter = self.desk.receive(
            actor=actor,
            channel=channel,
            description=report["text"],
            kind=world.kinds[category],
            category=category if staff_knows else "",
            risk=risk if staff_knows else "green",
            address=f"{spec.address or ''}{data.ROADS[self.index % len(data.ROADS)]}{self.index % 97 + 1}号"
            if spec.unit_type != "grid"
            else "",
            lon=lon,
            lat=lat,
            intake_unit=intake,
            jurisdiction=self.jurisdiction,
            parties=parties if reporter is None else (),
            reporter=reporter,
            reporter_name="" if reporter else name,
            reporter_phone="" if reporter else phone,
            anonymous=reporter is None and channel == Channel.WEB and rng.random() < 0.1,
            idempotency_key=f"{KEY_PREFIX}{self.index:06d}",
            at=self.clock,
        )
        self.paths = [self.jurisdiction.path]
        if not staff_knows:
            self.step(E.TRIAGED, "clerk", minutes=(5, 120), data={"category": category, "risk": risk})
        getattr(self, f"_{self.scenario}")(category, report.get("signals") or [])
        if self.matter.status != "merged":
            self.world.earlier[category].append((self.matter.number, self.jurisdiction.path))
        return self.matter

    def step(
        self,
        kind: str,
        role: str,
        *,
        minutes: tuple[float, float],
        data: dict[str, Any] | None = None,
        reason: str = "",
        when: Callable[[Matter], datetime.datetime | None] | None = None,
    ) -> bool:
        """Take one step a little after the previous one; False (and no step) when it would be in
        the future or the story has stopped."""
        if self.stopped or self.matter is None:
            return False
        low, high = minutes
        at = self.clock + datetime.timedelta(minutes=self.rng.uniform(low, high) * self.pace + 1)
        if when is not None:
            at = max(when(self.matter) or self.now, at)
        if at >= self.now - datetime.timedelta(minutes=1):
            self.stopped = True
            return False
        if not reason and kind in REASONS:
            reason = self.rng.choice(REASONS[kind])
        system = role == "system"
        actor = None if system else self._actor(role)
        self.matter = self.desk.perform(
            self.matter, kind, actor=actor, reason=reason, data=data or {}, system=system, at=at
        )
        self.clock = at
        return True

    def _actor(self, role: str) -> User:
        world, matter = self.world, self.matter
        assert matter is not None
        if role == "reporter" and matter.reporter_id is not None:
            return world.users["demo-resident"]
        if role == "handler":
            # Until it is dispatched, a matter sits with the unit that received it.
            base = world.by_pk[matter.lead_unit_id or matter.intake_unit_id]
            return world.pick("handler", "matter.handle", [base.path])
        if role == "leader":
            return world.pick("leader", "matter.lead", self.paths)
        if role == "merging clerk":
            return world.pick_covering("clerk", ["matter.dispatch", "matter.view"], self.paths)
        return world.pick("clerk", "matter.dispatch", self.paths)

    def _can_escalate(self) -> bool:
        return self.matter is not None and self.desk.escalation_target(self.matter) is not None

    # --- pieces of the scenarios --------------------------------------------------------------

    def _dispatch(self, category: str, signals: list[str], *, wrong_first: bool = False) -> bool:
        world = self.world
        lead = world.units[world.lead_for(category, self.jurisdiction.code)]
        co = set()
        for signal in signals:
            for unit_type in world.co_types.get(signal, []):
                co.add(world.units[world.unit_for(unit_type, self.jurisdiction.code)].pk)
        co.discard(lead.pk)
        target = lead
        if wrong_first:  # dispatched to the county's court first, then transferred to the right unit
            target = world.units.get(f"{self.jurisdiction.code[:6]}-court", lead)
        if not self.step(
            E.DISPATCHED, "clerk", minutes=(10, 360), data={"lead_unit": target.pk, "co_units": sorted(co)}
        ):
            return False
        self.paths.append(target.path)
        if target != lead:
            self._accept()
            if self.step(E.TRANSFERRED, "clerk", minutes=(60, 1440), data={"lead_unit": lead.pk}):
                self.paths.append(lead.path)
        if self.matter is not None and self.matter.risk_id == "red" and self.rng.random() < 0.5:
            leader = self._actor("leader")
            self.step(E.LEADER_ASSIGNED, "leader", minutes=(30, 240), data={"leader": leader.pk})
        return not self.stopped

    def _accept(self) -> bool:
        return self.step(E.ACCEPTED, "handler", minutes=(10, 1440))

    def _handle(self, category: str, signals: list[str], **options: Any) -> bool:
        ok = self._dispatch(category, signals, **options) and self._accept()
        if ok and self.rng.random() < 0.3:
            reason = self.rng.choice(("已电话联系反映人，了解详细情况。", "已约见双方当事人，初步了解诉求。"))
            self.step(E.CONTACTED, "handler", minutes=(60, 2880), reason=reason)
        return not self.stopped

    def _answer(self) -> bool:
        return self.step(E.ANSWERED, "handler", minutes=(1440, 8640), reason=self.rng.choice(ANSWERS))

    def _close(self) -> bool:
        # A follow-up call comes first now and then; mostly the resident rates the answer directly.
        if self.rng.random() < 0.25 and not self.step(E.VISITED, "clerk", minutes=(600, 4320), data={"reached": True}):
            return False
        score = self.rng.choices([5, 4, 3, 2, 1], weights=[50, 28, 12, 6, 4])[0]
        rater = "reporter" if self.matter is not None and self.matter.reporter_id else "clerk"
        return self.step(E.RATED, rater, minutes=(5, 600), data={"score": score})

    def _extension(self) -> bool:
        matter = self.matter
        assert matter is not None
        _stage, rule = timing.stage_rule(matter)
        if rule is None or rule.extendable_by <= matter.extension_granted:
            return False
        amount = min(rule.extendable_by - matter.extension_granted, self.rng.choice((3, 5, 8, 15, 30)))
        return self.step(E.EXTENSION_REQUESTED, "handler", minutes=(1440, 4320), data={"amount": amount})

    # --- the scenarios ----------------------------------------------------------------------------

    def _new(self, category: str, signals: list[str]) -> None:
        pass

    def _dispatched(self, category: str, signals: list[str]) -> None:
        self._dispatch(category, signals)

    def _in_progress(self, category: str, signals: list[str]) -> None:
        self._handle(category, signals)

    def _late(self, category: str, signals: list[str]) -> None:
        """Accepted and left: past its deadline the platform escalates it, as the sweep does."""
        if self._handle(category, signals) and self._can_escalate():
            self.step(
                E.ESCALATED,
                "system",
                minutes=(0, 0),
                reason="超过办理时限未办结，自动上报上一级",
                data={},
                when=lambda m: m.due_at + datetime.timedelta(minutes=self.rng.uniform(1, 5)) if m.due_at else None,
            )

    def _returned(self, category: str, signals: list[str]) -> None:
        if self._dispatch(category, signals) and self.rng.random() < 0.5:
            self._accept()
        self.step(E.RETURNED, "handler", minutes=(30, 1440))

    def _waiting(self, category: str, signals: list[str]) -> None:
        if self._handle(category, signals):
            self.step(E.WAITING, "handler", minutes=(60, 2880))

    def _answered(self, category: str, signals: list[str]) -> None:
        if self._handle(category, signals):
            self._answer()

    def _closed(self, category: str, signals: list[str]) -> None:
        wrong_first = self.rng.random() < 0.06
        if self._handle(category, signals, wrong_first=wrong_first):
            if self.rng.random() < 0.08:
                self.step(E.WAITING, "handler", minutes=(60, 1440))
                self.step(E.RESUMED, "handler", minutes=(600, 4320), reason="反映人已补充材料。")
            if self._answer():
                self._close()

    def _closed_unreached(self, category: str, signals: list[str]) -> None:
        if self._handle(category, signals) and self._answer():
            for _attempt in range(2):
                self.step(E.VISITED, "clerk", minutes=(600, 2880), data={"reached": False})
            self.step(E.CLOSED, "clerk", minutes=(60, 600))

    def _reopened(self, category: str, signals: list[str]) -> None:
        self._closed(category, signals)
        matter = self.matter
        window = datetime.timedelta(days=settings.MATTER_REOPEN_DAYS)
        if matter is None or matter.closed_at is None or self.now - matter.closed_at > window * 0.9:
            return
        rater = "reporter" if matter.reporter_id else "clerk"
        if self.step(E.REOPENED, rater, minutes=(60, 2880)) and self.rng.random() < 0.5:
            self._answer()

    def _merged(self, category: str, signals: list[str]) -> None:
        earlier = self.world.earlier.get(category)
        if earlier:
            number, path = self.rng.choice(earlier[-20:])
            # The clerk who merges must see the earlier matter too (actions._check_step): one whose
            # scope holds both places, at worst the city's.
            self.paths, before = [self.jurisdiction.path, path], self.paths
            self.step(E.MERGED, "merging clerk", minutes=(10, 600), data={"into": number})
            self.paths = before
        else:
            self._dispatch(category, signals)

    def _supervised(self, category: str, signals: list[str]) -> None:
        if self._handle(category, signals):
            due = (self.clock + datetime.timedelta(days=5)).date().isoformat()
            if self.step(E.SUPERVISED, "leader", minutes=(600, 4320), data={"due": due}) and self.rng.random() < 0.4:
                self.step(E.SUPERVISION_REPLIED, "handler", minutes=(120, 1440), reason="已按督办要求加快办理。")

    def _extension_requested(self, category: str, signals: list[str]) -> None:
        if self._handle(category, signals):
            self._extension()

    def _extension_granted(self, category: str, signals: list[str]) -> None:
        if self._handle(category, signals) and self._extension():
            self.step(E.EXTENSION_APPROVED, "leader", minutes=(60, 1440))
            if self.rng.random() < 0.6 and self._answer():
                self._close()

    def _escalated(self, category: str, signals: list[str]) -> None:
        if not self._handle(category, signals) or not self._can_escalate():
            return
        if self.step(E.ESCALATED, "handler", minutes=(600, 4320)):
            assert self.matter is not None and self.matter.lead_unit_id is not None
            self.paths.append(self.world.by_pk[self.matter.lead_unit_id].path)
            if self._accept() and self.rng.random() < 0.7 and self._answer():
                self._close()
