"""Django admin for the rarely edited tables (taxonomy, deadline rules, holidays): in Chinese, for
platform operators only, linked from their user menu; edits there go through the models' checks
and into the audit log like every other change."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts.models import User
from zhili.audit.models import AuditEvent
from zhili.deadlines.models import DeadlineRule, HolidaySchedule
from zhili.taxonomy.models import Category, CoHandlingRule, Kind, RiskLevel, UnitType

pytestmark = pytest.mark.django_db

MODELS = [Kind, Category, RiskLevel, UnitType, CoHandlingRule, DeadlineRule, HolidaySchedule]


@pytest.fixture
def operator() -> User:
    user = testing.person("operator")
    user.is_superuser = user.is_staff = True
    user.save()
    return user


def changelist(model: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")


def signed_in(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_an_operator_opens_every_changelist_in_chinese(operator: User) -> None:
    client = signed_in(operator)
    index = client.get(reverse("admin:index")).content.decode()
    assert "站点管理" in index and "分类体系" in index and "计时" in index and "时限规则" in index
    for model in MODELS:
        response = client.get(changelist(model))
        assert response.status_code == 200, model
        html = response.content.decode()
        assert f"选择 {model._meta.verbose_name} 来修改" in html, model
    search = client.get(changelist(Category), {"q": "邻里"}).content.decode()
    assert "邻里纠纷" in search
    assert client.get(reverse("admin:deadlines_deadlinerule_add")).status_code == 200


def test_the_admin_holds_only_zhilis_tables_and_speaks_chinese_throughout(operator: User) -> None:
    # Sign-in lockouts, second factors, API tokens and roles are kept on the people pages, within
    # the administrator's units and through the audit log: not in the admin, past both.
    index = signed_in(operator).get(reverse("admin:index")).content.decode()
    for english in ("Axes", "Access attempts", "Auth tokens", "TOTP devices", "Static devices", "Model name"):
        assert english not in index
    assert "模型名称" in index and "认证和授权" not in index  # Django's groups: Zhili's roles are memberships
    assert signed_in(operator).get("/admin/otp_totp/totpdevice/").status_code == 404


def test_clerks_and_staff_flags_alone_do_not_get_in(tree: testing.Tree) -> None:
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    staff = testing.person("staff-flag", role="admin", unit_=tree.city)
    staff.is_staff = True
    staff.save()
    for user in (clerk, staff):
        client = signed_in(user)
        for model in MODELS:
            response = client.get(changelist(model))
            assert response.status_code == 302 and "/admin/login/" in response["Location"], (user, model)
        assert reverse("admin:index") not in client.get(reverse("web:home")).content.decode()


def test_the_user_menu_links_operators_to_the_admin(operator: User) -> None:
    html = signed_in(operator).get(reverse("web:home")).content.decode()
    assert f'href="{reverse("admin:index")}">管理后台</a>' in html


def test_edits_in_the_admin_are_checked_and_logged(operator: User) -> None:
    client = signed_in(operator)
    kind = Kind.objects.get(code="dispute")
    change = reverse("admin:taxonomy_kind_change", args=[kind.code])
    response = client.post(
        change, {"name_zh": "矛盾纠纷（调整）", "name_en": kind.name_en, "aliases": "", "active": "on"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.filter(kind="update", object_id=kind.code).latest("pk")
    assert event.actor == operator and event.changes["name_zh"] == ("矛盾纠纷", "矛盾纠纷（调整）")
    # A rule whose category belongs to another kind is refused, with the model's own message.
    refused = client.post(
        reverse("admin:deadlines_deadlinerule_add"),
        {
            "code": "local-neighbor",
            "name": "本地邻里纠纷时限",
            "stage": "resolve",
            "kind": "request",
            "category": "neighbor",
            "amount": "10",
            "unit": "working_days",
            "extendable_by": "0",
            "active": "on",
        },
    )
    assert refused.status_code == 200
    assert "不属于该事项类型" in refused.content.decode()
    assert not DeadlineRule.objects.filter(code="local-neighbor").exists()
