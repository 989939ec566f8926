"""Signal handlers that record changes of audited models and authentication events."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.db.models.signals import m2m_changed, post_delete, post_save, pre_save
from django.http import HttpRequest

from zhili.audit.models import AuditedModel
from zhili.audit.recording import Kind, record

PERMISSION_FIELDS = frozenset({"is_superuser", "is_staff", "is_active"})


def before_save(sender: type, instance: Any, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    previous = None
    if not instance._state.adding and instance.pk is not None:
        previous = type(instance)._base_manager.filter(pk=instance.pk).first()
    instance.__dict__["_audit_before"] = previous.audit_snapshot() if previous is not None else None


def after_save(sender: type, instance: Any, created: bool, raw: bool = False, **kwargs: Any) -> None:
    if raw or not isinstance(instance, AuditedModel):
        return
    before = None if created else instance.__dict__.pop("_audit_before", None)
    after = instance.audit_snapshot()
    if before == after:
        return  # a save that changed nothing is not a change
    kind = instance.audit_kind or (Kind.CREATE if created else Kind.UPDATE)
    if not created and before is not None:
        changed = {k for k in after if before.get(k) != after.get(k)}
        if changed & PERMISSION_FIELDS:
            kind = Kind.PERMISSION
    record(kind, instance, before=before, after=after, data={"op": "create" if created else "update"})


def after_delete(sender: type, instance: Any, **kwargs: Any) -> None:
    if not isinstance(instance, AuditedModel):
        return
    record(instance.audit_kind or Kind.DELETE, instance, before=instance.audit_snapshot(), data={"op": "delete"})


def after_m2m(sender: type, instance: Any, action: str, pk_set: set[Any] | None, **kwargs: Any) -> None:
    if not isinstance(instance, AuditedModel) or action not in {"post_add", "post_remove", "post_clear"}:
        return
    field = next((f.name for f in instance._meta.many_to_many if f.remote_field.through is sender), sender.__name__)
    kind = Kind.PERMISSION if field in {"groups", "user_permissions"} else Kind.UPDATE
    record(kind, instance, data={"op": action.removeprefix("post_"), "field": field, "values": sorted(pk_set or [])})


def logged_in(sender: type, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    record(Kind.LOGIN, user, actor=user)


def logged_out(sender: type, request: HttpRequest, user: Any, **kwargs: Any) -> None:
    if user is not None:
        record(Kind.LOGOUT, user, actor=user)


def _account_path(username: str | None) -> str:
    """Failed sign-ins to a known account are seen by the auditors of that account's unit."""
    from zhili.accounts.models import User

    user = User.objects.filter(username=username).first() if username else None
    return user.scope_path() if user is not None else ""


def login_failed(sender: type, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any) -> None:
    username = str(credentials.get("username", ""))[:150]
    record(Kind.LOGIN_FAILED, actor_name=username, data={"username": username}, unit_path=_account_path(username))


def locked_out(
    sender: type, request: HttpRequest, username: str | None = None, ip_address: str | None = None, **kwargs: Any
) -> None:
    record(
        Kind.LOCKED_OUT,
        actor_name=(username or "")[:150],
        data={"username": username, "ip": ip_address},
        unit_path=_account_path(username),
    )


def connect() -> None:
    pre_save.connect(before_save, dispatch_uid="zhili.audit.pre_save")
    post_save.connect(after_save, dispatch_uid="zhili.audit.post_save")
    post_delete.connect(after_delete, dispatch_uid="zhili.audit.post_delete")
    m2m_changed.connect(after_m2m, dispatch_uid="zhili.audit.m2m")
    user_logged_in.connect(logged_in, dispatch_uid="zhili.audit.login")
    user_logged_out.connect(logged_out, dispatch_uid="zhili.audit.logout")
    user_login_failed.connect(login_failed, dispatch_uid="zhili.audit.login_failed")
    user_locked_out.connect(locked_out, dispatch_uid="zhili.audit.locked_out")
