"""One-time codes: sent only to the matter's own phone, used once, few tries, few sends."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone, translation

from zhili.core.errors import DomainError
from zhili.matters.models import Matter
from zhili.notify.models import Notification
from zhili.portal import services
from zhili.portal.models import TrackingCode
from zhili.portal.tests.conftest import PHONE, last_code

pytestmark = pytest.mark.django_db


def test_a_code_goes_to_the_reporter_phone_and_opens_the_matter_once(reported: Matter) -> None:
    assert services.request_code(reported.number, "139 1234 5678") is True
    sms = Notification.objects.get(purpose="tracking_code")
    assert sms.recipient == PHONE and reported.number in sms.body
    code = last_code(reported)
    assert TrackingCode.objects.get().code_hash != code  # only a keyed hash is kept
    assert services.verify_code(reported.number, code) == reported
    with pytest.raises(DomainError) as used:
        services.verify_code(reported.number, code)
    assert used.value.code == "code_invalid"


def test_another_phone_gets_nothing_and_is_told_nothing(reported: Matter) -> None:
    assert services.request_code(reported.number, "13800000000") is False
    assert services.request_code("2099-999999", PHONE) is False
    assert not Notification.objects.filter(purpose="tracking_code").exists()


def test_an_anonymous_matter_cannot_be_opened_by_phone(reported: Matter) -> None:
    Matter.objects.filter(pk=reported.pk).update(anonymous=True)
    assert services.request_code(reported.number, PHONE) is False


@pytest.mark.parametrize("phone", ["", "12", "abc", "1391234567890123456789"])
def test_a_malformed_phone_is_refused(reported: Matter, phone: str) -> None:
    with pytest.raises(DomainError) as refused:
        services.request_code(reported.number, phone)
    assert refused.value.code == "phone_invalid"


def test_wrong_codes_count_and_the_sixth_try_is_refused_even_with_the_right_code(reported: Matter) -> None:
    services.request_code(reported.number, PHONE)
    code = last_code(reported)
    wrong = f"{(int(code) + 1) % 10**6:06d}"
    for _ in range(services.MAX_ATTEMPTS):
        with pytest.raises(DomainError) as refused:
            services.verify_code(reported.number, wrong)
        assert refused.value.code == "code_invalid"
    with pytest.raises(DomainError) as locked:
        services.verify_code(reported.number, code)
    assert locked.value.code == "code_attempts"


@pytest.mark.parametrize("code", ["", "12345", "1234567", "abcdef", "12 456"])
def test_malformed_codes_are_refused(reported: Matter, code: str) -> None:
    services.request_code(reported.number, PHONE)
    with pytest.raises(DomainError):
        services.verify_code(reported.number, code)


def test_an_expired_code_is_refused(reported: Matter) -> None:
    services.request_code(reported.number, PHONE)
    code = last_code(reported)
    TrackingCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    with pytest.raises(DomainError):
        services.verify_code(reported.number, code)


def test_only_the_newest_code_counts(reported: Matter) -> None:
    services.request_code(reported.number, PHONE)
    first = last_code(reported)
    TrackingCode.objects.update(created_at=timezone.now() - datetime.timedelta(minutes=1))
    services.request_code(reported.number, PHONE)
    second = last_code(reported)
    if first != second:
        with pytest.raises(DomainError):
            services.verify_code(reported.number, first)
    assert services.verify_code(reported.number, second) == reported


def test_a_phone_gets_at_most_a_few_codes_an_hour(reported: Matter) -> None:
    for _ in range(services.MAX_CODES_PER_HOUR):
        services.request_code(reported.number, PHONE)
    with pytest.raises(DomainError) as limited:
        services.request_code(reported.number, PHONE)
    assert limited.value.code == "code_rate_limited"
    assert Notification.objects.filter(purpose="tracking_code").count() == services.MAX_CODES_PER_HOUR


def test_old_codes_are_purged(reported: Matter) -> None:
    services.request_code(reported.number, PHONE)
    assert services.purge_codes(timezone.now() + services.KEEP_CODES + datetime.timedelta(minutes=1)) == 1
    assert not TrackingCode.objects.exists()


def test_the_code_goes_out_in_chinese_whatever_the_page_language(reported: Matter) -> None:
    with translation.override("en"):
        services.request_code(reported.number, PHONE)
    assert "验证码为" in Notification.objects.get(purpose="tracking_code").body
