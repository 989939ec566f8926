"""Account security services: what an administrator sees and does when someone cannot sign in."""

from __future__ import annotations

import pytest
from axes.models import AccessAttempt
from django.conf import settings
from django_otp.plugins.otp_static.models import StaticDevice
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhili import testing
from zhili.accounts import services
from zhili.accounts.models import User
from zhili.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


@pytest.fixture
def wang(tree: testing.Tree) -> User:
    return testing.person("wang", role="clerk", unit_=tree.county_a)


def failed_sign_ins(username: str, failures: int, address: str = "10.0.0.1") -> AccessAttempt:
    return AccessAttempt.objects.create(
        username=username,
        ip_address=address,
        user_agent="test",
        http_accept="*/*",
        path_info="/accounts/login/",
        get_data="",
        post_data="",
        failures_since_start=failures,
    )


def test_account_security_reports_devices_lockout_and_tokens(wang: User) -> None:
    assert services.account_security(wang) == services.AccountSecurity(second_factor=False, locked_out=False, tokens=0)
    TOTPDevice.objects.create(user=wang, name="手机", confirmed=False)
    assert not services.account_security(wang).second_factor  # not confirmed yet
    TOTPDevice.objects.create(user=wang, name="手机", confirmed=True)
    services.issue_token(wang)
    failed_sign_ins("wang", settings.AXES_FAILURE_LIMIT)
    assert services.account_security(wang) == services.AccountSecurity(second_factor=True, locked_out=True, tokens=1)


def test_failures_below_the_limit_or_from_other_accounts_do_not_lock(wang: User) -> None:
    failed_sign_ins("wang", settings.AXES_FAILURE_LIMIT - 1)
    failed_sign_ins("li", settings.AXES_FAILURE_LIMIT)
    assert not services.is_locked_out(wang)


def test_reset_second_factor_removes_every_device_and_is_audited(wang: User) -> None:
    TOTPDevice.objects.create(user=wang, name="手机", confirmed=True)
    TOTPDevice.objects.create(user=wang, name="新手机", confirmed=False)
    StaticDevice.objects.create(user=wang, name="备用码", confirmed=True)
    assert services.reset_second_factor(wang, reason="手机丢失") == 3
    assert not TOTPDevice.objects.filter(user=wang).exists() and not StaticDevice.objects.filter(user=wang).exists()
    event = AuditEvent.objects.get(data__op="reset_second_factor")
    assert event.kind == AuditEvent.Kind.UPDATE and event.object_id == str(wang.pk)
    assert event.reason == "手机丢失" and event.data["devices"] == 3


def test_unlock_clears_the_failures_of_that_account_only(wang: User) -> None:
    failed_sign_ins("wang", settings.AXES_FAILURE_LIMIT)
    failed_sign_ins("wang", 1, address="10.0.0.2")
    failed_sign_ins("li", settings.AXES_FAILURE_LIMIT)
    assert services.is_locked_out(wang)
    assert services.unlock(wang, reason="本人来电") == 2
    assert not services.is_locked_out(wang)
    assert list(AccessAttempt.objects.values_list("username", flat=True)) == ["li"]
    event = AuditEvent.objects.get(data__op="unlock")
    assert event.kind == AuditEvent.Kind.UPDATE and event.reason == "本人来电" and event.data["attempts"] == 2
