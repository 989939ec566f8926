"""搜索事项: the search page (results with the words marked, filters, order, reach, a fixed number
of queries), its CSV and XLSX export, and the API's `q`, which means the same."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from zhili import testing
from zhili.audit.models import AuditEvent
from zhili.matters.models import Matter
from zhili.matters.tests.conftest import Cast

pytestmark = pytest.mark.django_db
URL = "/matters/search/"


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def search(user: Any, **params: Any) -> Any:
    response = signed_in(user).get(reverse("matters:search"), params)
    assert response.status_code == 200
    return response


def numbers(response: Any) -> list[str]:
    return [item.number for item, _title, _snippet in response.context["results"]]


@pytest.fixture
def matters(cast: Cast) -> dict[str, Matter]:
    return {
        "wages": cast.matter(
            description="工地拖欠农民工工资三个月，工头电话13811112222，共十二人。",
            category="labor_wage",
            risk="red",
            parties=[{"name": "张三", "phone": "13800138000"}],
        ),
        "short": cast.matter(description="拖欠工资", title="讨薪 <b>加急</b>", category="labor_wage"),
        "noise": cast.matter(description="楼上邻居装修噪音扰民", reporter_name="李四", reporter_phone="13912345678"),
    }


def test_the_page_is_the_url_other_pages_link_to() -> None:
    assert reverse("matters:search") == URL


def test_words_find_their_matters_marked_and_escaped(cast: Cast, matters: dict[str, Matter]) -> None:
    response = search(cast.clerk, q="工资")
    assert set(numbers(response)) == {matters["wages"].number, matters["short"].number}
    html = response.content.decode()
    assert "找到 2 个事项" in html
    assert "<mark>工资</mark>" in html
    assert "讨薪 &lt;b&gt;加急&lt;/b&gt;" in html and "<b>加急</b>" not in html
    assert "13811112222" not in html and "138****2222" in html  # a phone in the text is masked
    assert 'role="search"' in html and "搜索事项" in html


def test_the_newest_are_listed_before_a_search_and_nothing_found_is_said(
    cast: Cast, matters: dict[str, Matter]
) -> None:
    response = search(cast.clerk)
    assert numbers(response) == [m.number for m in reversed(matters.values())]
    assert "找到" not in response.content.decode()
    response = search(cast.clerk, q="，。")
    assert numbers(response) == [] and "没有找到符合条件的事项。" in response.content.decode()
    assert numbers(search(cast.clerk, q="工资" * 500)) == []
    assert numbers(search(cast.clerk, q='" OR * : -')) == []


def test_input_a_form_refuses_is_said_not_searched(cast: Cast, matters: dict[str, Matter]) -> None:
    response = signed_in(cast.clerk).get(URL, {"q": "工资\x00", "status": "nonsense"})
    assert response.status_code == 200 and numbers(response) == []
    assert 'aria-invalid="true"' in response.content.decode()
    export = signed_in(cast.clerk).get(URL, {"q": "工资\x00", "export": "csv"})
    assert export.status_code == 400 and not AuditEvent.objects.filter(kind="export").exists()


def test_relevance_or_received_time(cast: Cast, matters: dict[str, Matter]) -> None:
    Matter.objects.filter(pk=matters["short"].pk).update(received_at=timezone.now() - datetime.timedelta(days=3))
    assert numbers(search(cast.clerk, q="工资")) == [matters["short"].number, matters["wages"].number]
    assert numbers(search(cast.clerk, q="工资", sort="newest")) == [matters["wages"].number, matters["short"].number]
    assert numbers(search(cast.clerk, q="工资", sort="oldest")) == [matters["short"].number, matters["wages"].number]


def test_filters_narrow_the_result(cast: Cast, matters: dict[str, Matter]) -> None:
    assert numbers(search(cast.clerk, q="工资", risk="red")) == [matters["wages"].number]
    assert numbers(search(cast.clerk, q="拖欠", category="neighbor")) == []
    assert set(numbers(search(cast.clerk, category="labor_wage"))) == {matters["wages"].number, matters["short"].number}
    assert len(numbers(search(cast.clerk, status="new", channel="walk_in"))) == 3
    assert numbers(search(cast.clerk, channel="web")) == []
    tomorrow = (timezone.localdate() + datetime.timedelta(days=1)).isoformat()
    assert numbers(search(cast.clerk, q="工资", received_from=tomorrow)) == []
    assert len(numbers(search(cast.clerk, unit=cast.tree.township_a1.pk))) == 3
    assert numbers(search(cast.clerk, unit=cast.tree.township_a2.pk)) == []


def test_numbers_phones_and_names(cast: Cast, matters: dict[str, Matter]) -> None:
    wages = matters["wages"]
    assert numbers(search(cast.clerk, q=wages.number)) == [wages.number]
    assert numbers(search(cast.clerk, q="138-0013-8000")) == [wages.number]
    assert numbers(search(cast.clerk, q="张三")) == [wages.number]
    assert numbers(search(cast.clerk, q="李四")) == [matters["noise"].number]
    html = search(cast.clerk, q="13912345678").content.decode()
    table = html[html.index("<table") : html.index("</table>")]
    assert matters["noise"].number in table and "1391234" not in table  # the results show no phone
    assert [e.data["search"] for e in AuditEvent.objects.filter(kind="reveal").order_by("pk")] == [
        "phone",
        "name",
        "name",
        "phone",
    ]


def test_a_clerk_of_another_county_finds_nothing(cast: Cast, matters: dict[str, Matter]) -> None:
    stranger = testing.person("clerk-b", role="clerk", unit_=cast.tree.county_b)
    for params in ({"q": "工资"}, {"q": matters["wages"].number}, {"q": "13800138000"}, {"category": "labor_wage"}):
        assert numbers(search(stranger, **params)) == []
    response = signed_in(stranger).get(URL, {"q": "工资", "export": "csv"})
    assert list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig")))) == [
        [
            "编号",
            "标题",
            "状态",
            "事项类型",
            "类别",
            "风险等级",
            "渠道",
            "牵头单位",
            "受理单位",
            "登记时间",
            "办理期限",
            "地址",
            "诉求内容",
        ]
    ]


def test_signed_out_visitors_are_sent_to_sign_in() -> None:
    response = Client().get(URL, {"q": "工资"})
    assert response.status_code == 302 and "login" in response["Location"]


def test_the_csv_export_holds_the_whole_result_in_chinese_masked(cast: Cast, matters: dict[str, Matter]) -> None:
    response = signed_in(cast.clerk).get(URL, {"q": "工资", "sort": "relevance", "export": "csv"})
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert table[0][:4] == ["编号", "标题", "状态", "事项类型"] and table[0][-1] == "诉求内容"
    assert [row[0] for row in table[1:]] == [matters["short"].number, matters["wages"].number]  # newest first
    wages = dict(zip(table[0], table[2], strict=True))
    assert wages["类别"] == "劳动争议及欠薪纠纷" and wages["风险等级"] == "红色预警" and wages["状态"] == "待分办"
    assert "138****2222" in wages["诉求内容"] and "13811112222" not in wages["诉求内容"]
    exported = AuditEvent.objects.get(kind="export")
    assert exported.data["rows"] == 2 and exported.data["filters"] == {"q": "工资", "sort": "relevance"}


def test_the_xlsx_export_and_its_audit_row_keep_a_phone_masked(cast: Cast, matters: dict[str, Matter]) -> None:
    response = signed_in(cast.clerk).get(URL, {"q": "13800138000", "export": "xlsx"})
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert sheet is not None
    rows = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert rows[0][0] == "编号" and [row[0] for row in rows[1:]] == [matters["wages"].number]
    exported = AuditEvent.objects.get(kind="export")
    assert exported.data["filters"] == {"q": "138****8000"} and exported.data["format"] == "xlsx"
    lookup = AuditEvent.objects.get(kind="reveal")
    assert lookup.data["query"] == "138****8000" and lookup.data["matters"] == [matters["wages"].number]
    assert signed_in(cast.clerk).get(URL, {"q": "工资", "export": "pdf"}).status_code == 400


def test_pages_of_results_in_either_order(cast: Cast) -> None:
    received = [cast.matter(description=f"第{index}号工地拖欠工资") for index in range(23)]
    newest = [m.number for m in reversed(received)]
    for sort in ("relevance", "newest"):
        first, second = search(cast.clerk, q="工资", sort=sort), search(cast.clerk, q="工资", sort=sort, page=2)
        assert len(numbers(first)) == 20 and len(numbers(second)) == 3
        assert sorted(numbers(first) + numbers(second)) == sorted(newest)
        assert "找到 23 个事项" in second.content.decode()
        assert numbers(search(cast.clerk, q="工资", sort=sort, page="last")) == numbers(second)
        assert signed_in(cast.clerk).get(URL, {"q": "工资", "sort": sort, "page": 3}).status_code == 404
    assert numbers(search(cast.clerk, q="工资", sort="newest")) == newest[:20]


def test_the_page_costs_the_same_queries_for_few_or_many_results(cast: Cast) -> None:
    for _ in range(2):
        cast.matter(description="拖欠工资两个月")
    client = signed_in(cast.clerk)
    client.get(URL, {"q": "工资"})  # sessions and caches warm

    def queries(**params: Any) -> int:
        with CaptureQueriesContext(connection) as captured:
            assert client.get(URL, params).status_code == 200
        return len(captured)

    few = {sort: queries(q="工资", sort=sort) for sort in ("relevance", "newest")}
    for index in range(45):
        cast.matter(description=f"第{index}号工地拖欠工资")
    many = {sort: queries(q="工资", sort=sort) for sort in ("relevance", "newest")}
    assert many == few
    assert few["relevance"] <= 20, few


def test_the_api_q_means_the_same(cast: Cast, matters: dict[str, Matter]) -> None:
    api = testing.api_client(cast.clerk)

    def listed(q: str) -> set[str]:
        response = api.get("/api/v1/matters/", {"q": q})
        assert response.status_code == 200
        return {row["number"] for row in response.json()["results"]}

    assert listed("工资") == {matters["wages"].number, matters["short"].number}
    assert listed("拖欠工资") == {matters["short"].number}
    assert listed(matters["noise"].number) == {matters["noise"].number}
    assert listed("13800138000") == {matters["wages"].number}
    assert listed('" OR *') == set()
    assert AuditEvent.objects.filter(kind="reveal", actor=cast.clerk).count() == 1


@pytest.mark.django_db(transaction=True)
def test_in_a_browser_a_clerk_searches_by_keyboard_and_the_phone_needs_no_sideways_scroll(page: Any) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    from zhili.matters import actions
    from zhili.web.tests.browser import PHONE, screenshot, sign_in
    from zhili.web.tests.test_browser import UNLABELLED

    tree = testing.tree()
    clerk = testing.person("clerk-s", role="clerk", unit_=tree.township_a1)
    for text in (
        "工地拖欠农民工工资三个月，共十二人，包工头联系不上，请求劳动监察部门帮助追讨。",
        "楼上邻居装修噪音扰民",
    ):
        actions.receive(
            actor=clerk, channel="walk_in", description=text, category="neighbor", intake_unit=tree.township_a1
        )
    sign_in(page, "clerk-s", testing.PASSWORD)
    page.goto(URL)
    assert page.evaluate(UNLABELLED) == []
    box = page.get_by_role("searchbox", name="搜索事项")
    box.fill("工资")
    box.press("Enter")
    page.wait_for_url("**/matters/search/?q=*")
    expect(page.get_by_text("找到 1 个事项")).to_be_visible()
    expect(page.locator("mark", has_text="工资").first).to_be_visible()
    page.get_by_text("筛选条件").click()
    expect(page.get_by_label("类别")).to_be_visible()
    screenshot(page, "search-desktop")
    page.set_viewport_size(PHONE)
    page.reload()
    assert page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(page, "search-phone")
