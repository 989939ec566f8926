"""In a real browser: the clerks' keyboard shortcuts (static/zhili/shortcuts.js) under the pages'
CSP: "?" shows the help, j / k move through the inbox with a visible focus, o opens, "/" goes to
the filter box, keys typed into a field stay there, n and g i go to the intake screen and back."""

from __future__ import annotations

from typing import Any

import pytest

from zhili import testing
from zhili.matters import actions
from zhili.web.tests.browser import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_clerk_works_the_inbox_by_keyboard(page: Any) -> None:
    expect = pytest.importorskip("playwright.sync_api").expect
    tree = testing.tree()
    clerk = testing.person("clerk-k", role="clerk", unit_=tree.township_a1)
    matters = [
        actions.receive(
            actor=clerk,
            channel="hotline",
            description=f"第{number}件：小区路灯坏了好几天，晚上看不见路",
            category="public_facility",
            intake_unit=tree.township_a1,
        )[0]
        for number in range(3)
    ]
    errors: list[str] = []
    page.on("console", lambda message: errors.append(message.text) if message.type == "error" else None)
    sign_in(page, "clerk-k", testing.PASSWORD)
    page.goto("/matters/")

    page.keyboard.press("?")
    dialog = page.get_by_role("dialog", name="键盘快捷键")
    expect(dialog).to_be_visible()
    expect(dialog.get_by_text("在事项列表中选择下一条")).to_be_visible()
    expect(dialog).to_be_focused()  # the focus moves into the dialog, so Escape closes it
    screenshot(page, "shortcuts-help")
    page.keyboard.press("Escape")
    expect(dialog).to_be_hidden()

    rows = page.locator("[data-zl-row]")
    page.keyboard.press("j")
    expect(rows.nth(0)).to_have_class("zl-selected")
    page.keyboard.press("j")
    expect(rows.nth(1)).to_have_class("zl-selected")
    expect(rows.nth(1).get_by_role("link")).to_be_focused()
    page.keyboard.press("k")
    expect(rows.nth(0)).to_have_class("zl-selected")
    # The focus ring shows on the selected row's link (:focus-visible, 3px outline).
    assert page.evaluate("getComputedStyle(document.activeElement).outlineWidth") == "3px"
    screenshot(page, "shortcuts-selected")
    first = rows.nth(0).get_by_role("link").inner_text()

    page.keyboard.press("/")
    expect(page.locator("#id_q")).to_be_focused()
    page.keyboard.type("jk")  # typed into the box, not taken as shortcuts
    expect(page.locator("#id_q")).to_have_value("jk")
    expect(rows.nth(0)).to_have_class("zl-selected")
    page.locator("#id_q").fill("")

    rows.nth(0).get_by_role("link").focus()
    page.keyboard.press("o")
    page.wait_for_url("**/matters/*/")
    expect(page.get_by_role("heading", level=1)).to_contain_text(first)

    page.keyboard.press("g")
    page.keyboard.press("i")
    page.wait_for_url("**/matters/")
    page.keyboard.press("n")
    page.wait_for_url("**/matters/new/")
    expect(page.get_by_label("诉求内容")).to_be_visible()
    # The search page (linked in the menu): "/" goes to its search box.
    page.get_by_role("navigation", name="主导航").get_by_role("link", name="搜索").click()
    page.wait_for_url("**/matters/search/**")
    page.keyboard.press("/")
    expect(page.locator("input[type=search]")).to_be_focused()
    assert {m.number for m in matters} >= {first}
    assert not [e for e in errors if "Content Security Policy" in e or "Refused" in e], errors
