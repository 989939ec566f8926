"""Managing people on the web: a county administrator creates people with a first role, edits
them, resets passwords, grants and revokes roles and helps with locked accounts, within their own
county only. Every change is audited with its reason; refused input changes nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice
from knox.models import AuthToken

from zhili import testing
from zhili.accounts import services
from zhili.accounts.models import Membership, User
from zhili.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
Kind = AuditEvent.Kind
PHONE = "13812345678"
NEW_PASSWORD = "Lantern-river-2026"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(tree: testing.Tree) -> dict[str, User]:
    """An administrator and a clerk of 甲县, an administrator of 乙县, and a grid worker of 甲县."""
    return {
        "admin": testing.person("admin-a", role="admin", unit_=tree.county_a),
        "clerk": testing.person("clerk-a", role="clerk", unit_=tree.county_a),
        "admin_b": testing.person("admin-b", role="admin", unit_=tree.county_b),
        "grid": testing.person("grid", role="grid_worker", unit_=tree.grid_a1, phone=PHONE, full_name="张网格"),
    }


def url(name: str, person: User, *args: Any) -> str:
    return reverse(f"accounts:{name}", args=[person.pk, *args])


def sign_in(username: str, password: str) -> Any:
    return Client().post(reverse("accounts:login"), {"username": username, "password": password})


def new_person(tree: testing.Tree, **overrides: Any) -> dict[str, Any]:
    data = {
        "username": "li-clerk",
        "full_name": "李受理",
        "phone": "139 0000 1111",
        "id_number": "",
        "password": NEW_PASSWORD,
        "password_again": NEW_PASSWORD,
        "unit": tree.township_a1.pk,
        "role": "clerk",
        "title": "受理员",
        "reason": "新进人员",
    }
    data.update(overrides)
    return data


# ---------------------------------------------------------------- who sees what


def test_an_administrator_sees_the_management_forms(people: dict[str, User]) -> None:
    client = signed_in(people["admin"])
    assert reverse("accounts:person_create") in client.get(reverse("accounts:person_list")).content.decode()
    html = client.get(url("person_detail", people["grid"])).content.decode()
    for name in ("person_edit", "person_password", "person_grant", "person_reset_second_factor", "person_unlock"):
        assert url(name, people["grid"]) in html
    membership = people["grid"].memberships.get()
    assert url("membership_revoke", people["grid"], membership.pk) in html
    assert 'for="id_edit-full_name"' in html and 'for="id_grant-unit"' in html
    assert PHONE not in html  # the edit form never carries the stored phone number


def test_a_clerk_sees_no_management_and_is_refused(people: dict[str, User]) -> None:
    client, grid = signed_in(people["clerk"]), people["grid"]
    assert reverse("accounts:person_create") not in client.get(reverse("accounts:person_list")).content.decode()
    html = client.get(url("person_detail", grid)).content.decode()
    assert url("person_edit", grid) not in html and "重设密码" not in html and "账号安全" not in html
    before = AuditEvent.objects.count()
    membership = grid.memberships.get()
    posts = [
        (url("person_edit", grid), {"edit-full_name": "改名", "edit-reason": "试试"}),
        (url("person_password", grid), {"password-password": NEW_PASSWORD, "password-password_again": NEW_PASSWORD}),
        (url("person_grant", grid), {"grant-unit": grid.pk, "grant-role": "admin", "grant-reason": "试试"}),
        (url("membership_revoke", grid, membership.pk), {f"m{membership.pk}-revoke-confirm": "on"}),
        (url("person_unlock", grid), {"unlock-reason": "试试"}),
        (url("person_revoke_tokens", grid), {"tokens-reason": "试试"}),
    ]
    for action, data in posts:
        assert client.post(action, data).status_code == 403, action
    assert client.get(reverse("accounts:person_create")).status_code == 403
    assert client.post(reverse("accounts:person_create"), {}).status_code == 403
    grid.refresh_from_db()
    assert grid.full_name == "张网格" and grid.memberships.exists()
    assert AuditEvent.objects.count() == before


def test_an_administrator_of_another_county_gets_404(people: dict[str, User]) -> None:
    client, grid = signed_in(people["admin_b"]), people["grid"]
    assert client.get(url("person_detail", grid)).status_code == 404
    membership = grid.memberships.get()
    assert client.post(url("person_edit", grid), {"edit-full_name": "改名", "edit-reason": "试试"}).status_code == 404
    assert client.post(url("membership_revoke", grid, membership.pk), {}).status_code == 404
    assert client.post(url("person_reset_second_factor", grid), {"second_factor-reason": "试试"}).status_code == 404
    assert grid.memberships.exists()


def test_roles_outside_reach_are_neither_shown_nor_managed(people: dict[str, User], tree: testing.Tree) -> None:
    grid = people["grid"]
    elsewhere = services.grant_role(grid, tree.county_b, "handler")
    client = signed_in(people["admin"])
    html = client.get(url("person_detail", grid)).content.decode()
    assert "乙县" not in html
    response = client.post(
        url("membership_revoke", grid, elsewhere.pk), {f"m{elsewhere.pk}-revoke-confirm": "on", "reason": "试试"}
    )
    assert response.status_code == 404
    assert Membership.objects.filter(pk=elsewhere.pk).exists()


def test_actions_are_post_only(people: dict[str, User]) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    before = AuditEvent.objects.count()
    for name in ("person_edit", "person_password", "person_unlock", "person_revoke_tokens"):
        assert client.get(url(name, grid)).status_code == 405
    assert AuditEvent.objects.count() == before


# ---------------------------------------------------------------- creating


def test_an_administrator_creates_a_person_with_a_first_role(people: dict[str, User], tree: testing.Tree) -> None:
    client = signed_in(people["admin"])
    assert 'for="id_unit"' in client.get(reverse("accounts:person_create")).content.decode()
    response = client.post(reverse("accounts:person_create"), new_person(tree))
    person = User.objects.get(username="li-clerk")
    assert response.status_code == 302 and response["Location"] == url("person_detail", person)
    assert person.full_name == "李受理" and person.phone == "13900001111"
    membership = person.memberships.get()
    assert (membership.unit, membership.role, membership.title) == (tree.township_a1, "clerk", "受理员")
    created = AuditEvent.objects.get(kind=Kind.CREATE, object_id=str(person.pk), content_type__model="user")
    assert created.actor == people["admin"] and created.reason == "新进人员"
    assert AuditEvent.objects.get(kind=Kind.PERMISSION, object_id=str(membership.pk)).reason == "新进人员"
    page = client.get(response["Location"]).content.decode()
    assert "已新建人员“李受理”。" in page
    assert sign_in("li-clerk", NEW_PASSWORD).status_code == 302


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"username": "grid"}, "账号“grid”已存在。"),
        ({"password": "83920174651", "password_again": "83920174651"}, "密码只包含数字。"),
        ({"password_again": "Lantern-river-2027"}, "两次输入的密码不一致。"),
        ({"unit": "county_b"}, "单位不存在或不在您的管理范围内。"),
        ({"unit": "city", "role": "admin"}, "单位不存在或不在您的管理范围内。"),
        ({"phone": "12345"}, "手机号码格式不正确。"),
        ({"reason": ""}, "请填写原因。"),
    ],
)
def test_refused_creations_write_nothing(
    people: dict[str, User], tree: testing.Tree, overrides: dict[str, Any], message: str
) -> None:
    if overrides.get("unit") in ("county_b", "city"):
        overrides["unit"] = getattr(tree, overrides["unit"]).pk
    client = signed_in(people["admin"])
    users, events = User.objects.count(), AuditEvent.objects.count()
    response = client.post(reverse("accounts:person_create"), new_person(tree, **overrides))
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and 'aria-invalid="true"' in html
    assert NEW_PASSWORD not in html  # passwords are not sent back
    assert User.objects.count() == users and AuditEvent.objects.count() == events


def test_a_weak_password_is_explained_in_chinese(people: dict[str, User], tree: testing.Tree) -> None:
    data = new_person(tree, password="password", password_again="password")
    html = signed_in(people["admin"]).post(reverse("accounts:person_create"), data).content.decode()
    assert "这个密码太常见了。" in html


# ---------------------------------------------------------------- editing and passwords


def test_an_administrator_edits_a_person(people: dict[str, User]) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    data = {"edit-full_name": "张网格员", "edit-phone": "", "edit-id_number": "", "edit-reason": "改正姓名"}
    response = client.post(url("person_edit", grid), data)  # is_active unticked: deactivated
    assert response.status_code == 302 and response["Location"] == url("person_detail", grid)
    grid.refresh_from_db()
    assert grid.full_name == "张网格员" and not grid.is_active
    assert grid.phone == PHONE  # a blank phone keeps the stored number
    # Deactivating changes what the account may do, so the log files it as a permission change.
    event = AuditEvent.objects.get(kind=Kind.PERMISSION, content_type__model="user", object_id=str(grid.pk))
    assert event.reason == "改正姓名" and event.actor == people["admin"]
    assert event.before["full_name"] == "张网格" and event.after["full_name"] == "张网格员"
    assert "已保存人员信息。" in client.get(response["Location"]).content.decode()

    client.post(url("person_edit", grid), {**data, "edit-is_active": "on", "edit-clear_phone": "on"})
    grid.refresh_from_db()
    assert grid.is_active and grid.phone == ""


def test_an_invalid_edit_shows_the_form_again(people: dict[str, User]) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    events = AuditEvent.objects.count()
    data = {"edit-full_name": "张网格", "edit-phone": "000", "edit-is_active": "on", "edit-reason": "更新电话"}
    response = client.post(url("person_edit", grid), data)
    assert response.status_code == 400
    assert "手机号码格式不正确。" in response.content.decode()
    assert AuditEvent.objects.count() == events


def test_an_administrator_resets_a_password(people: dict[str, User]) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    data = {"password-password": NEW_PASSWORD, "password-password_again": NEW_PASSWORD, "password-reason": "忘记密码"}
    response = client.post(url("person_password", grid), data)
    assert response.status_code == 302
    assert sign_in("grid", testing.PASSWORD).status_code == 200  # the old password no longer works
    assert sign_in("grid", NEW_PASSWORD).status_code == 302
    event = AuditEvent.objects.get(kind=Kind.UPDATE, data__op="set_password")
    assert event.reason == "忘记密码" and NEW_PASSWORD not in str(event.data)


@pytest.mark.parametrize(
    ("password", "again", "message"),
    [
        (NEW_PASSWORD, "Lantern-river-2027", "两次输入的密码不一致。"),
        ("83920174651", "83920174651", "密码只包含数字。"),
        ("Kx7-river", "Kx7-river", "密码长度太短。密码必须包含至少 10 个字符。"),  # zhili/locale/zh_Hans
    ],
)
def test_a_refused_password_changes_nothing(people: dict[str, User], password: str, again: str, message: str) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    data = {"password-password": password, "password-password_again": again, "password-reason": "忘记密码"}
    response = client.post(url("person_password", grid), data)
    assert response.status_code == 400 and message in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert sign_in("grid", testing.PASSWORD).status_code == 302
    assert not AuditEvent.objects.filter(data__op="set_password").exists()


# ---------------------------------------------------------------- roles


def test_an_administrator_grants_retitles_and_revokes_a_role(people: dict[str, User], tree: testing.Tree) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    response = client.post(
        url("person_grant", grid),
        {"grant-unit": tree.township_a2.pk, "grant-role": "mediator", "grant-title": "", "grant-reason": "兼任调解员"},
    )
    assert response.status_code == 302
    membership = grid.memberships.get(unit=tree.township_a2)
    assert membership.role == "mediator"
    granted = AuditEvent.objects.get(kind=Kind.PERMISSION, object_id=str(membership.pk))
    assert granted.reason == "兼任调解员" and granted.actor == people["admin"]

    prefix = f"m{membership.pk}-retitle"
    response = client.post(
        url("membership_retitle", grid, membership.pk), {f"{prefix}-title": "专职调解员", f"{prefix}-reason": "定岗"}
    )
    assert response.status_code == 302
    membership.refresh_from_db()
    assert membership.title == "专职调解员"
    assert AuditEvent.objects.filter(kind=Kind.PERMISSION, object_id=str(membership.pk), reason="定岗").exists()

    prefix = f"m{membership.pk}-revoke"
    refused = client.post(url("membership_revoke", grid, membership.pk), {f"{prefix}-reason": "调离"})
    assert refused.status_code == 400 and "请勾选确认后再撤销。" in refused.content.decode()
    assert Membership.objects.filter(pk=membership.pk).exists()
    response = client.post(
        url("membership_revoke", grid, membership.pk), {f"{prefix}-confirm": "on", f"{prefix}-reason": "调离"}
    )
    assert response.status_code == 302
    assert not Membership.objects.filter(pk=membership.pk).exists()
    assert AuditEvent.objects.filter(kind=Kind.PERMISSION, object_id=str(membership.pk), reason="调离").count() == 1
    assert "已撤销任职" in client.get(response["Location"]).content.decode()


@pytest.mark.parametrize(
    ("unit", "role", "by_code"), [("county_b", "clerk", False), ("city", "admin", False), ("county_b", "admin", True)]
)
def test_roles_cannot_be_granted_outside_reach(
    people: dict[str, User], tree: testing.Tree, unit: str, role: str, by_code: bool
) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    events = AuditEvent.objects.count()
    place = getattr(tree, unit)
    picked = {"grant-unit_code": place.code} if by_code else {"grant-unit": place.pk}
    response = client.post(url("person_grant", grid), {**picked, "grant-role": role, "grant-reason": "越权"})
    assert response.status_code == 400
    assert "单位不存在或不在您的管理范围内。" in response.content.decode()
    assert grid.memberships.count() == 1 and AuditEvent.objects.count() == events


def test_a_duplicate_role_is_refused_on_the_form(people: dict[str, User], tree: testing.Tree) -> None:
    grid = people["grid"]
    response = signed_in(people["admin"]).post(
        url("person_grant", grid),
        {"grant-unit_code": tree.grid_a1.code, "grant-role": "grid_worker", "grant-reason": "重复"},
    )
    assert response.status_code == 400 and "该人员在此单位已有这个角色。" in response.content.decode()


def test_a_unit_below_the_pick_list_is_given_by_its_code(people: dict[str, User], tree: testing.Tree) -> None:
    client = signed_in(people["admin"])
    form = client.get(reverse("accounts:person_create")).content.decode()
    assert f'value="{tree.township_a1.pk}"' in form and f'value="{tree.grid_a1.pk}"' not in form
    data = new_person(tree, unit="", unit_code=tree.grid_a1.code, role="grid_worker")
    assert client.post(reverse("accounts:person_create"), data).status_code == 302
    assert User.objects.get(username="li-clerk").memberships.get().unit == tree.grid_a1
    both = new_person(tree, username="zhao", unit_code=tree.grid_a1.code)
    response = client.post(reverse("accounts:person_create"), both)
    assert response.status_code == 400 and "不要同时填写" in response.content.decode()


# ---------------------------------------------------------------- account security


def test_an_administrator_resets_the_second_factor(people: dict[str, User]) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    TOTPDevice.objects.create(user=grid, name="手机", confirmed=True)
    assert "已绑定验证器" in client.get(url("person_detail", grid)).content.decode()
    response = client.post(url("person_reset_second_factor", grid), {"second_factor-reason": "手机丢失"})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=grid).exists()
    event = AuditEvent.objects.get(kind=Kind.UPDATE, data__op="reset_second_factor")
    assert event.reason == "手机丢失" and event.data["devices"] == 1
    page = client.get(response["Location"]).content.decode()
    assert "已重置双因素认证" in page and "未绑定" in page


def test_an_administrator_unlocks_a_locked_account(people: dict[str, User]) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in("grid", "wrong-password")
    assert sign_in("grid", testing.PASSWORD).status_code == 429
    assert "因多次登录失败已被锁定" in client.get(url("person_detail", grid)).content.decode()

    response = client.post(url("person_unlock", grid), {"unlock-reason": "本人来电核实"})
    assert response.status_code == 302
    assert "未锁定" in client.get(response["Location"]).content.decode()
    event = AuditEvent.objects.get(kind=Kind.UPDATE, data__op="unlock")
    assert event.reason == "本人来电核实" and event.data["attempts"] >= 1
    assert sign_in("grid", testing.PASSWORD).status_code == 302


def test_an_administrator_revokes_all_api_tokens(people: dict[str, User]) -> None:
    client, grid = signed_in(people["admin"]), people["grid"]
    services.issue_token(grid, reason="对接")
    services.issue_token(grid, reason="对接")
    response = client.post(url("person_revoke_tokens", grid), {"tokens-reason": "对接停用"})
    assert response.status_code == 302
    assert not AuthToken.objects.filter(user=grid).exists()
    event = AuditEvent.objects.get(kind=Kind.TOKEN, data__op="revoke_all")
    assert event.reason == "对接停用" and event.data["count"] == 2
    assert "已撤销 2 个接口令牌。" in client.get(response["Location"]).content.decode()


def test_a_security_action_needs_a_reason(people: dict[str, User]) -> None:
    grid = people["grid"]
    TOTPDevice.objects.create(user=grid, name="手机", confirmed=True)
    response = signed_in(people["admin"]).post(url("person_reset_second_factor", grid), {"second_factor-reason": ""})
    assert response.status_code == 400 and "请填写原因。" in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    assert TOTPDevice.objects.filter(user=grid).exists()


@pytest.fixture
def above(people: dict[str, User], tree: testing.Tree) -> dict[str, User]:
    """People who hold a role in 甲县 but reach beyond it: the city's administrator, who also
    serves as a mediator of 甲一镇, and a platform superuser who is a clerk of 甲一镇."""
    city_admin = testing.person("city-admin", role="admin", unit_=tree.city)
    services.grant_role(city_admin, tree.township_a1, "mediator")
    superuser = testing.person("platform-op", role="clerk", unit_=tree.township_a1)
    User.objects.filter(pk=superuser.pk).update(is_superuser=True)
    return {"city_admin": city_admin, "superuser": User.objects.get(pk=superuser.pk)}


ACCOUNT_POSTS = {
    "person_edit": {"edit-full_name": "冒名", "edit-is_active": "on", "edit-reason": "试试"},
    "person_password": {
        "password-password": NEW_PASSWORD,
        "password-password_again": NEW_PASSWORD,
        "password-reason": "试试",
    },
    "person_reset_second_factor": {"second_factor-reason": "试试"},
    "person_unlock": {"unlock-reason": "试试"},
    "person_revoke_tokens": {"tokens-reason": "试试"},
}


@pytest.mark.parametrize("who", ["city_admin", "superuser"])
def test_a_county_administrator_cannot_take_over_an_account_that_reaches_beyond_the_county(
    people: dict[str, User], above: dict[str, User], who: str
) -> None:
    person, client = above[who], signed_in(people["admin"])
    page = client.get(url("person_detail", person)).content.decode()
    assert "由上级单位的管理员维护" in page and "重设密码" not in page and "重置双因素认证" not in page
    for name, data in ACCOUNT_POSTS.items():
        assert client.post(url(name, person), data).status_code == 403, name
    assert sign_in(person.username, testing.PASSWORD).status_code == 302  # the password is unchanged
    assert User.objects.get(pk=person.pk).full_name != "冒名"
    assert not AuditEvent.objects.filter(reason="试试").exists()
    # Nor through the API: the same rule (User.objects.restrict, "change").
    api = testing.api_client(people["admin"])
    response = api.patch(f"/api/v1/people/{person.pk}/", {"full_name": "冒名"}, format="json")
    assert response.status_code in {403, 404} and User.objects.get(pk=person.pk).full_name != "冒名"


def test_the_roles_within_the_county_of_such_a_person_stay_the_county_administrators(
    people: dict[str, User], above: dict[str, User], tree: testing.Tree
) -> None:
    person, client = above["city_admin"], signed_in(people["admin"])
    membership = person.memberships.get(unit=tree.township_a1)
    prefix = f"m{membership.pk}-retitle"
    retitled = client.post(
        url("membership_retitle", person, membership.pk), {f"{prefix}-title": "兼职调解员", f"{prefix}-reason": "定岗"}
    )
    assert retitled.status_code == 302
    granted = client.post(
        url("person_grant", person),
        {"grant-unit": tree.township_a2.pk, "grant-role": "mediator", "grant-title": "", "grant-reason": "兼任"},
    )
    assert granted.status_code == 302 and person.memberships.filter(unit=tree.township_a2).exists()
    # The city administrator, whose scope holds every role of the person, manages the account.
    assert (
        "重设密码"
        in signed_in(testing.person("city-admin-2", role="admin", unit_=tree.city))
        .get(url("person_detail", person))
        .content.decode()
    )
