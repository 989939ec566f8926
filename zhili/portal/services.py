"""One-time codes that let a resident open their own matter by number and phone.

The answer to "send me a code" is the same whether or not the number and phone belong together,
so the form cannot be used to learn who reported what. Codes are six digits, kept only as a keyed
hash, valid for ten minutes, tried at most five times, used once; a matter gets at most a few
codes an hour, so nobody can flood a resident's phone.
"""

from __future__ import annotations

import datetime
import hashlib
import hmac
import secrets

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from zhili.core import pii
from zhili.core.errors import DomainError
from zhili.matters.models import Matter
from zhili.notify import services as notify
from zhili.portal.models import TrackingCode

CODE_LIFETIME = datetime.timedelta(minutes=10)
MAX_ATTEMPTS = 5
# At most so many codes per matter in the last hour (a resident who mistypes asks again).
MAX_CODES_PER_HOUR = 5
# Old codes are of no use to anyone: the worker deletes them after a day.
KEEP_CODES = datetime.timedelta(days=1)


def normalise_phone(value: str) -> str:
    return (value or "").replace(" ", "").replace("-", "").strip()


def _hash(matter_id: int, code: str) -> str:
    key = settings.SECRET_KEY.encode()
    return hmac.new(key, f"tracking:{matter_id}:{code}".encode(), hashlib.sha256).hexdigest()


def reporter_phone(matter: Matter) -> str:
    if matter.reporter_phone:
        return matter.reporter_phone
    return matter.reporter.phone if matter.reporter is not None else ""


def find(number: str) -> Matter | None:
    number = (number or "").strip()
    if not number or number.startswith("~"):  # "~…" is a placeholder while an intake commits
        return None
    return Matter.objects.select_related("reporter").filter(number=number).first()


def request_code(number: str, phone: str) -> bool:
    """Send a code to the phone if it is the matter's reporter phone. The caller says the same
    thing either way; the result is for tests and logs only."""
    phone = normalise_phone(phone)
    if not pii.PHONE.match(phone):
        raise DomainError("phone_invalid", _("手机号码格式不正确。"), field="phone")
    matter = find(number)
    if matter is None or matter.anonymous or not hmac.compare_digest(reporter_phone(matter), phone):
        return False
    now = timezone.now()
    with transaction.atomic():
        Matter.objects.select_for_update().filter(pk=matter.pk).first()  # one request at a time per matter
        recent = TrackingCode.objects.filter(matter=matter, created_at__gte=now - datetime.timedelta(hours=1)).count()
        if recent >= MAX_CODES_PER_HOUR:
            raise DomainError("code_rate_limited", _("验证码发送过于频繁，请一小时后再试。"), field="phone")
        code = f"{secrets.randbelow(10**6):06d}"
        TrackingCode.objects.create(
            matter=matter, code_hash=_hash(matter.pk, code), created_at=now, expires_at=now + CODE_LIFETIME
        )
        # Texts go out in the platform's language, whatever the language of the page that asked.
        with translation.override(settings.LANGUAGE_CODE):
            body = _("您查询事项%(number)s的验证码为%(code)s，%(minutes)s分钟内有效。如非本人操作，请忽略。") % {
                "number": matter.number,
                "code": code,
                "minutes": int(CODE_LIFETIME.total_seconds() // 60),
            }
        notify.enqueue("sms", phone, "", body, purpose="tracking_code", about=matter)
    return True


def verify_code(number: str, code: str) -> Matter:
    """The matter, if the code is the latest one sent for it, unexpired, unused, and tried fewer
    than MAX_ATTEMPTS times. A wrong try counts even when the answer is an error."""
    refused = DomainError("code_invalid", _("验证码不正确或已失效，请重新获取。"), field="code")
    code = (code or "").strip()
    matter = find(number)
    if matter is None or not (code.isdigit() and len(code) == 6):
        raise refused
    now = timezone.now()
    latest = TrackingCode.objects.filter(matter=matter, used_at__isnull=True).order_by("-created_at").first()
    if latest is None or latest.expires_at <= now:
        raise refused
    # Count the try first, in its own statement: a wrong guess is counted even if what follows fails.
    counted = TrackingCode.objects.filter(pk=latest.pk, attempts__lt=MAX_ATTEMPTS, used_at__isnull=True).update(
        attempts=F("attempts") + 1
    )
    if not counted:
        raise DomainError("code_attempts", _("验证码错误次数过多，请重新获取。"), field="code")
    if not hmac.compare_digest(latest.code_hash, _hash(matter.pk, code)):
        raise refused
    # Used once: of two requests with the same code, one wins.
    if not TrackingCode.objects.filter(pk=latest.pk, used_at__isnull=True).update(used_at=now):
        raise refused
    return matter


def purge_codes(now: datetime.datetime | None = None) -> int:
    deleted, _detail = TrackingCode.objects.filter(created_at__lt=(now or timezone.now()) - KEEP_CODES).delete()
    return deleted
