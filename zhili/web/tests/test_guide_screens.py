"""The pages of roles that the other browser tests do not reach, walked once in Chromium for the
user guide's pictures (docs/user-guide.md): a leader supervises an overdue matter, a clerk
searches, an administrator opens the deadline rules. Each also checks what it shows."""

from __future__ import annotations

import datetime
from typing import Any

import pytest
from django.utils import timezone

from zhili import testing
from zhili.accounts.models import User
from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.web.tests.browser import screenshot, sign_in

pytestmark = pytest.mark.django_db(transaction=True)


def overdue_matter(tree: testing.Tree, clerk: Any) -> Matter:
    matter, _created = actions.receive(
        actor=clerk,
        channel="hotline",
        description="小区门口的路灯坏了一个多月，晚上老人出门看不见路，已经有人摔倒了",
        category="public_facility",
        risk="yellow",
        intake_unit=tree.township_a1,
        at=timezone.now() - datetime.timedelta(days=20),
    )
    return matter


def test_a_leader_supervises_an_overdue_matter(page: Any) -> None:
    tree = testing.tree()
    clerk = testing.person("guide-clerk", role="clerk", unit_=tree.township_a1)
    testing.person("guide-leader", role="leader", unit_=tree.county_a, full_name="郑主任")
    matter = overdue_matter(tree, clerk)
    sign_in(page, "guide-leader", testing.PASSWORD)
    page.goto("/matters/?queue=overdue")
    page.get_by_text(matter.number).first.click()
    form = page.locator("#step-supervised")
    form.locator("summary").click()
    form.get_by_label("督办意见").fill("已超期，请三日内修复路灯并回复群众，结果报中心。")
    form.get_by_role("button").last.click()
    page.get_by_text("已完成").first.wait_for()
    screenshot(page, "leader-supervise")
    matter.refresh_from_db()
    assert matter.supervised is True


def test_an_administrator_keeps_the_deadline_rules(page: Any) -> None:
    admin = testing.person("guide-admin", role="admin", unit_=testing.tree().city)
    User.objects.filter(pk=admin.pk).update(is_staff=True, is_superuser=True)
    sign_in(page, "guide-admin", testing.PASSWORD)
    page.goto("/admin/deadlines/deadlinerule/")
    assert page.get_by_role("heading", level=1).inner_text().strip() != ""
    assert "时限规则" in page.content() and "信访事项登记并转送、交办或告知" in page.content()
    screenshot(page, "admin-deadline-rules")
