"""In a real browser: a clerk finds a new matter in the inbox, dispatches it on the matter page,
and the handler of the other unit cannot open it."""

from __future__ import annotations

from typing import Any

import pytest

from zhili import testing
from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.triage import model
from zhili.web.tests.browser import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_clerk_dispatches_a_new_matter_from_the_inbox(page: Any) -> None:
    tree = testing.tree()
    clerk = testing.person("clerk-w", role="clerk", unit_=tree.township_a1, full_name="刘晓燕")
    testing.person("outsider-w", role="clerk", unit_=tree.county_b)
    matter, _created = actions.receive(
        actor=clerk,
        channel="hotline",
        description="楼上邻居天天半夜剁骨头，吵得娃儿睡不着，说了好几次都不听",
        category="neighbor",
        reporter_name="王五",
        reporter_phone="13812345678",
        intake_unit=tree.township_a1,
    )
    sign_in(page, "clerk-w", testing.PASSWORD)
    page.goto("/matters/")
    assert page.get_by_text(matter.number).first.is_visible()
    screenshot(page, "inbox-clerk")
    page.get_by_text(matter.number).first.click()
    page.wait_for_load_state()
    body = page.content()
    assert "138****5678" in body and "13812345678" not in body  # masked
    form = page.locator("#step-dispatched")
    form.locator("summary").click()
    form.get_by_label("牵头单位").select_option(label=f"\u3000{tree.judicial_office_a1.name}")
    form.get_by_role("button").click()
    # The step goes through htmx: the matter's panel is swapped in place, with the message.
    expect = pytest.importorskip("playwright.sync_api").expect
    expect(page.locator("#zl-messages").get_by_text("已完成")).to_be_visible()
    screenshot(page, "matter-dispatched")
    matter.refresh_from_db()
    assert matter.status == "dispatched" and matter.lead_unit_id == tree.judicial_office_a1.pk

    # A clerk of another county: the matter does not exist for them.
    page.context.clear_cookies()
    sign_in(page, "outsider-w", testing.PASSWORD)
    response = page.goto(f"/matters/{matter.pk}/")
    assert response is not None and response.status == 404


def test_triage_appears_as_the_clerk_types_and_one_click_takes_it(page: Any) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    tree = testing.tree()
    testing.person("clerk-t", role="clerk", unit_=tree.township_a1)
    model.active.get()  # the first use trains the model: not while the page waits for it
    sign_in(page, "clerk-t", testing.PASSWORD)
    page.goto("/matters/new/")
    page.get_by_label("诉求内容").fill("工地上我们九个人的工钱拖了半年了，老板电话也不接，再不给我们就去堵他公司大门")
    page.get_by_label("诉求内容").press("End")  # a keyup: htmx asks for the proposal after 0.6 s
    page.locator("#triage").get_by_text("风险信号").wait_for(timeout=30_000)
    screenshot(page, "intake-triage")
    page.get_by_role("button", name="采用建议的类别和风险等级").click()
    # Playwright's expect polls without evaluating strings, which the pages' CSP forbids.
    expect(page.locator("#id_category")).to_have_value("labor_wage", timeout=30_000)
    assert page.locator("#id_risk").input_value() in ("yellow", "red")
    page.get_by_role("button", name="登记", exact=True).click()
    page.wait_for_load_state()
    assert page.get_by_text("已登记").first.is_visible()
    matter = Matter.objects.get()
    assert (matter.category_id, matter.channel) == ("labor_wage", "walk_in")
