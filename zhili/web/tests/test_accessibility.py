"""Each kind of page passes axe-core's WCAG 2.1 A/AA checks, on a desktop and on a phone."""

from __future__ import annotations

from typing import Any

import pytest

from zhili import testing
from zhili.matters import actions
from zhili.web.tests.accessibility import describe, violations
from zhili.web.tests.browser import DESKTOP, PHONE, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def checked(browser: Any, live_server: Any) -> Any:
    contexts = []

    def open_page(viewport: dict[str, int]) -> Any:
        context = browser.new_context(viewport=viewport, locale="zh-CN", base_url=live_server.url, bypass_csp=True)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(10_000)
        return page

    yield open_page
    for context in contexts:
        context.close()


def assert_accessible(page: Any, url: str) -> None:
    page.goto(url)
    page.wait_for_load_state()
    found = violations(page)
    assert not found, f"{url}:\n{describe(found)}"


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_public_pages(checked: Any, viewport: dict[str, int]) -> None:
    testing.tree()
    page = checked(viewport)
    for url in ["/accounts/login/", "/portal/", "/portal/report/", "/portal/track/"]:
        assert_accessible(page, url)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_staff_pages(checked: Any, viewport: dict[str, int]) -> None:
    tree = testing.tree()
    clerk = testing.person("a11y-clerk", role="clerk", unit_=tree.township_a1)
    matter, _created = actions.receive(
        actor=clerk,
        channel="walk_in",
        description="楼上邻居装修每天早上七点就开始电钻，老人睡不好觉",
        category="neighbor",
        reporter_name="王五",
        reporter_phone="13812345678",
        intake_unit=tree.township_a1,
    )
    page = checked(viewport)
    sign_in(page, "a11y-clerk", testing.PASSWORD)
    for url in ["/", "/matters/", "/matters/?queue=dispatch", f"/matters/{matter.pk}/", "/matters/new/"]:
        assert_accessible(page, url)


@pytest.mark.parametrize("viewport", [DESKTOP, PHONE], ids=["desktop", "phone"])
def test_administration_pages(checked: Any, viewport: dict[str, int]) -> None:
    tree = testing.tree()
    testing.person("a11y-admin", role="admin", unit_=tree.county_a)
    grid_worker = testing.person("a11y-grid", role="grid_worker", unit_=tree.grid_a1)
    page = checked(viewport)
    sign_in(page, "a11y-admin", testing.PASSWORD)
    unit = tree.community_a1.pk
    for url in [
        f"/org/units/{unit}/",
        f"/org/units/{unit}/add-child/",
        f"/org/units/{unit}/edit/",
        f"/org/units/{unit}/move/",
        f"/org/units/{unit}/delete/",
        "/people/new/",
        f"/people/{grid_worker.pk}/",
    ]:
        assert_accessible(page, url)
