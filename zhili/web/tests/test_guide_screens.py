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


def test_an_administrator_adds_a_grid_and_a_grid_worker(page: Any) -> None:
    """单位管理 and 人员管理: a county's administrator adds a grid under a community, then a grid
    worker with the grid as their first role; both appear as the administrator sees them."""
    tree = testing.tree()
    testing.person("guide-county-admin", role="admin", unit_=tree.county_a, full_name="孙管理")
    sign_in(page, "guide-county-admin", testing.PASSWORD)

    page.goto(f"/org/units/{tree.community_a1.pk}/")
    page.get_by_role("link", name="新建下级单位").click()
    page.get_by_label("名称", exact=True).fill("甲一社区第三网格")
    page.get_by_label("代码", exact=True).fill("G-A1-03")
    page.get_by_label("单位类型").select_option(label="网格")
    page.get_by_label("原因").fill("社区网格调整，新增第三网格")
    page.get_by_role("button", name="新建", exact=True).click()
    page.get_by_text("已新建单位").wait_for()
    screenshot(page, "admin-unit-new")

    page.goto("/people/new/")
    page.get_by_label("账号", exact=True).fill("grid-a1-03")
    page.get_by_label("姓名", exact=True).fill("陈网格")
    page.get_by_label("手机号码", exact=True).fill("13700001111")
    page.get_by_label("初始密码", exact=True).fill("Lantern-river-2026")
    page.get_by_label("再次输入初始密码").fill("Lantern-river-2026")
    page.get_by_label("或填写单位代码").fill("G-A1-03")
    page.get_by_label("角色", exact=True).select_option(label="网格员")
    page.get_by_label("原因").fill("新聘网格员")
    screenshot(page, "admin-person-new")
    page.get_by_role("button", name="新建", exact=True).click()
    page.get_by_text("已新建人员").wait_for()
    assert "甲一社区第三网格" in page.content() and "账号安全" in page.content()
    screenshot(page, "admin-person")
    person = User.objects.get(username="grid-a1-03")
    assert person.memberships.get().unit.code == "G-A1-03"
