"""The staff workbench: the inbox (queues, counts, filters, a fixed number of queries) and a
matter's page (masked personal data, the step forms each role gets, steps taken through it)."""

from __future__ import annotations

import contextlib
import datetime
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
from zhili.matters.tests.conftest import Cast
from zhili.matters.views import MatterInboxView

pytestmark = pytest.mark.django_db


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def inbox(user: Any, **params: Any) -> Any:
    response = signed_in(user).get(reverse("matters:inbox"), params)
    assert response.status_code == 200
    return response


def counts(response: Any) -> dict[str, int]:
    return {key: count for key, _label, count in response.context["tabs"]}


def numbers(response: Any) -> list[str]:
    return [m.number for m in response.context["object_list"]]


def dispatch(cast: Cast, matter: Matter, **data: Any) -> Matter:
    data.setdefault("lead_unit", cast.tree.judicial_office_a1.pk)
    return actions.perform(matter, "dispatched", actor=cast.clerk, data=data)


@pytest.fixture
def desk(cast: Cast) -> dict[str, Matter]:
    """A township's desk: one new, one red new, one dispatched to the judicial office, one in
    progress there; deadlines set so that each time queue holds exactly one matter."""
    new = cast.matter(title="新登记")
    red = cast.matter(title="红色事项", risk="red")
    dispatched = dispatch(cast, cast.matter(title="已分办"))
    handling = dispatch(cast, cast.matter(title="办理中"))
    handling = actions.perform(handling, "accepted", actor=cast.handler)
    now = timezone.now()
    Matter.objects.update(due_at=now + datetime.timedelta(days=10), overdue_at=None)
    Matter.objects.filter(pk=new.pk).update(due_at=now - datetime.timedelta(hours=1))  # overdue
    Matter.objects.filter(pk=dispatched.pk).update(due_at=now + datetime.timedelta(hours=3))  # due soon
    Matter.objects.filter(pk=handling.pk).update(supervised=True)
    return {"new": new, "red": red, "dispatched": dispatched, "handling": handling}


# --- inbox --------------------------------------------------------------------------------------


def test_a_clerk_sees_every_queue_with_its_count_red_first(cast: Cast, desk: dict[str, Matter]) -> None:
    response = inbox(cast.clerk)
    assert response.context["queue"] == "active"  # where the inbox opens: everything being worked on
    assert counts(response) == {
        "active": 4,
        "dispatch": 2,
        "accept": 1,
        "in_progress": 1,
        "overdue": 1,
        "supervised": 1,
        "due_soon": 1,
        "all": None,  # not counted: every matter ever received
    }
    # Red first, then by deadline: the overdue one, the one due soon, then the others.
    assert numbers(response) == [
        desk["red"].number,
        desk["new"].number,
        desk["dispatched"].number,
        desk["handling"].number,
    ]
    html = response.content.decode()
    assert "待分拨" in html and "即将到期" in html and 'aria-current="page"' in html
    assert sorted(numbers(inbox(cast.clerk, queue="dispatch"))) == sorted([desk["new"].number, desk["red"].number])
    assert numbers(inbox(cast.clerk, queue="overdue")) == [desk["new"].number]
    assert numbers(inbox(cast.clerk, queue="due_soon")) == [desk["dispatched"].number]
    assert numbers(inbox(cast.clerk, queue="supervised")) == [desk["handling"].number]


def test_a_handler_has_no_dispatch_queue_and_sees_only_what_came_to_the_unit(
    cast: Cast, desk: dict[str, Matter]
) -> None:
    response = inbox(cast.handler)
    tabs = counts(response)
    assert "dispatch" not in tabs
    assert tabs["active"] == 2 and tabs["accept"] == 1 and tabs["in_progress"] == 1
    assert numbers(inbox(cast.handler, queue="accept")) == [desk["dispatched"].number]
    assert numbers(inbox(cast.handler, queue="in_progress")) == [desk["handling"].number]


def test_the_filters_narrow_the_rows_and_the_counts(cast: Cast, desk: dict[str, Matter]) -> None:
    assert numbers(inbox(cast.clerk, risk="red")) == [desk["red"].number]
    assert numbers(inbox(cast.clerk, q=desk["dispatched"].number)) == [desk["dispatched"].number]
    assert set(numbers(inbox(cast.clerk, q="办理"))) == {desk["handling"].number}
    assert set(numbers(inbox(cast.clerk, status="in_progress"))) == {desk["handling"].number}
    by_unit = inbox(cast.clerk, unit=cast.tree.judicial_office_a1.pk)
    assert set(numbers(by_unit)) == {desk["dispatched"].number, desk["handling"].number}
    assert counts(by_unit)["dispatch"] == 0
    today = timezone.localdate().isoformat()
    assert len(numbers(inbox(cast.clerk, received_from=today, received_to=today))) == 4
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert numbers(inbox(cast.clerk, received_from=tomorrow)) == []
    # The queue and the filters combine, and the tab links keep the filters.
    combined = inbox(cast.clerk, risk="red", queue="dispatch")
    assert numbers(combined) == [desk["red"].number]
    assert "risk=red" in combined.content.decode()


def test_all_lists_finished_matters_too_newest_first_page_by_page(cast: Cast, desk: dict[str, Matter]) -> None:
    finished = cast.matter(title="已办结")
    Matter.objects.filter(pk=finished.pk).update(status="closed", due_at=None)
    answered = cast.matter(title="已答复")
    Matter.objects.filter(pk=answered.pk).update(status="answered")
    # Being worked on: the answered one waits for the resident's rating; the closed one is done.
    active = inbox(cast.clerk)
    assert counts(active)["active"] == 5 and finished.number not in numbers(active)
    assert answered.number in numbers(active)
    everything = inbox(cast.clerk, queue="all")
    newest_first = list(Matter.objects.order_by("-received_at", "-pk").values_list("number", flat=True))
    assert numbers(everything) == newest_first and len(newest_first) == 6
    html = everything.content.decode()
    assert "第 1 页（第 1–6 条）" in html and "共 " not in html and "末页" not in html
    # Pages without a total: a page says whether another follows; past the last is 404.
    client = signed_in(cast.clerk)
    with override_page_size(MatterInboxView, 4):
        first = client.get(reverse("matters:inbox"), {"queue": "all"})
        assert numbers(first) == newest_first[:4] and first.context["page_obj"].has_next()
        assert "下一页" in first.content.decode() and "末页" not in first.content.decode()
        second = client.get(reverse("matters:inbox"), {"queue": "all", "page": 2})
        assert numbers(second) == newest_first[4:] and not second.context["page_obj"].has_next()
        assert "第 2 页（第 5–6 条）" in second.content.decode()
        assert client.get(reverse("matters:inbox"), {"queue": "all", "page": 3}).status_code == 404
        assert client.get(reverse("matters:inbox"), {"queue": "all", "page": "x"}).status_code == 404
        # A counted queue pages with its total, from the count of the tabs.
        queue = client.get(reverse("matters:inbox"), {"queue": "active", "page": 2})
        assert queue.context["paginator"].count == 5 and queue.context["paginator"].num_pages == 2
        assert "共 5 条，第 2/2 页" in queue.content.decode()


@contextlib.contextmanager
def override_page_size(view: Any, size: int) -> Iterator[None]:
    before = view.paginate_by
    view.paginate_by = size
    try:
        yield
    finally:
        view.paginate_by = before


def test_the_inbox_costs_the_same_queries_for_few_or_many_matters(cast: Cast) -> None:
    client = signed_in(cast.clerk)
    for _ in range(3):
        dispatch(cast, cast.matter())
    client.get(reverse("matters:inbox"))  # warm per-process caches
    cache.clear()  # the queues' counts are kept a few seconds: count them each time here
    with CaptureQueriesContext(connection) as few:
        assert client.get(reverse("matters:inbox")).status_code == 200
    for number in range(30):
        matter = cast.matter(risk="red" if number % 3 == 0 else "green")
        if number % 2:
            dispatch(cast, matter, co_units=[cast.tree.police_a.pk])
    cache.clear()
    with CaptureQueriesContext(connection) as many:
        response = client.get(reverse("matters:inbox"))
    assert len(response.context["object_list"]) == 25  # a page
    assert response.context["paginator"].count == 33
    assert len(many) == len(few), [q["sql"] for q in many.captured_queries]
    # sign-in and session 7, scope 1, whether the clerk reported matters of their own 1 and the
    # ids of the scope's units 1 (Matter.scope_filter), pick-lists 4, the queues' counts 1 (the
    # menu's too), the page's ids 1 and its rows 1 (views.MatterInboxView), saved views 1
    assert len(many) <= 18


def test_the_navigation_offers_matters_to_staff_only(cast: Cast) -> None:
    staff = signed_in(cast.clerk).get(reverse("web:home")).content.decode()
    assert reverse("matters:inbox") in staff
    resident = signed_in(cast.resident).get(reverse("web:home")).content.decode()
    assert reverse("matters:inbox") not in resident


# --- a matter's page ----------------------------------------------------------------------------


def detail(user: Any, matter: Matter) -> Any:
    return signed_in(user).get(reverse("matters:detail", args=[matter.pk]))


def test_the_page_masks_personal_data_and_hides_an_anonymous_reporter(cast: Cast) -> None:
    matter = cast.matter(
        reporter_name="张三",
        reporter_phone="13812345678",
        parties=[{"name": "李四", "phone": "13987654321", "id_number": "11010519491231002X"}],
    )
    html = detail(cast.clerk, matter).content.decode()
    assert "张三" in html and "138****5678" in html and "13812345678" not in html
    assert "李四" in html and "139****4321" in html and "13987654321" not in html
    assert "1101**********002X" in html and "11010519491231002X" not in html
    hidden = cast.matter(reporter_name="王五", reporter_phone="13711112222", anonymous=True)
    html = detail(cast.clerk, hidden).content.decode()
    assert "匿名" in html and "王五" not in html and "137****2222" not in html


def test_each_role_gets_the_forms_of_the_steps_it_may_take_now(cast: Cast) -> None:
    matter = cast.matter()
    clerk_forms = {form.kind for form in detail(cast.clerk, matter).context["step_forms"]}
    assert {"triaged", "dispatched", "note", "escalated", "merged"} <= clerk_forms
    assert "accepted" not in clerk_forms
    dispatch(cast, matter, co_units=[cast.tree.police_a.pk])
    handler_page = detail(cast.handler, matter)
    handler_forms = {form.kind for form in handler_page.context["step_forms"]}
    assert {"accepted", "returned", "co_handling_added", "note", "escalated"} <= handler_forms
    assert "dispatched" not in handler_forms and "transferred" not in handler_forms
    html = handler_page.content.decode()
    assert 'name="kind" value="accepted"' in html and "csrfmiddlewaretoken" in html
    assert '<label class="form-label" for="id_returned-reason">退回原因</label>' in html
    co_handler_forms = detail(cast.other_handler, matter).context["step_forms"]  # a co-handling unit
    assert {form.kind for form in co_handler_forms} == {"note"}


def test_the_timeline_lists_the_steps_oldest_first_in_words(cast: Cast) -> None:
    matter = dispatch(cast, cast.matter(), co_units=[cast.tree.police_a.pk])
    timeline = detail(cast.clerk, matter).context["timeline"]
    assert [event.kind for event, _summary in timeline] == ["created", "dispatched"]
    summary = timeline[1][1]
    assert "牵头单位：甲一镇司法所" in summary and "协办单位：甲县城关派出所" in summary


def step(user: Any, matter: Matter, kind: str, **fields: Any) -> Any:
    data = {"kind": kind, **{f"{kind}-{name}": value for name, value in fields.items()}}
    return signed_in(user).post(reverse("matters:step", args=[matter.pk]), data)


def test_steps_through_the_page_move_the_matter_and_say_so(cast: Cast) -> None:
    matter = cast.matter()
    response = step(cast.clerk, matter, "dispatched", lead_unit=cast.tree.judicial_office_a1.pk)
    assert response.status_code == 302 and response["Location"] == reverse("matters:detail", args=[matter.pk])
    matter.refresh_from_db()
    assert matter.status == "dispatched" and matter.lead_unit_id == cast.tree.judicial_office_a1.pk
    client = signed_in(cast.handler)
    followed = client.post(reverse("matters:step", args=[matter.pk]), {"kind": "accepted"}, follow=True)
    assert "已完成：签收。" in followed.content.decode()
    answered = step(cast.handler, matter, "answered", reason="已调解：施工时间改为九点以后")
    assert answered.status_code == 302
    matter.refresh_from_db()
    assert matter.status == "answered" and matter.owner_id == cast.handler.pk
    assert list(matter.events.values_list("kind", flat=True).order_by("seq")) == [
        "created",
        "dispatched",
        "accepted",
        "answered",
    ]


def test_a_refused_step_shows_why_next_to_its_form(cast: Cast) -> None:
    matter = dispatch(cast, cast.matter(), co_units=[cast.tree.police_a.pk])
    # Not possible in this state (409): the form is shown with the message and what is possible.
    conflict = step(cast.handler, matter, "answered", reason="答复内容")
    assert conflict.status_code == 409
    html = conflict.content.decode()
    assert "事项的当前状态不允许此操作" in html and "签收" in html
    assert conflict.context["step_forms"][0].kind == "answered"
    # Not this person's step (403): a co-handling unit may not accept.
    denied = step(cast.other_handler, matter, "accepted")
    assert denied.status_code == 403 and "您无权对该事项进行此操作。" in denied.content.decode()
    # A rule of the step (400), shown at its field: a transfer to the same unit.
    same = step(cast.clerk, matter, "transferred", lead_unit=cast.tree.judicial_office_a1.pk, reason="转给司法所")
    assert same.status_code == 400 and "请选择另一个单位。" in same.content.decode()
    # The form's own validation (400): a return needs its reason.
    missing = step(cast.handler, matter, "returned", reason="")
    assert missing.status_code == 400 and 'aria-invalid="true"' in missing.content.decode()
    unknown = signed_in(cast.handler).post(reverse("matters:step", args=[matter.pk]), {"kind": "created"})
    assert unknown.status_code == 400
    matter.refresh_from_db()
    assert matter.status == "dispatched" and matter.events.count() == 2


def test_outsiders_get_404_for_the_page_and_its_steps(cast: Cast) -> None:
    matter = cast.matter()
    outsider = testing.person("b-clerk", role="clerk", unit_=cast.tree.county_b)
    assert detail(outsider, matter).status_code == 404
    assert step(outsider, matter, "note", reason="看看").status_code == 404
    assert detail(cast.resident, matter).status_code == 404
    assert matter.events.count() == 1


def test_triage_supervision_and_leader_forms_record_their_data(cast: Cast) -> None:
    matter = cast.matter()
    assert step(cast.clerk, matter, "triaged", category="neighbor", risk="yellow").status_code == 302
    assert step(cast.leader, matter, "supervised", reason="请三日内办结", due="2026-12-01").status_code == 302
    assert step(cast.leader, matter, "leader_assigned", leader=cast.leader.pk).status_code == 302
    matter.refresh_from_db()
    assert (matter.risk_id, matter.supervised, matter.supervision_due) == ("yellow", True, "2026-12-01")
    assert matter.leader_id == cast.leader.pk
    summaries = [summary for _event, summary in detail(cast.leader, matter).context["timeline"]]
    assert "督办期限：2026-12-01" in summaries[2] and "包案领导：leader-a" in summaries[3]


# --- intake with triage ----------------------------------------------------------------------------


def test_a_clerk_registers_a_walk_in_with_the_proposal_applied(cast: Cast, client: Any) -> None:
    client.force_login(cast.clerk)
    page = client.get("/matters/new/")
    assert page.status_code == 200 and "智能分拨建议" in page.content.decode()
    text = "楼上邻居天天半夜在家剁骨头，吵得娃儿睡不着，说了好几次都不听，昨天还骂人"
    preview = client.post("/matters/new/triage/", {"description": text, "address": ""})
    assert preview.status_code == 200
    body = preview.content.decode()
    assert "风险信号" in body and "冲突激化" in body and "“骂”" in body and "重复反映" in body
    applied = client.post("/matters/new/triage/", {"description": text, "apply": "1", "category": ""})
    assert 'hx-swap-oob="true"' in applied.content.decode()
    response = client.post(
        "/matters/new/",
        {
            "description": text,
            "category": "neighbor",
            "risk": "yellow",
            "channel": "walk_in",
            "intake_unit": cast.tree.township_a1.pk,
            "reporter_name": "王五",
            "reporter_phone": "13812345678",
        },
    )
    matter = Matter.objects.get()
    assert response.status_code == 302 and response["Location"] == f"/matters/{matter.pk}/"
    assert (matter.channel, matter.category_id, matter.risk_id, matter.received_by) == (
        "walk_in",
        "neighbor",
        "yellow",
        cast.clerk,
    )


def test_intake_refuses_bad_input_in_chinese_and_strangers(cast: Cast, client: Any) -> None:
    client.force_login(cast.clerk)
    response = client.post("/matters/new/", {"description": "", "channel": "walk_in"})
    assert response.status_code == 400 and "该字段是必填项" in response.content.decode()
    bad_phone = client.post(
        "/matters/new/",
        {
            "description": "路灯坏了",
            "category": "public_facility",
            "risk": "green",
            "channel": "hotline",
            "intake_unit": cast.tree.township_a1.pk,
            "reporter_phone": "12345",
        },
    )
    assert bad_phone.status_code == 400 and "手机号码格式不正确" in bad_phone.content.decode()
    # A unit outside the clerk's intake scope is not offered.
    outside = client.post(
        "/matters/new/",
        {
            "description": "路灯坏了",
            "category": "public_facility",
            "risk": "green",
            "channel": "hotline",
            "intake_unit": cast.tree.county_b.pk,
        },
    )
    assert outside.status_code == 400
    assert Matter.objects.count() == 0
    english = client.post("/matters/new/triage/", {"description": "The lamp is broken"})
    assert "目前只能分析中文诉求" in english.content.decode()
    client.force_login(cast.resident)
    assert client.get("/matters/new/").status_code == 403
    assert client.post("/matters/new/triage/", {"description": "路灯坏了"}).status_code == 403
