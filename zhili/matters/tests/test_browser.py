"""In a real browser: a clerk finds a new matter in the inbox, dispatches it on the matter page,
and the handler of the other unit cannot open it."""

from __future__ import annotations

from typing import Any

import pytest

from zhili import testing
from zhili.matters import actions
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
    page.wait_for_load_state()
    assert page.get_by_text("已完成").first.is_visible()
    screenshot(page, "matter-dispatched")
    matter.refresh_from_db()
    assert matter.status == "dispatched" and matter.lead_unit_id == tree.judicial_office_a1.pk

    # A clerk of another county: the matter does not exist for them.
    page.context.clear_cookies()
    sign_in(page, "outsider-w", testing.PASSWORD)
    response = page.goto(f"/matters/{matter.pk}/")
    assert response is not None and response.status == 404
