from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest

from zhili import testing
from zhili.matters import actions
from zhili.matters.models import Matter


@dataclass
class Cast:
    """People around one township's matters."""

    tree: testing.Tree
    clerk: Any  # dispatcher at township A1's centre
    handler: Any  # judicial office of township A1
    other_handler: Any  # police of county A (not the lead unit)
    leader: Any  # centre leader of county A
    resident: Any

    def matter(self, **overrides: Any) -> Matter:
        fields: dict[str, Any] = {
            "actor": self.clerk,
            "channel": "walk_in",
            "description": "楼上邻居装修每天早上七点就开始电钻，老人睡不好觉",
            "category": "neighbor",
            "intake_unit": self.tree.township_a1,
        }
        fields.update(overrides)
        matter, _created = actions.receive(**fields)
        return matter


@pytest.fixture
def cast(tree: testing.Tree) -> Cast:
    return Cast(
        tree=tree,
        clerk=testing.person("clerk-a1", role="clerk", unit_=tree.township_a1),
        handler=testing.person("mediator-a1", role="mediator", unit_=tree.judicial_office_a1),
        other_handler=testing.person("police-a", role="handler", unit_=tree.police_a),
        leader=testing.person("leader-a", role="leader", unit_=tree.county_a),
        resident=testing.person("resident"),
    )
