"""In a real browser, on a phone-sized screen (360×740): a grid worker reports a matter with a photo,
a tap on the map and the phone's location, gets the number, and settles it on the spot with a
photo of the result; no page scrolls sideways."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from zhili import testing
from zhili.grid.tests.conftest import IN_GRID, NOISE, tiny_png
from zhili.matters.models import Attachment, Matter
from zhili.triage import model
from zhili.web.tests.browser import PHONE, screenshot, sign_in
from zhili.web.tests.test_browser import UNLABELLED

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def phone(browser: Any, live_server: Any) -> Iterator[Any]:
    """A phone that lets the page know where it is (the test's own context: the shared `page`
    fixture is a desktop)."""
    context = browser.new_context(
        viewport=PHONE,
        locale="zh-CN",
        base_url=live_server.url,
        is_mobile=True,
        has_touch=True,
        geolocation={"longitude": IN_GRID[0], "latitude": IN_GRID[1], "accuracy": 8},
    )
    context.grant_permissions(["geolocation"])
    opened = context.new_page()
    opened.set_default_timeout(10_000)
    # A script or style the CSP blocks shows as a console error.
    opened.errors = []
    opened.on("console", lambda message: message.type == "error" and opened.errors.append(message.text))
    yield opened
    context.close()


def fits(page: Any) -> bool:
    # Playwright evaluates through the DevTools protocol, which the page's CSP does not govern.
    return bool(page.evaluate("document.scrollingElement.scrollWidth") <= PHONE["width"])


def png(name: str, shade: int) -> dict[str, Any]:
    return {"name": name, "mimeType": "image/png", "buffer": tiny_png(shade)}


def test_a_grid_worker_reports_and_resolves_on_the_spot_on_a_phone(phone: Any) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    tree = testing.tree()
    testing.person("grid-w", role="grid_worker", unit_=tree.grid_a1, full_name="张网格")
    model.active.get()  # the first use trains the model: not while the page waits for it
    sign_in(phone, "grid-w", testing.PASSWORD)
    phone.goto("/grid/")
    assert fits(phone)
    phone.get_by_role("link", name="上报事项").tap()
    phone.wait_for_url("**/grid/report/")
    assert phone.evaluate(UNLABELLED) == []
    description = phone.get_by_label("情况描述")
    description.fill(NOISE)
    description.press("End")  # a keyup: htmx asks for the suggestion after 0.6 s
    take = phone.get_by_role("button", name="采用“邻里纠纷”")
    take.wait_for(timeout=30_000)
    take.tap()
    expect(phone.get_by_label("类别")).to_have_value("neighbor")
    phone.get_by_label("现场照片").set_input_files([png("现场.png", 1)])

    # A tap on the map fills the point; then the phone's own location replaces it.
    box = phone.locator("#grid-map")
    expect(box).to_be_visible()
    box.tap()
    expect(phone.get_by_label("经度")).not_to_have_value("")
    tapped = float(phone.get_by_label("经度").input_value()), float(phone.get_by_label("纬度").input_value())
    assert 103.0 <= tapped[0] <= 103.1 and 29.0 <= tapped[1] <= 29.1  # inside the grid drawn
    phone.get_by_role("button", name="使用当前位置").tap()
    expect(phone.get_by_label("经度")).to_have_value("103.050000")
    expect(phone.get_by_label("纬度")).to_have_value("29.050000")
    assert fits(phone)
    screenshot(phone, "grid-report")

    phone.get_by_role("button", name="上报", exact=True).tap()
    number = phone.locator("#matter-number")
    expect(number).to_be_visible()
    matter = Matter.objects.get()
    expect(number).to_have_text(matter.number)
    assert (matter.channel, matter.category_id, matter.lon, matter.lat) == ("grid_worker", "neighbor", *IN_GRID)
    assert matter.jurisdiction_id == tree.grid_a1.pk and Attachment.objects.filter(matter=matter).count() == 1
    assert fits(phone)
    screenshot(phone, "grid-reported")

    phone.get_by_role("link", name="就地化解").tap()
    phone.get_by_label("化解结果").fill("上门协调，装修队同意九点以后再开电钻，老人认可")
    phone.get_by_label("结果照片").set_input_files([png("结果.png", 2)])
    phone.get_by_role("button", name="提交就地化解").tap()
    expect(phone.get_by_text("已记录就地化解")).to_be_visible()
    assert fits(phone)
    screenshot(phone, "grid-resolved")
    matter.refresh_from_db()
    assert matter.status == "answered" and Attachment.objects.filter(matter=matter).count() == 2

    assert phone.errors == []

    phone.get_by_role("link", name="我的事项").tap()
    expect(phone.get_by_role("link", name=matter.number)).to_be_visible()
    assert fits(phone)
    screenshot(phone, "grid-home")
