"""People, roles, personal data and account security. Views, the API, the CLI and the demo loader
call these."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any

import django_otp
from axes.helpers import get_cool_off
from axes.models import AccessAttempt
from axes.utils import reset as axes_reset
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from knox.models import AuthToken

from zhili.accounts.models import Membership, User
from zhili.accounts.roles import Role
from zhili.audit.recording import Kind, record
from zhili.core import pii
from zhili.core.context import because
from zhili.core.errors import Conflict, DomainError
from zhili.core.scope import forget_scopes
from zhili.org.models import Unit

PERSON_FIELDS = ("full_name", "phone", "id_number", "email", "is_active", "is_demo")


def _clean_person(fields: dict[str, Any]) -> dict[str, Any]:
    phone = (fields.get("phone") or "").replace(" ", "").replace("-", "")
    if "phone" in fields:
        if phone and not pii.PHONE.match(phone):
            raise DomainError("phone_invalid", _("手机号码格式不正确。"), field="phone")
        fields["phone"] = phone
    if "id_number" in fields:
        value = (fields.get("id_number") or "").strip().upper()
        if value and not pii.valid_id_number(value):
            raise DomainError("id_number_invalid", _("身份证号码不正确（应为18位且校验位正确）。"), field="id_number")
        fields["id_number"] = value
    return fields


def _check_password(password: str, user: User) -> None:
    try:
        validate_password(password, user)
    except ValidationError as exc:
        raise DomainError("password_weak", " ".join(exc.messages), field="password") from None


@transaction.atomic
def create_person(*, username: str, password: str | None = None, reason: str = "", **fields: Any) -> User:
    username = (username or "").strip()
    if not username:
        raise DomainError("username_required", _("请填写登录账号。"), field="username")
    if User.objects.filter(username__iexact=username).exists():
        raise DomainError("username_taken", _("账号“%(name)s”已存在。") % {"name": username}, field="username")
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unexpected person fields: {sorted(unknown)}")
    user = User(username=username, **_clean_person(fields))
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    with because(reason):
        user.save()
    return user


@transaction.atomic
def update_person(user: User, *, reason: str = "", **fields: Any) -> User:
    user = User.objects.select_for_update().get(pk=user.pk)
    unknown = set(fields) - set(PERSON_FIELDS)
    if unknown:
        raise TypeError(f"unexpected person fields: {sorted(unknown)}")
    for name, value in _clean_person(fields).items():
        setattr(user, name, value)
    with because(reason):
        user.save()
    return user


@transaction.atomic
def set_password(user: User, password: str, *, reason: str = "") -> None:
    _check_password(password, user)
    user.set_password(password)
    user.save(update_fields=["password"])
    record(Kind.UPDATE, user, reason=reason or None, data={"op": "set_password"})


@transaction.atomic
def grant_role(user: User, unit: Unit, role: str, *, title: str = "", reason: str = "") -> Membership:
    if role not in Role.values:
        raise DomainError("role_unknown", _("未知角色“%(role)s”。") % {"role": role}, field="role")
    if role == Role.RESIDENT:
        raise DomainError("role_resident", _("群众不需要在单位任职。"), field="role")
    try:
        with transaction.atomic(), because(reason):
            membership = Membership.objects.create(user=user, unit=unit, role=role, title=title)
    except IntegrityError:
        raise Conflict("role_exists", _("该人员在此单位已有这个角色。")) from None
    forget_scopes(user)
    return membership


@transaction.atomic
def retitle_role(membership: Membership, title: str, *, reason: str = "") -> Membership:
    membership = Membership.objects.select_for_update().get(pk=membership.pk)
    membership.title = title.strip()[:60]
    with because(reason):
        membership.save()
    return membership


@transaction.atomic
def revoke_role(membership: Membership, *, reason: str = "") -> None:
    with because(reason):
        membership.delete()
    forget_scopes(membership.user)


def reveal(viewer: Any, obj: Any, field: str, *, reason: str) -> str:
    """The full value of a masked field, for a viewer allowed to see it; the reveal is logged.

    The caller has already fetched `obj` through the viewer's scope; reveal checks the reveal
    permission on top of that.
    """
    reason = (reason or "").strip()
    if field not in getattr(obj, "pii_fields", {}):
        raise DomainError("reveal_field", _("该字段不是受保护的个人信息。"), field="field")
    if len(reason) < 2:
        raise DomainError("reveal_reason_required", _("查看完整个人信息须填写原因。"), field="reason")
    withheld = getattr(obj, "withheld_fields", None)
    if withheld is not None and field in withheld():
        raise DomainError("reveal_withheld", _("匿名反映的事项不显示反映人信息。"), field="field", status_code=403)
    model = type(obj)
    if not model.objects.restrict(viewer, "reveal").filter(pk=obj.pk).exists():
        from django.core.exceptions import PermissionDenied

        raise PermissionDenied(_("您没有查看完整个人信息的权限。"))
    value = str(getattr(obj, field) or "")
    record(Kind.REVEAL, obj, actor=viewer, reason=reason, data={"field": field})
    return value


def issue_token(user: User, *, days: int | None = 365, reason: str = "") -> str:
    """A new API token for an integration; the plain token is shown once and never stored."""
    expiry = datetime.timedelta(days=days) if days else None
    instance, token = AuthToken.objects.create(user=user, expiry=expiry)
    record(
        Kind.TOKEN,
        user,
        reason=reason or None,
        data={
            "op": "issue",
            "token_key": instance.token_key,
            "expiry": instance.expiry.isoformat() if instance.expiry else None,
        },
    )
    return str(token)


@transaction.atomic
def revoke_tokens(user: User, *, reason: str = "") -> int:
    count, _detail = AuthToken.objects.filter(user=user).delete()
    record(Kind.TOKEN, user, reason=reason or None, data={"op": "revoke_all", "count": count})
    return count


def expire_stale_tokens() -> int:
    count, _detail = AuthToken.objects.filter(expiry__lt=timezone.now()).delete()
    return count


# ---------------------------------------------------------------- account security


@dataclass(frozen=True)
class AccountSecurity:
    """What an administrator needs to know to help someone who cannot sign in."""

    second_factor: bool  # a confirmed authenticator (TOTP) device
    locked_out: bool  # django-axes refuses the account's sign-ins for now
    tokens: int  # API tokens that still work


def account_security(user: User) -> AccountSecurity:
    return AccountSecurity(
        second_factor=django_otp.user_has_device(user, confirmed=True),
        locked_out=is_locked_out(user),
        tokens=AuthToken.objects.filter(user=user).exclude(expiry__lt=timezone.now()).count(),
    )


def is_locked_out(user: User) -> bool:
    """True when failed sign-ins with this account name, from some address, have reached the limit
    within the cool-off period (settings.AXES_LOCKOUT_PARAMETERS: username and address together)."""
    attempts = AccessAttempt.objects.filter(username=user.get_username())
    cool_off = get_cool_off()
    if cool_off is not None:
        attempts = attempts.filter(attempt_time__gte=timezone.now() - cool_off)
    worst = attempts.values("ip_address").annotate(failures=Sum("failures_since_start")).order_by("-failures")
    first = worst.first()
    return bool(first and first["failures"] >= settings.AXES_FAILURE_LIMIT)


@transaction.atomic
def reset_second_factor(user: User, *, reason: str = "") -> int:
    """Remove all the person's second-factor devices (重置双因素认证): they set up a new
    authenticator at their next sign-in, and a session verified with a removed device must verify
    again. Returns how many devices were removed."""
    removed = 0
    for device in list(django_otp.devices_for_user(user, confirmed=None)):
        device.delete()
        removed += 1
    record(Kind.UPDATE, user, reason=reason or None, data={"op": "reset_second_factor", "devices": removed})
    return removed


@transaction.atomic
def unlock(user: User, *, reason: str = "") -> int:
    """Clear the failed sign-ins recorded for the account (解除登录锁定), so a lockout by
    django-axes ends now instead of after the cool-off. Returns how many records were cleared."""
    cleared = axes_reset(username=user.get_username())
    record(Kind.UPDATE, user, reason=reason or None, data={"op": "unlock", "attempts": cleared})
    return cleared
