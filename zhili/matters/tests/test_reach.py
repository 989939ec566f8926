"""MatterReach: a matter is reached from each unit it is attached to and every unit above them,
whichever step attached it, and the rows match what `reach.rebuild()` derives from the links."""

from __future__ import annotations

import pytest

from zhili import testing
from zhili.core.errors import Conflict
from zhili.matters import actions, reach
from zhili.matters.models import Matter, MatterReach
from zhili.matters.queues import within_unit
from zhili.matters.tests.conftest import Cast
from zhili.org import services as org
from zhili.org.models import Unit

pytestmark = pytest.mark.django_db


def reached(matter: Matter) -> set[Unit]:
    return {row.unit for row in MatterReach.objects.filter(matter=matter).select_related("unit")}


def test_every_unit_above_each_attached_unit_reaches_the_matter(cast: Cast) -> None:
    tree = cast.tree
    matter = cast.matter()
    assert reached(matter) == {tree.city, tree.county_a, tree.township_a1}
    matter = actions.perform(
        matter,
        "dispatched",
        actor=cast.clerk,
        data={"lead_unit": tree.judicial_office_a1.pk, "co_units": [tree.police_a.pk]},
    )
    assert reached(matter) == {tree.city, tree.county_a, tree.township_a1, tree.judicial_office_a1, tree.police_a}
    # Not the units beside them: the other county, the other township, the community below.
    assert not reached(matter) & {tree.county_b, tree.township_a2, tree.community_a1}
    expected = set(MatterReach.objects.values_list("unit_id", "matter_id"))
    assert reach.rebuild() == len(expected)
    assert set(MatterReach.objects.values_list("unit_id", "matter_id")) == expected


def test_the_unit_filter_and_the_scope_read_the_reach(cast: Cast) -> None:
    tree = cast.tree
    here = cast.matter()
    grid = cast.matter(intake_unit=tree.grid_a1)
    everything = Matter.objects.all()
    assert set(within_unit(everything, tree.community_a1.pk)) == {grid}
    assert set(within_unit(everything, tree.township_a1.pk)) == {here, grid}
    assert set(within_unit(everything, tree.county_b.pk)) == set()
    county_b_clerk = testing.person("clerk-b", role="clerk", unit_=tree.county_b)
    assert not Matter.objects.restrict(county_b_clerk).exists()
    assert set(Matter.objects.restrict(cast.leader)) == {here, grid}


def test_a_unit_whose_subtree_holds_matters_keeps_its_place(cast: Cast) -> None:
    # Why the rows never go stale: the units above a matter stay above it.
    cast.matter(intake_unit=cast.tree.grid_a1)
    with pytest.raises(Conflict):
        org.move_unit(cast.tree.community_a1, cast.tree.township_a2)
