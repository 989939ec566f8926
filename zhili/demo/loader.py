"""Loading the demo organisation: create what is missing, through the services, in one transaction.

Units are found by code and people by username, so loading twice changes nothing the second time
(no rows, no audit events). Existing units and people are never modified. Tests and benchmarks
call `load()` directly; `zhili seed-demo` is a thin command around it.
"""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass

from django.db import transaction
from django.utils.translation import gettext as _

from zhili.accounts import services as people
from zhili.accounts.models import Membership, User
from zhili.accounts.roles import Role
from zhili.core.context import acting_as
from zhili.core.errors import DomainError
from zhili.demo import data
from zhili.org import services as org
from zhili.org.models import Unit
from zhili.taxonomy.models import UnitType

REASON = "加载演示数据（zhili seed-demo）"


@dataclass
class Report:
    units_created: int = 0
    units_present: int = 0
    people_created: int = 0
    people_present: int = 0
    roles_granted: int = 0

    @property
    def created(self) -> int:
        return self.units_created + self.people_created + self.roles_granted

    def summary(self) -> str:
        present = self.units_present + self.people_present
        return f"created {self.units_created} units, {self.people_created} people ({present} already present)"


def load(*, source: str = "cli") -> Report:
    """Create every missing demo unit, person and role; audit events carry `source`."""
    report = Report()
    with acting_as(None, source=source, reason=REASON), transaction.atomic():
        units = _load_units(report)
        _load_people(units, report)
    return report


def _load_units(report: Report) -> dict[str, Unit]:
    specs = data.units()
    units = {unit.code: unit for unit in Unit.objects.filter(code__in=[spec.code for spec in specs])}
    types = {unit_type.code: unit_type for unit_type in UnitType.objects.all()}
    missing = sorted({spec.unit_type for spec in specs} - set(types))
    if missing:
        raise DomainError(
            "demo_taxonomy_missing",
            _("缺少单位类型：%(codes)s。请先运行 zhili migrate。") % {"codes": "、".join(missing)},
        )
    for spec in specs:
        if spec.code in units:
            report.units_present += 1
            continue
        parent = units[spec.parent] if spec.parent else None
        units[spec.code] = org.create_unit(parent=parent, unit_type=types[spec.unit_type], **spec.fields())
        report.units_created += 1
    return units


def _load_people(units: dict[str, Unit], report: Report) -> None:
    usernames = [account.username for account in data.ACCOUNTS]
    existing = {user.username.lower(): user for user in User.objects.filter(username__in=usernames)}
    memberships = Membership.objects.filter(user__username__in=usernames)
    held = set(memberships.values_list("user__username", "unit__code", "role"))
    for account in data.ACCOUNTS:
        user = existing.get(account.username.lower())
        if user is None:
            user = people.create_person(
                username=account.username,
                password=data.PASSWORD,
                full_name=account.full_name,
                phone=account.phone,
                is_demo=True,
            )
            report.people_created += 1
        else:
            report.people_present += 1
        if account.unit_code is None or (user.username, account.unit_code, account.role) in held:
            continue
        people.grant_role(user, units[account.unit_code], account.role, title=account.title)
        report.roles_granted += 1


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))


def accounts_table() -> str:
    """The demo accounts as a plain-text table (for --help and the end of a run)."""
    names = {spec.code: spec.name for spec in data.units()}
    rows = [("账号", "角色", "单位", "姓名")]
    for account in data.ACCOUNTS:
        unit = f"{names[account.unit_code]}（{account.unit_code}）" if account.unit_code else "—（无任职）"
        rows.append((account.username, f"{account.role} {Role(account.role).label}", unit, account.full_name))
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = ["  ".join(_pad(cell, widths[i]) for i, cell in enumerate(row)).rstrip() for row in rows]
    lines.insert(1, "  ".join("-" * width for width in widths))
    return "\n".join([f"演示账号（密码均为 {data.PASSWORD}）：", *lines])
