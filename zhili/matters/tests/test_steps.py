"""Who may take each step, through the API: 403 for a visible matter, 409 with the allowed steps."""

from __future__ import annotations

import pytest

from zhili import testing
from zhili.matters.tests.conftest import Cast

pytestmark = pytest.mark.django_db
api = testing.api_client


def step(user, matter, kind: str, reason: str = "", **data):  # type: ignore[no-untyped-def]
    return api(user).post(
        f"/api/v1/matters/{matter.pk}/steps/", {"kind": kind, "reason": reason, "data": data}, format="json"
    )


def test_the_whole_loop_through_the_api(cast: Cast) -> None:
    tree = cast.tree
    matter = cast.matter(reporter=cast.resident)
    assert step(cast.clerk, matter, "triaged", risk="yellow").json()["risk"] == "yellow"
    dispatched = step(cast.clerk, matter, "dispatched", lead_unit=tree.judicial_office_a1.pk)
    assert dispatched.json()["status"] == "dispatched"
    accepted = step(cast.handler, matter, "accepted")
    assert accepted.json()["status"] == "in_progress" and accepted.json()["owner"] == cast.handler.pk
    assert "answered" in accepted.json()["allowed_steps"]
    assert step(cast.handler, matter, "contacted", "电话联系了双方").status_code == 200
    answered = step(cast.handler, matter, "answered", "已调解：施工时间改为九点以后")
    assert answered.json()["status"] == "answered"
    rated = step(cast.resident, matter, "rated", score=5)
    assert rated.json()["status"] == "closed" and rated.json()["rating"] == 5
    kinds = [e["kind"] for e in api(cast.clerk).get(f"/api/v1/matters/{matter.pk}/events/").json()]
    assert kinds == ["created", "triaged", "dispatched", "accepted", "contacted", "answered", "rated"]


def test_an_illegal_step_is_refused_with_what_is_allowed_and_nothing_changes(cast: Cast) -> None:
    matter = cast.matter()
    response = step(cast.clerk, matter, "answered", "答复")
    assert response.status_code == 409
    body = response.json()
    assert body["errors"][0]["code"] == "transition_not_allowed"
    assert set(body["allowed"]) == {"triaged", "dispatched", "note", "escalated", "merged"}
    assert matter.events.count() == 1


def test_a_handler_of_another_unit_may_see_but_not_accept(cast: Cast) -> None:
    matter = cast.matter()
    step(cast.clerk, matter, "dispatched", lead_unit=cast.tree.judicial_office_a1.pk, co_units=[cast.tree.police_a.pk])
    assert api(cast.other_handler).get(f"/api/v1/matters/{matter.pk}/").status_code == 200  # co-handling unit
    refused = step(cast.other_handler, matter, "accepted")
    assert refused.status_code == 403
    assert matter.events.count() == 2


def test_outsiders_get_404_for_matters_and_their_steps(cast: Cast) -> None:
    matter = cast.matter()
    outsider = testing.person("b-clerk", role="clerk", unit_=cast.tree.county_b)
    assert api(outsider).get(f"/api/v1/matters/{matter.pk}/").status_code == 404
    assert step(outsider, matter, "note", "看看").status_code == 404


def test_escalation_climbs_one_level_at_a_time_to_the_top(cast: Cast) -> None:
    tree = cast.tree
    grid_worker = testing.person("grid", role="grid_worker", unit_=tree.grid_a1)
    matter = cast.matter(intake_unit=tree.grid_a1, actor=grid_worker)
    climbed = []
    for actor in (grid_worker, cast.clerk, cast.clerk, cast.leader):
        response = step(actor, matter, "escalated", "本级无法解决")
        assert response.status_code == 200, response.json()
        climbed.append(response.json()["lead_unit"])
    assert climbed == [tree.community_a1.pk, tree.township_a1.pk, tree.county_a.pk, tree.city.pk]
    top = step(cast.leader, matter, "escalated", "本级无法解决")
    assert top.status_code == 409 and top.json()["errors"][0]["code"] == "escalation_top"
    assert matter.events.filter(kind="escalated").count() == 4


def test_steps_that_need_a_reason_name_the_field(cast: Cast) -> None:
    matter = cast.matter()
    response = step(cast.clerk, matter, "escalated", "")
    assert response.status_code == 400 and response.json()["errors"][0]["attr"] == "reason"


def test_closing_needs_a_rating_or_a_failed_visit(cast: Cast) -> None:
    matter = cast.matter()
    step(cast.clerk, matter, "dispatched", lead_unit=cast.tree.judicial_office_a1.pk)
    step(cast.handler, matter, "accepted")
    step(cast.handler, matter, "answered", "已答复")
    early = step(cast.clerk, matter, "closed")
    assert early.status_code == 409 and "visited" in early.json()["allowed"]
    assert early.json()["errors"][0]["detail"] == "办结前需要群众评价，或已登记回访未果。"
    step(cast.clerk, matter, "visited", reached=False)
    assert step(cast.clerk, matter, "closed").json()["status"] == "closed"


def test_supervision_stays_until_the_handler_replies(cast: Cast) -> None:
    matter = cast.matter()
    step(cast.clerk, matter, "dispatched", lead_unit=cast.tree.judicial_office_a1.pk)
    assert step(cast.handler, matter, "supervised", "请加快").status_code == 403  # leaders supervise
    assert step(cast.leader, matter, "supervised", "请三日内办结", due="2026-12-01").json()["supervised"] is True
    supervised = api(cast.handler).get("/api/v1/matters/?supervised=true").json()
    assert [m["id"] for m in supervised["results"]] == [matter.pk]
    assert step(cast.handler, matter, "supervision_replied", "已加快").json()["supervised"] is False


def test_the_reporter_may_add_a_note_and_sees_only_the_steps_a_resident_takes(cast: Cast) -> None:
    matter = cast.matter(reporter=cast.resident)
    step(cast.clerk, matter, "dispatched", lead_unit=cast.tree.judicial_office_a1.pk)
    step(cast.handler, matter, "accepted")
    step(cast.handler, matter, "waiting", "请提供装修公司的联系方式")
    added = step(cast.resident, matter, "note", "装修公司电话：0833-1234567")
    assert added.status_code == 200, added.content
    assert added.json()["allowed_steps"] == ["note"]
    note = matter.events.order_by("-seq").first()
    assert (note.kind, note.actor, note.reason) == ("note", cast.resident, "装修公司电话：0833-1234567")
    # The resident may write; the handler still decides when the clock runs again.
    assert step(cast.resident, matter, "resumed").status_code == 403
    # Another resident does not see the matter at all.
    assert step(testing.person("neighbour"), matter, "note", "我也说两句").status_code == 404


def test_a_matter_merges_only_into_one_the_clerk_can_see(cast: Cast) -> None:
    outsider = testing.person("clerk-b-merge", role="clerk", unit_=cast.tree.county_b)
    elsewhere = cast.matter(actor=outsider, intake_unit=cast.tree.county_b)
    mine = cast.matter()
    response = api(cast.clerk).post(
        f"/api/v1/matters/{mine.pk}/steps/",
        {"kind": "merged", "reason": "重复反映", "data": {"into": elsewhere.number}},
        format="json",
    )
    assert response.status_code == 400 and response.json()["errors"][0]["code"] == "merge_target_invalid"
    mine.refresh_from_db()
    assert mine.status == "new"
