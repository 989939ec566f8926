"""Matter.scope_filter: what each viewer reaches, in the shapes the filter takes — the whole tree,
a subtree, and a staff member's own reports outside their scope."""

from __future__ import annotations

import pytest
from django.utils import timezone

from zhili import testing
from zhili.accounts import services as people
from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.matters.queues import queue_conditions
from zhili.matters.tests.conftest import Cast

pytestmark = pytest.mark.django_db


def test_the_leader_of_the_whole_tree_reaches_every_matter_and_no_other_trees(cast: Cast) -> None:
    city_leader = testing.person("city-leader-scope", role="leader", unit_=cast.tree.city)
    mine = cast.matter()
    other_city = testing.unit(None, "city", "另一市")
    other_clerk = testing.person("other-city-clerk", role="clerk", unit_=other_city)
    elsewhere = cast.matter(actor=other_clerk, intake_unit=other_city)
    assert set(Matter.objects.restrict(city_leader)) == {mine}
    assert set(Matter.objects.restrict(other_clerk)) == {elsewhere}
    # With the other tree gone, the city is the whole tree again (the cached roots follow).
    Matter.objects.filter(pk=elsewhere.pk).delete()
    other_clerk.memberships.all().delete()
    other_city.delete()
    assert Matter.objects.restrict(city_leader).query.where.children == []  # no subquery at all


def test_staff_see_what_they_reported_themselves_outside_their_scope(cast: Cast) -> None:
    handler = testing.person("handler-who-reports", role="handler", unit_=cast.tree.county_b)
    assert not Matter.objects.restrict(handler).exists()
    reported, _created = actions.receive(
        actor=handler, reporter=handler, channel="web", description="小区门口的路灯坏了", category="public_facility"
    )
    handler = type(handler).objects.get(pk=handler.pk)  # a new request: scopes are cached per user object
    assert list(Matter.objects.restrict(handler)) == [reported]


def test_the_dispatch_queue_holds_only_what_the_viewer_may_dispatch(cast: Cast) -> None:
    # Clerk of township A1 who also handles for the whole county: sees the county, dispatches A1.
    both = testing.person("clerk-and-handler", role="clerk", unit_=cast.tree.township_a1)
    people.grant_role(both, cast.tree.county_a, "handler")
    here = cast.matter()
    next_door = cast.matter(
        intake_unit=cast.tree.township_a2, actor=testing.person("clerk-a2", role="clerk", unit_=cast.tree.township_a2)
    )
    both = type(both).objects.get(pk=both.pk)
    visible = Matter.objects.restrict(both)
    assert set(visible) == {here, next_door}
    waiting = visible.filter(queue_conditions(both, timezone.now())["dispatch"])
    assert list(waiting) == [here]
    # A clerk alone: dispatch reaches all they see, and the queue is the status alone.
    assert list(Matter.objects.restrict(cast.clerk).filter(queue_conditions(cast.clerk, timezone.now())["dispatch"]))
