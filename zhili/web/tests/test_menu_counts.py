"""The matters menu counts what waits for the signed-in person (to dispatch, to accept) and the
overdue in red: one aggregate query, then kept for 30 s per person, within the current unit."""

from __future__ import annotations

import datetime
import re
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from zhili import testing
from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.matters.queues import waiting_counts

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _empty_cache() -> Iterator[None]:
    cache.clear()
    yield
    cache.clear()


def receive(clerk: Any, unit: Any) -> Matter:
    matter, _created = actions.receive(
        actor=clerk, channel="walk_in", description="路灯坏了好几天", category="public_facility", intake_unit=unit
    )
    return matter


def badges(html: str) -> list[str]:
    link = re.search(r'<a [^>]*id="zl-nav-matters">(.*?)</a>', html, re.S)
    assert link is not None
    return re.findall(r'<span class="badge rounded-pill ([^"]+)">(\d+)', link.group(1))


def test_the_menu_counts_what_waits_and_the_overdue_in_red(tree: testing.Tree) -> None:
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    handler = testing.person("mediator", role="mediator", unit_=tree.judicial_office_a1)
    first, second = receive(clerk, tree.township_a1), receive(clerk, tree.township_a1)
    actions.perform(second, "dispatched", actor=clerk, data={"lead_unit": tree.judicial_office_a1.pk})
    Matter.objects.filter(pk=first.pk).update(due_at=timezone.now() - datetime.timedelta(hours=1))
    client = Client()
    client.force_login(clerk)
    # One to dispatch, and one to accept: a clerk also handles what goes to the units below.
    assert badges(client.get(reverse("web:home")).content.decode()) == [("text-bg-light", "2"), ("text-bg-danger", "1")]
    client.force_login(handler)
    html = client.get(reverse("web:home")).content.decode()
    assert badges(html) == [("text-bg-light", "1")] and "件待办" in html
    resident = testing.person("resident")
    client.force_login(resident)
    assert 'id="zl-nav-matters"' not in client.get(reverse("web:home")).content.decode()


def test_one_query_and_then_none_for_30_seconds(tree: testing.Tree) -> None:
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    receive(clerk, tree.township_a1)
    client = Client()
    client.force_login(clerk)
    client.get(reverse("web:home"))
    cache.clear()
    with CaptureQueriesContext(connection) as cold:
        client.get(reverse("web:home"))
    with CaptureQueriesContext(connection) as warm:
        client.get(reverse("web:home"))
    counted = [q["sql"] for q in cold.captured_queries if 'FROM "matters_matter"' in q["sql"] and "COUNT(" in q["sql"]]
    assert len(counted) == 1
    # The count, and the scope's questions, once per request when the scope is first used
    # (Matter.scope_filter): whether this person reported matters of their own, and the ids of
    # the units at the scope's paths.
    assert len(cold) == len(warm) + 3
    assert not [q for q in warm.captured_queries if "matters_matter" in q["sql"]]
    # Kept for a while: a matter received meanwhile shows once the person takes a step or later.
    receive(clerk, tree.township_a1)
    assert badges(client.get(reverse("web:home")).content.decode())[0][1] == "1"
    matter = Matter.objects.first()
    assert matter is not None
    client.post(reverse("matters:step", args=[matter.pk]), {"kind": "note", "note-reason": "已电话联系"})
    assert badges(client.get(reverse("web:home")).content.decode())[0][1] == "2"


def test_the_counts_follow_the_current_unit(tree: testing.Tree) -> None:
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    testing.people.grant_role(clerk, tree.township_a2, "clerk")
    receive(clerk, tree.township_a1)
    receive(clerk, tree.township_a2)
    receive(clerk, tree.township_a2)
    assert waiting_counts(clerk, "")["dispatch"] == 3
    assert waiting_counts(clerk, "unit=a2", tree.township_a2.pk)["dispatch"] == 2
    client = Client()
    client.force_login(clerk)
    client.post(reverse("web:switch_unit"), {"unit": tree.township_a1.pk})
    assert badges(client.get(reverse("web:home")).content.decode())[0][1] == "1"


def test_the_inbox_tabs_and_the_menu_share_one_count_and_the_rows_stay_fresh(tree: testing.Tree) -> None:
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    receive(clerk, tree.township_a1)
    client = Client()
    client.force_login(clerk)
    with CaptureQueriesContext(connection) as first:
        inbox = client.get(reverse("matters:inbox"))
    tabs = {key: count for key, _label, count in inbox.context["tabs"]}
    assert tabs["dispatch"] == 1 and badges(inbox.content.decode())[0][1] == "1"
    assert len([q for q in first.captured_queries if "COUNT(" in q["sql"]]) == 1  # tabs and menu at once
    # Another tab: the counts are kept; the rows are read as they are now, a new matter included.
    newer = receive(clerk, tree.township_a1)
    with CaptureQueriesContext(connection) as second:
        queue = client.get(reverse("matters:inbox"), {"queue": "dispatch"})
    assert not [q for q in second.captured_queries if "COUNT(" in q["sql"]]
    assert newer in queue.context["object_list"] and len(queue.context["object_list"]) == 2
    assert {key: count for key, _label, count in queue.context["tabs"]}["dispatch"] == 1  # a few seconds behind
    # Other filters are another count.
    with CaptureQueriesContext(connection) as filtered:
        client.get(reverse("matters:inbox"), {"risk": "red"})
    assert len([q for q in filtered.captured_queries if "COUNT(" in q["sql"]]) == 1
