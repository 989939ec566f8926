"""The whole loop in a real browser: a resident reports on a phone → a clerk confirms triage and
dispatches → the handler accepts and answers → the resident tracks the matter with an SMS code,
reads the answer and rates it. Screenshots of each role's pages go to test-artifacts."""

from __future__ import annotations

from typing import Any

import pytest

from zhili import testing
from zhili.matters.models import Matter
from zhili.portal.tests.conftest import last_code
from zhili.triage import model
from zhili.web.tests.browser import PHONE, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def take_step(page: Any, kind: str, fields: dict[str, str] | None = None, select: dict[str, str] | None = None) -> None:
    form = page.locator(f"#step-{kind}")
    form.locator("summary").click()
    for label, value in (fields or {}).items():
        form.get_by_label(label).fill(value)
    for label, value in (select or {}).items():
        form.get_by_label(label).select_option(value=value)
    form.get_by_role("button").last.click()
    page.get_by_text("已完成").first.wait_for()


def test_a_resident_report_goes_round_the_whole_loop(browser: Any, live_server: Any, page: Any) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    tree = testing.tree()
    testing.person("loop-clerk", role="clerk", unit_=tree.city, full_name="周敏")
    testing.person("loop-handler", role="handler", unit_=tree.township_a1, full_name="吴军")
    model.active.get()  # the first use trains the model: not while a page waits for it

    # A resident, on a phone, with no account.
    phone = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url, is_mobile=True)
    resident = phone.new_page()
    resident.set_default_timeout(15_000)
    resident.goto("/portal/")
    screenshot(resident, "portal-home")
    resident.get_by_role("link", name="我要反映").click()
    resident.get_by_label("请说明您遇到的问题").fill(
        "包工头拖欠我们工地上六个人三个月的工资，一直推说没钱，电话也不接了"
    )
    resident.get_by_label("请说明您遇到的问题").press("End")
    resident.get_by_role("button", name="选这个类别").click(timeout=30_000)
    expect(resident.get_by_label("问题类别")).to_have_value("labor_wage")
    resident.get_by_label("发生地点").fill("甲一镇工业园二期工地")
    resident.get_by_label("您的姓名").fill("孙八")
    resident.get_by_label("手机号码", exact=True).fill("13912345678")
    resident.get_by_label("我同意").check()
    screenshot(resident, "portal-report")
    resident.get_by_role("button", name="提交").click()
    resident.get_by_text("已收到您反映的事项").wait_for()
    matter = Matter.objects.get()
    assert matter.number in resident.content()
    assert resident.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"]
    screenshot(resident, "portal-number")

    # The clerk at the city centre confirms triage and dispatches to the township's centre.
    sign_in(page, "loop-clerk", testing.PASSWORD)
    page.goto("/matters/?queue=dispatch")
    page.get_by_text(matter.number).first.click()
    take_step(page, "triaged", select={"风险等级": "yellow"})
    take_step(page, "dispatched", select={"牵头单位": str(tree.township_a1.pk)})
    screenshot(page, "clerk-dispatched")

    # The handler accepts and answers.
    page.context.clear_cookies()
    sign_in(page, "loop-handler", testing.PASSWORD)
    page.goto("/matters/?queue=accept")
    page.get_by_text(matter.number).first.click()
    take_step(page, "accepted")
    take_step(
        page, "answered", fields={"答复内容": "经镇调解中心调解，包工头承诺本月25日前结清全部工资，劳动监察全程督促。"}
    )
    screenshot(page, "handler-answered")

    # The resident tracks it by number and phone, reads the answer and rates it.
    resident.context.clear_cookies()
    resident.goto("/portal/track/")
    resident.get_by_label("事项编号").fill(matter.number)
    resident.get_by_label("反映时留的手机号码").fill("13912345678")
    resident.get_by_role("button", name="获取验证码").click()
    resident.get_by_label("短信验证码").fill(last_code(matter))
    screenshot(resident, "portal-code")
    resident.get_by_role("button", name="查看进度").click()
    expect(resident.get_by_role("region", name="答复内容").get_by_text("本月25日前结清")).to_be_visible()
    resident.get_by_label("4分 满意").check()
    resident.get_by_label("您的意见（选填）").fill("谢谢调解中心")
    screenshot(resident, "portal-answer")
    resident.get_by_role("button", name="提交评价").click()
    expect(resident.get_by_text("感谢您的评价")).to_be_visible()
    expect(resident.get_by_role("button", name="申请重新办理")).to_be_visible()
    screenshot(resident, "portal-rated")
    phone.close()

    matter.refresh_from_db()
    assert matter.status == "closed" and matter.rating == 4
    assert list(matter.events.order_by("seq").values_list("kind", flat=True)) == [
        "created",
        "triaged",
        "dispatched",
        "accepted",
        "answered",
        "rated",
    ]
