"""In a real browser: a clerk opens a matter from the inbox by keyboard, sees the reporter's phone
in full after giving a reason, attaches a photo and dispatches the matter, each through htmx
without reloading the page; the inbox's tabs swap the list and the address follows."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from zhili import testing
from zhili.audit.models import AuditEvent
from zhili.matters import actions
from zhili.matters.models import Attachment, Matter
from zhili.matters.tests.test_attachments import tiny_jpeg
from zhili.web.tests.browser import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture(autouse=True)
def media(settings: Any, tmp_path: Path) -> Path:
    location = tmp_path / "media"
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage", "OPTIONS": {"location": location}},
    }
    return location


def test_a_clerk_reveals_attaches_and_dispatches_without_reloading(page: Any, tmp_path: Path) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    tree = testing.tree()
    clerk = testing.person("clerk-h", role="clerk", unit_=tree.township_a1, full_name="周敏")
    matter, _created = actions.receive(
        actor=clerk,
        channel="hotline",
        description="楼上邻居天天半夜剁骨头，吵得娃儿睡不着，说了好几次都不听",
        category="neighbor",
        reporter_name="王五",
        reporter_phone="13812345678",
        intake_unit=tree.township_a1,
    )
    sign_in(page, "clerk-h", testing.PASSWORD)
    page.goto("/matters/")

    # The tabs swap the list alone, and the address follows (back and reload work).
    page.get_by_role("link", name="待分拨").click()
    expect(page).to_have_url(re.compile(r"/matters/\?queue=dispatch$"))
    expect(page.locator("#inbox-list .nav-link.active")).to_contain_text("待分拨")

    page.keyboard.press("j")
    page.keyboard.press("o")
    page.wait_for_url(f"**/matters/{matter.pk}/")
    assert "13812345678" not in page.content()
    page.evaluate("window.zlMarker = 'same page'")  # gone if anything below reloaded the page

    # The phone in full, with a reason: in place, logged.
    cell = page.locator("#pii-reporter-reporter_phone")
    cell.get_by_text("查看完整").click()
    cell.get_by_role("button", name="查看").click()
    expect(cell.get_by_text("请填写查看原因。")).to_be_visible()
    cell.get_by_label("查看原因").fill("回访需要联系反映人")
    cell.get_by_role("button", name="查看").click()
    expect(page.locator("#pii-reporter-reporter_phone")).to_contain_text("13812345678")
    screenshot(page, "workbench-revealed")
    assert AuditEvent.objects.filter(kind="reveal", reason="回访需要联系反映人").count() == 1

    # A photo, through the panel.
    photo = tmp_path / "现场.jpg"
    photo.write_bytes(tiny_jpeg())
    page.get_by_label("文件").set_input_files(str(photo))
    page.get_by_label("附件说明").fill("现场照片")
    page.get_by_role("button", name="上传", exact=True).click()
    expect(page.locator("#zl-messages")).to_contain_text("已上传附件：现场.jpg。")
    expect(page.locator("#matter-panel").get_by_role("link", name="现场.jpg")).to_be_visible()
    assert Attachment.objects.filter(matter=matter).count() == 1

    # A refused step keeps its form and says why; then the step itself.
    form = page.locator("#step-dispatched")
    form.locator("summary").click()
    form.get_by_role("button", name="分办").click()
    expect(page.locator("#step-dispatched .invalid-feedback")).to_be_visible()
    form = page.locator("#step-dispatched")
    form.get_by_label("牵头单位").select_option(label=f"\u3000{tree.judicial_office_a1.name}")
    form.get_by_role("button", name="分办").click()
    expect(page.locator("#zl-messages")).to_contain_text("已完成：分办。")
    expect(page.locator("#matter-panel .badge").first).to_have_text("待签收")
    assert page.evaluate("window.zlMarker") == "same page"
    screenshot(page, "workbench-dispatched")
    matter.refresh_from_db()
    assert matter.status == "dispatched" and Matter.objects.count() == 1


def test_intake_shows_possible_duplicates_as_the_clerk_types(page: Any) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    tree = testing.tree()
    clerk = testing.person("clerk-d", role="clerk", unit_=tree.township_a1)
    earlier, _created = actions.receive(
        actor=clerk,
        channel="hotline",
        description="楼上邻居装修每天早上七点就开始电钻，老人睡不好觉",
        category="neighbor",
        reporter_phone="13812345678",
        intake_unit=tree.township_a1,
    )
    sign_in(page, "clerk-d", testing.PASSWORD)
    page.goto("/matters/new/")
    page.get_by_label("反映人电话").fill("13812345678")
    page.get_by_label("反映人电话").press("Tab")  # a change: htmx asks for possible duplicates
    duplicates = page.locator("#duplicates")
    expect(duplicates.get_by_role("link", name=earlier.number)).to_be_visible(timeout=20_000)
    expect(duplicates).to_contain_text("同一反映人电话")
    screenshot(page, "intake-duplicates")


def test_a_matter_page_with_parties_fits_a_phone(browser: Any, live_server: Any) -> None:
    from zhili.web.tests.browser import PHONE

    tree = testing.tree()
    clerk = testing.person("clerk-p", role="clerk", unit_=tree.township_a1)
    matter, _created = actions.receive(
        actor=clerk,
        channel="walk_in",
        description="两家因为宅基地边界争执，已经动手推搡",
        category="homestead_housing",
        reporter_name="王五",
        reporter_phone="13812345678",
        parties=[{"name": "李四", "phone": "13987654321", "id_number": "11010519491231002X"}],
        intake_unit=tree.township_a1,
    )
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url, is_mobile=True)
    phone = context.new_page()
    sign_in(phone, "clerk-p", testing.PASSWORD)
    phone.goto(f"/matters/{matter.pk}/")
    for summary in phone.locator("details.zl-reveal > summary").all():
        summary.click()
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    screenshot(phone, "matter-reveal-phone")
    context.close()


def test_the_workbench_pages_pass_axe(browser: Any, live_server: Any) -> None:
    from zhili.web.tests.accessibility import describe, violations
    from zhili.web.tests.browser import DESKTOP

    tree = testing.tree()
    clerk = testing.person("clerk-a", role="clerk", unit_=tree.township_a1)
    testing.people.grant_role(clerk, tree.township_a2, "clerk")  # the unit switcher shows
    kwargs: dict[str, Any] = {
        "actor": clerk,
        "channel": "walk_in",
        "description": "两家因为宅基地边界争执，已经动手推搡",
        "category": "homestead_housing",
        "reporter_phone": "13812345678",
        "intake_unit": tree.township_a1,
    }
    actions.receive(**kwargs)
    repeat, _created = actions.receive(**kwargs, parties=[{"name": "李四", "phone": "13987654321"}])
    context = browser.new_context(viewport=DESKTOP, locale="zh-CN", base_url=live_server.url, bypass_csp=True)
    page = context.new_page()
    sign_in(page, "clerk-a", testing.PASSWORD)
    for url in ("/matters/", f"/matters/{repeat.pk}/", "/matters/new/"):
        page.goto(url)
        for summary in page.locator("details > summary").all():
            summary.click()
        found = violations(page)
        assert found == [], f"{url}\n{describe(found)}"
    context.close()
