from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest

from zhili import testing
from zhili.matters import actions
from zhili.matters.models import Matter


@dataclass
class Desk:
    """A township clerk's matters, and a clerk of the other county."""

    tree: testing.Tree
    clerk: Any
    stranger: Any
    matters: dict[str, Matter] = field(default_factory=dict)

    def receive(self, key: str, description: str, **fields: Any) -> Matter:
        fields.setdefault("category", "neighbor")
        matter, _created = actions.receive(
            actor=self.clerk,
            channel="walk_in",
            description=description,
            intake_unit=self.tree.township_a1,
            **fields,
        )
        self.matters[key] = matter
        return matter


@pytest.fixture
def desk(tree: testing.Tree) -> Desk:
    desk = Desk(
        tree,
        clerk=testing.person("clerk-a1", role="clerk", unit_=tree.township_a1),
        stranger=testing.person("clerk-b", role="clerk", unit_=tree.county_b),
    )
    desk.receive(
        "wages",
        "工地拖欠农民工工资三个月，共十二人，包工头联系不上。",
        category="labor_wage",
        parties=[{"name": "张三", "phone": "138 0013 8000"}, {"name": "某建筑公司"}],
    )
    desk.receive("noise", "楼上邻居装修噪音扰民，A栋302室。", reporter_name="李四", reporter_phone="13912345678")
    desk.receive(
        "lamp",
        "小区路灯坏了一个多星期。",
        category="public_facility",
        reporter_name="王五",
        reporter_phone="13700000000",
        anonymous=True,
        address="甲县幸福路8号",
    )
    desk.receive("short", "拖欠工资", category="labor_wage", title="工资 <b>拖欠</b>")
    return desk
