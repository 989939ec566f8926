"""In a real browser: signing in, the layout on a phone, labels for every input."""

from __future__ import annotations

from typing import Any

import pytest

from zhili import testing
from zhili.web.tests.browser import PHONE, screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)

UNLABELLED = """() => [...document.querySelectorAll('input, select, textarea')]
  .filter(e => e.type !== 'hidden' && e.type !== 'submit')
  .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
  .map(e => e.name || e.id)"""


def test_a_clerk_signs_in_and_sees_the_home_page(page: Any) -> None:
    tree = testing.tree()
    testing.person("clerk-b", role="clerk", unit_=tree.township_a1, full_name="王晓红")
    page.goto("/")
    assert "/accounts/login/" in page.url  # anonymous visitors are sent to sign in
    assert page.evaluate(UNLABELLED) == []
    screenshot(page, "sign-in")
    sign_in(page, "clerk-b", testing.PASSWORD)
    assert "/accounts/login/" not in page.url
    assert page.get_by_text("王晓红").first.is_visible()
    screenshot(page, "home-clerk")


def test_wrong_password_is_refused_in_chinese(page: Any) -> None:
    testing.person("clerk-c", role="clerk", unit_=testing.tree().township_a1)
    sign_in(page, "clerk-c", "not-the-password")
    assert "/accounts/login/" in page.url
    assert page.locator(".alert, .invalid-feedback").first.inner_text()


def test_the_sign_in_page_fits_a_phone(browser: Any, live_server: Any) -> None:
    context = browser.new_context(viewport=PHONE, locale="zh-CN", base_url=live_server.url, is_mobile=True)
    phone = context.new_page()
    phone.goto("/accounts/login/")
    assert phone.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]
    # Usable by keyboard: the account field has the focus, Tab goes to the password, then the button.
    assert phone.evaluate("document.activeElement.name") == "username"
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.name") == "password"
    phone.keyboard.press("Tab")
    assert phone.evaluate("document.activeElement.type") == "submit"
    screenshot(phone, "sign-in-phone")
    context.close()
