"""Signing in: password (throttled by django-axes), then TOTP when the account requires it."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhili import testing
from zhili.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
Kind = AuditEvent.Kind


def sign_in(client: Client, username: str, password: str = testing.PASSWORD, **extra: str):
    return client.post(reverse("accounts:login"), {"username": username, "password": password, **extra})


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The device's current code; steps_ahead=1 gives the next window's (still inside tolerance)."""
    device.refresh_from_db()
    value = totp(device.bin_key, step=device.step, t0=device.t0, digits=device.digits, drift=device.drift + steps_ahead)
    return f"{value:06d}"


def test_a_right_password_signs_in_and_is_audited(client: Client, tree: testing.Tree) -> None:
    user = testing.person("wang", role="clerk", unit_=tree.county_a)
    response = sign_in(client, "wang")
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    assert client.get(reverse("web:home")).status_code == 200
    event = AuditEvent.objects.get(kind=Kind.LOGIN)
    assert event.actor == user and event.source == "web" and event.address == "127.0.0.1"


def test_a_wrong_password_is_refused_in_chinese_and_audited(client: Client, tree: testing.Tree) -> None:
    testing.person("wang", role="clerk", unit_=tree.county_a)
    response = sign_in(client, "wang", "wrong-password")
    assert response.status_code == 200
    assert "账号或密码不正确。" in response.content.decode()
    assert client.get(reverse("web:home")).status_code == 302
    event = AuditEvent.objects.get(kind=Kind.LOGIN_FAILED)
    assert event.actor_name == "wang" and event.actor is None
    assert not AuditEvent.objects.filter(kind=Kind.LOGIN).exists()


def test_repeated_failures_lock_the_account(client: Client, tree: testing.Tree) -> None:
    testing.person("wang", role="clerk", unit_=tree.county_a)
    limit = settings.AXES_FAILURE_LIMIT
    for _attempt in range(limit - 1):
        assert sign_in(client, "wang", "wrong-password").status_code == 200
    response = sign_in(client, "wang", "wrong-password")
    assert response.status_code == 429
    html = response.content.decode()
    minutes = int(settings.AXES_COOLOFF_TIME * 60)
    assert f"该账号已被锁定 {minutes} 分钟" in html and f"连续 {limit} 次登录失败" in html
    assert AuditEvent.objects.filter(kind=Kind.LOCKED_OUT, actor_name="wang").count() == 1
    assert AuditEvent.objects.filter(kind=Kind.LOGIN_FAILED, actor_name="wang").count() == limit
    # Even the right password is refused while the lock lasts.
    response = sign_in(client, "wang")
    assert response.status_code == 429
    assert client.get(reverse("web:home")).status_code == 302
    assert not AuditEvent.objects.filter(kind=Kind.LOGIN).exists()


def test_the_lockout_does_not_affect_other_accounts(client: Client, tree: testing.Tree) -> None:
    testing.person("wang", role="clerk", unit_=tree.county_a)
    testing.person("li", role="clerk", unit_=tree.county_a)
    for _attempt in range(settings.AXES_FAILURE_LIMIT):
        sign_in(client, "wang", "wrong-password")
    assert sign_in(client, "li").status_code == 302


def path(response: Any) -> str:
    """Where a redirect points, without its query string (the ?next= of the page asked for)."""
    return str(response["Location"]).split("?")[0]


def test_totp_setup_then_sign_in_with_a_code(client: Client, tree: testing.Tree) -> None:
    user = testing.person("wang", role="clerk", unit_=tree.county_a)
    sign_in(client, "wang")
    setup = reverse("accounts:otp_setup")

    # A GET shows the start button and creates nothing.
    response = client.get(setup)
    assert "开始设置" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()

    assert client.post(setup, {"action": "start"})["Location"] == setup
    device = TOTPDevice.objects.get(user=user, confirmed=False)
    html = client.get(setup).content.decode()
    assert "<svg" in html and "<?xml" not in html
    import base64

    assert base64.b32encode(device.bin_key).decode() in html

    response = client.post(setup, {"action": "confirm", "token": code(device)})
    assert response.status_code == 302 and response["Location"] == reverse("web:home")
    device.refresh_from_db()
    assert device.confirmed
    assert AuditEvent.objects.filter(kind=Kind.UPDATE, actor=user, data__op="otp_device_confirmed").exists()
    assert client.get(reverse("web:home")).status_code == 200

    # Next sign-in: the password alone does not open any page.
    client.post(reverse("accounts:logout"))
    sign_in(client, "wang")
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and path(response) == reverse("accounts:otp_verify")
    # The page asked for is where the code leads back to.
    asked = client.get(reverse("org:unit_list"))["Location"]
    assert asked == reverse("accounts:otp_verify") + "?next=%2Forg%2Funits%2F"
    # Nor can an unverified session replace the device.
    assert path(client.get(setup)) == reverse("accounts:otp_verify")
    assert path(client.post(setup, {"action": "start"})) == reverse("accounts:otp_verify")
    assert TOTPDevice.objects.filter(user=user).count() == 1

    response = client.post(asked, {"token": code(device, steps_ahead=1)})
    assert response.status_code == 302 and response["Location"] == reverse("org:unit_list")
    assert client.get(reverse("web:home")).status_code == 200
    assert AuditEvent.objects.filter(kind=Kind.LOGIN, actor=user, data__stage="otp").exists()


def test_a_wrong_totp_code_is_refused_and_audited(client: Client, tree: testing.Tree) -> None:
    user = testing.person("wang", role="clerk", unit_=tree.county_a)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(client, "wang")
    right = code(device)
    wrong = f"{(int(right) + 1) % 1_000_000:06d}"
    response = client.post(reverse("accounts:otp_verify"), {"token": wrong})
    assert response.status_code == 200
    assert "验证码不正确或已过期" in response.content.decode()
    assert path(client.get(reverse("web:home"))) == reverse("accounts:otp_verify")
    failed = AuditEvent.objects.get(kind=Kind.LOGIN_FAILED, actor=user)
    assert failed.data == {"stage": "otp"}
    # django-otp throttles after a failure: even the right code waits a moment.
    response = client.post(reverse("accounts:otp_verify"), {"token": right})
    assert "验证码错误次数过多" in response.content.decode()


def test_a_code_is_accepted_only_once(client: Client, tree: testing.Tree, settings) -> None:
    settings.OTP_TOTP_THROTTLE_FACTOR = 0
    user = testing.person("wang", role="clerk", unit_=tree.county_a)
    device = TOTPDevice.objects.create(user=user, name="phone", confirmed=True)
    sign_in(client, "wang")
    token = code(device)
    assert client.post(reverse("accounts:otp_verify"), {"token": token}).status_code == 302
    other = Client()
    sign_in(other, "wang")
    response = other.post(reverse("accounts:otp_verify"), {"token": token})
    assert response.status_code == 200 and "验证码不正确" in response.content.decode()


def test_staff_must_set_up_totp_when_required(client: Client, tree: testing.Tree, settings) -> None:
    settings.REQUIRE_STAFF_2FA = True
    testing.person("wang", role="clerk", unit_=tree.county_a)
    response = sign_in(client, "wang")
    assert response.status_code == 302
    response = client.get(reverse("web:home"))
    assert response.status_code == 302 and path(response) == reverse("accounts:otp_setup")
    for name in ("org:unit_list", "accounts:person_list"):
        assert path(client.get(reverse(name))) == reverse("accounts:otp_setup")
    assert client.get(reverse("accounts:otp_setup")).status_code == 200
    # The verify page has nothing to verify yet and sends the user to setup.
    assert path(client.get(reverse("accounts:otp_verify"))) == reverse("accounts:otp_setup")


def test_residents_are_not_asked_for_totp_even_when_staff_must(client: Client, tree: testing.Tree, settings) -> None:
    settings.REQUIRE_STAFF_2FA = True
    testing.person("resident")
    sign_in(client, "resident")
    assert client.get(reverse("web:home")).status_code == 200


def test_the_login_page_is_labelled_and_chinese(client: Client) -> None:
    html = client.get(reverse("accounts:login")).content.decode()
    assert re.search(r'<label class="form-label" for="id_username">账号</label>', html)
    assert re.search(r'<label class="form-label" for="id_password">密码</label>', html)
    assert 'autocomplete="current-password"' in html


def test_the_otp_pages_need_a_signed_in_user(client: Client) -> None:
    for name in ("accounts:otp_setup", "accounts:otp_verify"):
        response = client.get(reverse(name))
        assert response.status_code == 302 and response["Location"].startswith(reverse("accounts:login"))
