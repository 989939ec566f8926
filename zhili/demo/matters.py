"""Demo matters (演示事项): a few thousand matters over the last six months, for a lived-in demo.

Each matter is registered with `actions.receive(at=…)` and moved with `actions.perform(at=…)`, so
it is a valid history (its events replay to its stored state) with deadlines from the normal
timing; nothing is written around the actions. Texts, categories, risks and signals come from the
triage training corpus (zhili/triage/data/corpus/*.jsonl, never heldout/); reporters' names and
phone numbers are invented, and the demo resident reports some matters.

- Steps are taken by the demo accounts where their roles reach (demo-clerk dispatches, demo-handler
  and demo-mediator handle, demo-leader supervises, all in 市中区), elsewhere by invented staff with
  no password (`demo-staff-<unit code>-<role>`, one clerk and one leader per county and the city).
- Nobody is told anything: each batch runs inside `notify.batch()` and the notices it collects are
  dropped, so no outbox row is written and no backend is called, whatever backend is configured.
- Deterministic (one seeded random generator per matter) and idempotent: every demo matter has an
  IntakeKey `demo:<n>`; when any exists, seeding matters does nothing.
- One transaction per BATCH matters.
"""

from __future__ import annotations

import datetime
import gc
import json
import random
import time
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.utils import timezone

from zhili.accounts import services as people
from zhili.accounts.models import User
from zhili.core.context import acting_as
from zhili.core.scope import scope_for
from zhili.demo import data
from zhili.matters import actions, timing
from zhili.matters.choices import Channel, EventKind, PartyRole
from zhili.matters.models import IntakeKey, Matter
from zhili.notify import services as notify
from zhili.org.models import Unit
from zhili.taxonomy.models import Category, CoHandlingRule

# 1,000 matters take about 22 s on SQLite (every step goes through actions.perform); more with
# --matters N. A batched replay would allow a few thousand in the same time (not built yet).
DEFAULT_COUNT = 1000
SEED = 20260501
KEY_PREFIX = "demo:"
SPAN = datetime.timedelta(days=182)
BATCH = 300
CORPUS = Path(__file__).resolve().parent.parent / "triage" / "data" / "corpus"
HOME_COUNTY = "511102"  # where the demo accounts work: a larger share of the matters
E = EventKind

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘蒋蔡余杜叶程苏魏吕丁任沈姚卢"
GIVEN = (  # noqa: SIM905 - names read better as one string
    "秀兰 建国 桂英 志明 淑芬 海燕 德华 玉珍 国强 丽娟 建华 春梅 永红 文军 晓东 婷婷 俊杰 雪梅 明亮 小红 "
    "家豪 思雨 长青 金凤 光荣 慧敏 子涵 树林 红霞 大勇 凤英 学军 宇航 静怡 世平 兰芳"
).split()
STAFF = {  # invented staff outside the demo accounts' reach: (unit code, role) -> full name
    **{(code, "clerk"): f"{short}受理员" for code, _n, short, _p, _t in data.COUNTIES if code != HOME_COUNTY},
    **{(code, "leader"): f"{short}综治中心主任" for code, _n, short, _p, _t in data.COUNTIES if code != HOME_COUNTY},
    (data.CITY_CODE, "clerk"): "市综治中心受理员",
    (data.CITY_CODE, "leader"): "市综治中心主任",
}
STAFF_CHANNELS = (Channel.WALK_IN, Channel.HOTLINE, Channel.IMPORT)
CHANNEL_WEIGHTS = {
    Channel.WALK_IN: 20,
    Channel.HOTLINE: 25,
    Channel.WEB: 14,
    Channel.MOBILE: 16,
    Channel.GRID_WORKER: 15,
    Channel.API: 4,
    Channel.OPEN311: 3,
    Channel.IMPORT: 3,
}
# Scenarios by the matter's age in days: (upper bound of age, {scenario: weight}).
SCENARIOS: tuple[tuple[float, dict[str, int]], ...] = (
    (1, {"new": 30, "dispatched": 28, "in_progress": 20, "merged": 8, "returned": 6, "waiting": 4, "supervised": 4}),
    (
        7,
        {
            "dispatched": 8,
            "in_progress": 20,
            "waiting": 8,
            "returned": 5,
            "answered": 15,
            "closed": 18,
            "merged": 5,
            "supervised": 6,
            "extension_requested": 6,
            "escalated": 5,
            "new": 4,
        },
    ),
    (
        15,
        {
            "in_progress": 10,
            "answered": 10,
            "closed": 38,
            "reopened": 12,
            "supervised": 7,
            "extension_granted": 8,
            "escalated": 5,
            "merged": 4,
            "late": 4,
            "waiting": 2,
        },
    ),
    (
        10_000,
        {
            "closed": 74,
            "closed_unreached": 4,
            "escalated": 5,
            "late": 7,
            "merged": 4,
            "answered": 1,
            "extension_granted": 3,
            "supervised": 2,
        },
    ),
)
ANSWERS = (
    "经调查核实，已协调相关方达成一致，问题已解决。",
    "已现场查看并督促整改，整改已完成，后续将加强巡查。",
    "已组织双方调解，签订调解协议，协议已履行。",
    "已依法告知办理途径和所需材料，并协助提交申请。",
    "已联系责任单位处理，处理结果已电话告知反映人。",
)
REASONS: dict[str, tuple[str, ...]] = {
    E.RETURNED: ("该事项不属于本单位职责范围，请重新分办。", "地址不在本辖区，请核实后重新分办。"),
    E.ESCALATED: ("涉及多个部门，本级难以协调化解，提请上级协调。", "当事人矛盾激化，需上级统筹处置。"),
    E.SUPERVISED: ("群众多次反映，请加快办理并按期回复。", "风险较高，请包案领导亲自过问。"),
    E.EXTENSION_REQUESTED: ("需等待相关鉴定结论，申请延期办理。", "涉及多方主体，协调时间较长，申请延期。"),
    E.MERGED: ("与在先事项反映的是同一问题，合并办理。",),
    E.REOPENED: ("反映人对答复不满意，问题尚未解决，重新办理。",),
    E.CLOSED: ("多次回访未能联系上反映人，按规定办结。",),
    E.WAITING: ("已告知反映人补充相关证明材料，等待补充。",),
    E.TRANSFERRED: ("经核实属其他单位职责，转交办理。",),
}


@dataclass
class Report:
    created: int = 0
    present: int = 0
    seconds: float = 0.0
    statuses: dict[str, int] = field(default_factory=dict)

    def summary(self) -> str:
        if self.present:
            return f"{self.present} demo matters already present, none added"
        return f"created {self.created} demo matters in {self.seconds:.1f} s"


@cache
def corpus() -> tuple[dict[str, Any], ...]:
    """The training reports (train-*.jsonl; the held-out set is never used), in a stable order."""
    rows: list[dict[str, Any]] = []
    for path in sorted(CORPUS.glob("*.jsonl")):
        with path.open(encoding="utf-8") as handle:
            rows.extend(json.loads(line) for line in handle if line.strip())
    return tuple(sorted(rows, key=lambda row: row["id"]))


def load_matters(count: int = DEFAULT_COUNT, *, seed: int = SEED, source: str = "cli") -> Report:
    """Create `count` demo matters unless demo matters exist already."""
    report = Report()
    present = IntakeKey.objects.filter(key__startswith=KEY_PREFIX).count()
    if present or count <= 0:
        report.present = present
        return report
    started = time.monotonic()
    now = timezone.now()
    # Tens of thousands of short-lived ORM objects and no cycles worth collecting: the collector
    # would only cost time (about a tenth of it).
    collecting = gc.isenabled()
    gc.disable()
    try:
        _tell_all(count, seed, now, source)
    finally:
        if collecting:
            gc.enable()
    report.created = count
    report.seconds = time.monotonic() - started
    return report


def _tell_all(count: int, seed: int, now: datetime.datetime, source: str) -> None:
    with acting_as(None, source=source):
        world = _World.load(source)
        rng = random.Random(seed)
        starts = sorted(now - SPAN * rng.random() ** 1.3 for _ in range(count))  # more of them recent
        for first in range(0, count, BATCH):
            with transaction.atomic(), notify.batch() as notices:
                for index in range(first, min(first + BATCH, count)):
                    _Story(world, random.Random(f"{seed}:{index}"), index, starts[index], now).tell()
                notices.clear()  # the demo tells nobody anything: the collected notices are dropped


class _World:
    """The units, accounts and running lists (earlier matters by category) a story draws on."""

    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}
        self.specs = {spec.code: spec for spec in data.units()}
        self.by_type: dict[tuple[str, str], list[str]] = defaultdict(list)  # (parent, type) -> codes
        self.grids: dict[str, list[str]] = defaultdict(list)  # county -> grid codes
        self.categories: dict[str, str] = {}  # category -> lead unit type
        self.kinds: dict[str, str] = {}
        self.co_types: dict[str, list[str]] = {}
        self.users: dict[str, User] = {}
        self.clerks: list[User] = []
        self.handlers: list[User] = []
        self.leaders: list[User] = []
        self.earlier: dict[str, list[str]] = defaultdict(list)  # category -> numbers, for merges

    @classmethod
    def load(cls, source: str) -> _World:
        world = cls()
        world.units = {u.code: u for u in Unit.objects.filter(code__in=world.specs).select_related("unit_type")}
        for spec in world.specs.values():
            if spec.parent:
                world.by_type[(spec.parent, spec.unit_type)].append(spec.code)
            if spec.unit_type == "grid":
                world.grids[spec.code[:6]].append(spec.code)
        for category in Category.objects.all():
            world.categories[category.code] = category.lead_id or ""
            world.kinds[category.code] = category.kind_id
        for rule in CoHandlingRule.objects.prefetch_related("unit_types"):
            world.co_types[rule.code] = [unit_type.code for unit_type in rule.unit_types.all()]
        world._load_people()
        return world

    def _load_people(self) -> None:
        usernames = [a.username for a in data.ACCOUNTS] + [_staff_username(*key) for key in STAFF]
        found = {u.username: u for u in User.objects.filter(username__in=usernames)}
        for (code, role), name in STAFF.items():
            username = _staff_username(code, role)
            if username not in found:
                user = people.create_person(username=username, full_name=name, is_demo=True)
                people.grant_role(user, self.units[code], role, title="受理员" if role == "clerk" else "负责人")
                found[username] = user
        self.users = found
        # Preference order: the demo accounts first, then the county's invented staff, the city's last.
        ordered = sorted(STAFF, key=lambda key: key[0] == data.CITY_CODE)
        self.clerks = [found["demo-clerk"]] + [found[_staff_username(c, r)] for c, r in ordered if r == "clerk"]
        self.handlers = [found["demo-mediator"], found["demo-handler"], *self.clerks]
        self.leaders = [found["demo-leader"]] + [found[_staff_username(c, r)] for c, r in ordered if r == "leader"]

    def lead_for(self, category: str, jurisdiction: str) -> str:
        return self.unit_for(self.categories.get(category, ""), jurisdiction)

    def unit_for(self, unit_type: str, jurisdiction: str) -> str:
        """The unit of this type nearest the jurisdiction: in its township, its county, the city
        (a county's police stations share its townships between them); the county itself when the
        demo tree has none."""
        township, county = jurisdiction[:9], jurisdiction[:6]
        for parent in (township, county, data.CITY_CODE):
            codes = self.by_type.get((parent, unit_type))
            if codes:
                return codes[(int(jurisdiction[6:9]) - 1) % len(codes)]
        return county

    def pick(self, candidates: list[User], permission: str, paths: list[str]) -> User:
        for user in candidates:
            scope = scope_for(user, permission)
            if any(scope.covers(path) for path in paths):
                return user
        return candidates[-1]


def _staff_username(code: str, role: str) -> str:
    return f"demo-staff-{code}-{role}"


class _Story:
    """One matter's life: registered at `start`, then one step after another, never past `now`."""

    def __init__(self, world: _World, rng: random.Random, index: int, start: datetime.datetime, now: datetime.datetime):
        self.world, self.rng, self.index, self.now = world, rng, index, now
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
            rows = tuple(r for r in rows if r["category"] == "petition_matter" or self._green_request(r))
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

    def tell(self) -> None:
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
            actor = world.pick(world.clerks, "matter.intake", [intake.path])
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
        self.matter, _created = actions.receive(
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
            self.world.earlier[category].append(self.matter.number)

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
        self.matter = actions.perform(
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
            base = matter.lead_unit or matter.intake_unit
            return world.pick(world.handlers, "matter.handle", [base.path])
        if role == "leader":
            return world.pick(world.leaders, "matter.lead", self.paths)
        return world.pick(world.clerks, "matter.dispatch", self.paths)

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
        if self._handle(category, signals) and actions.escalation_target(self.matter) is not None:  # type: ignore[arg-type]
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
            self.step(E.MERGED, "clerk", minutes=(10, 600), data={"into": self.rng.choice(earlier[-20:])})
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
        if not self._handle(category, signals) or actions.escalation_target(self.matter) is None:  # type: ignore[arg-type]
            return
        if self.step(E.ESCALATED, "handler", minutes=(600, 4320)):
            assert self.matter is not None and self.matter.lead_unit is not None
            self.paths.append(self.matter.lead_unit.path)
            if self._accept() and self.rng.random() < 0.7 and self._answer():
                self._close()
