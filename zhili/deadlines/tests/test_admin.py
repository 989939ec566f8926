"""Operators edit rules and holiday days in Django admin; shipped rules cannot be deleted there."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts.models import User
from zhili.deadlines.models import DeadlineRule, HolidaySchedule

pytestmark = pytest.mark.django_db


@pytest.fixture
def operator(client: Client) -> Client:
    user = testing.person("operator")
    User.objects.filter(pk=user.pk).update(is_superuser=True, is_staff=True)
    client.force_login(user)
    return client


def test_operators_see_rules_and_edit_one(operator: Client) -> None:
    assert operator.get(reverse("admin:deadlines_deadlinerule_changelist")).status_code == 200
    url = reverse("admin:deadlines_deadlinerule_change", args=["request-resolve-green"])
    assert operator.get(url).status_code == 200
    data = {"name": "绿色诉求办结", "stage": "resolve", "kind": "request", "risk": "green", "amount": 5}
    data |= {"unit": "working_days", "extendable_by": 10, "legal_basis": "本县规定", "active": "on"}
    assert operator.post(url, data).status_code == 302
    edited = DeadlineRule.objects.get(code="request-resolve-green")
    assert (edited.amount, edited.extendable_by, edited.builtin) == (5, 10, True)


def test_a_duplicate_active_rule_is_refused_with_a_message(operator: Client) -> None:
    data = {"code": "dup", "name": "dup", "stage": "respond", "kind": "request", "risk": "red"}
    data |= {"amount": 10, "unit": "minutes", "extendable_by": 0, "active": "on"}
    page = operator.post(reverse("admin:deadlines_deadlinerule_add"), data)
    assert page.status_code == 200
    assert "已有同一环节、同一适用范围的启用规则。" in page.content.decode()


def test_shipped_rules_offer_no_delete(operator: Client) -> None:
    url = reverse("admin:deadlines_deadlinerule_delete", args=["petition-decide"])
    assert operator.post(url, {"post": "yes"}).status_code == 403
    assert DeadlineRule.objects.filter(code="petition-decide").exists()


def test_a_weekday_make_up_day_is_refused(operator: Client) -> None:
    data = {"year": 2027, "date": "2027-09-27", "kind": "workday", "name": "国庆节"}
    page = operator.post(reverse("admin:deadlines_holidayschedule_add"), data)
    assert "调休上班日应为周六或周日。" in page.content.decode()
    assert not HolidaySchedule.objects.exists()
