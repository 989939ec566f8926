"""What the demo matters' stories draw on: the demo units, the people who take the steps, and the
matters told so far (for merges).

The demo accounts take steps where their roles reach (demo-clerk dispatches, demo-handler and
demo-mediator handle, demo-leader supervises, all in 市中区); elsewhere invented staff with no
password do (`demo-staff-<unit code>-<role>`, one clerk and one leader per county and the city),
created here when missing.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from zhili.accounts import services as people
from zhili.accounts.models import User
from zhili.core.scope import scope_for
from zhili.demo import data
from zhili.matters import actions
from zhili.org.models import Unit
from zhili.taxonomy.models import Category, CoHandlingRule

HOME_COUNTY = "511102"  # where the demo accounts work: a larger share of the matters
STAFF = {  # invented staff outside the demo accounts' reach: (unit code, role) -> full name
    **{(code, "clerk"): f"{short}受理员" for code, _n, short, _p, _t in data.COUNTIES if code != HOME_COUNTY},
    **{(code, "leader"): f"{short}综治中心主任" for code, _n, short, _p, _t in data.COUNTIES if code != HOME_COUNTY},
    (data.CITY_CODE, "clerk"): "市综治中心受理员",
    (data.CITY_CODE, "leader"): "市综治中心主任",
}


def staff_username(code: str, role: str) -> str:
    return f"demo-staff-{code}-{role}"


class World:
    """The units, accounts and running lists (earlier matters by category) a story draws on."""

    def __init__(self) -> None:
        self.units: dict[str, Unit] = {}  # by code
        self.by_pk: dict[int, Unit] = {}
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
        # category -> (number, jurisdiction path) of earlier matters, for merges
        self.earlier: dict[str, list[tuple[str, str]]] = defaultdict(list)
        self.picked: dict[tuple[str, str, tuple[str, ...]], User] = {}
        self.extendable_reports: tuple[dict[str, Any], ...] = ()  # filled by the stories on first use
        # Filled by the batch desk as it meets each unit: the level above it, its leaders.
        self.escalation_targets: dict[int, Unit | None] = {}
        self.leaders_at: dict[int, list[int]] = {}

    @classmethod
    def load(cls) -> World:
        world = cls()
        world.units = {u.code: u for u in Unit.objects.filter(code__in=world.specs).select_related("unit_type")}
        # Where web, mobile and API reports land (receive's default): not necessarily a demo unit.
        default = actions.default_intake_unit()
        world.by_pk = {default.pk: default} | {u.pk: u for u in world.units.values()}
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
        usernames = [a.username for a in data.ACCOUNTS] + [staff_username(*key) for key in STAFF]
        found = {u.username: u for u in User.objects.filter(username__in=usernames)}
        for (code, role), name in STAFF.items():
            username = staff_username(code, role)
            if username not in found:
                user = people.create_person(username=username, full_name=name, is_demo=True)
                people.grant_role(user, self.units[code], role, title="受理员" if role == "clerk" else "负责人")
                found[username] = user
        self.users = found
        # Preference order: the demo accounts first, then the county's invented staff, the city's last.
        ordered = sorted(STAFF, key=lambda key: key[0] == data.CITY_CODE)
        self.clerks = [found["demo-clerk"]] + [found[staff_username(c, r)] for c, r in ordered if r == "clerk"]
        self.handlers = [found["demo-mediator"], found["demo-handler"], *self.clerks]
        self.leaders = [found["demo-leader"]] + [found[staff_username(c, r)] for c, r in ordered if r == "leader"]

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

    def pick_covering(self, role: str, permissions: list[str], paths: list[str]) -> User:
        """The first of the role's candidates whose permissions reach every one of the paths."""
        key = (role, ",".join(permissions), tuple(paths))
        if key not in self.picked:
            candidates = {"clerk": self.clerks, "handler": self.handlers, "leader": self.leaders}[role]
            self.picked[key] = next(
                (
                    user
                    for user in candidates
                    if all(scope_for(user, p).covers(path) for p in permissions for path in paths)
                ),
                candidates[-1],
            )
        return self.picked[key]

    def pick(self, role: str, permission: str, paths: list[str]) -> User:
        """The first of the role's candidates whose permission reaches one of the paths."""
        key = (role, permission, tuple(paths))
        if key not in self.picked:
            candidates = {"clerk": self.clerks, "handler": self.handlers, "leader": self.leaders}[role]
            self.picked[key] = next(
                (user for user in candidates if any(scope_for(user, permission).covers(path) for path in paths)),
                candidates[-1],
            )
        return self.picked[key]
