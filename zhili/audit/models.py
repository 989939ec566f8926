from __future__ import annotations

import datetime
import decimal
import uuid
from typing import Any, ClassVar

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.core import pii
from zhili.core.scope import Scope, ScopedModel, ScopedQuerySet, prefix_q


class AuditedModel(models.Model):
    """Every create, update and delete of a subclass is recorded as an AuditEvent.

    `pii_fields` maps field names to a masking kind ("phone", "id_number"): the log stores the
    masked value, so the audit log never becomes a second store of personal data.
    """

    pii_fields: ClassVar[dict[str, str]] = {}
    audit_exclude: ClassVar[frozenset[str]] = frozenset({"password", "last_login", "numchild"})
    audit_kind: ClassVar[str | None] = None  # e.g. "permission" for memberships

    class Meta:
        abstract = True

    def audit_snapshot(self) -> dict[str, Any]:
        snapshot: dict[str, Any] = {}
        for field in self._meta.concrete_fields:
            if field.name in self.audit_exclude:
                continue
            value = getattr(self, field.attname)
            if field.name in self.pii_fields and value:
                value = pii.mask(self.pii_fields[field.name], value)
            snapshot[field.name] = to_json(value)
        return snapshot


def to_json(value: Any) -> Any:
    if isinstance(value, datetime.datetime | datetime.date | datetime.time):
        return value.isoformat()
    if isinstance(value, decimal.Decimal | uuid.UUID):
        return str(value)
    if isinstance(value, bytes):
        return value.hex()
    return value


class AppendOnlyQuerySet(ScopedQuerySet):
    def update(self, **kwargs: Any) -> int:
        raise PermissionError("the audit log is append-only")

    def delete(self) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")


class AuditEvent(ScopedModel):
    class Kind(models.TextChoices):
        CREATE = "create", _("新建")
        UPDATE = "update", _("修改")
        DELETE = "delete", _("删除")
        LOGIN = "login", _("登录")
        LOGOUT = "logout", _("退出")
        LOGIN_FAILED = "login_failed", _("登录失败")
        LOCKED_OUT = "locked_out", _("账号锁定")
        PERMISSION = "permission", _("权限变更")
        REVEAL = "reveal", _("查看个人信息")
        EXPORT = "export", _("导出")
        DOWNLOAD = "download", _("下载附件")
        TOKEN = "token", _("接口令牌")

    time = models.DateTimeField(_("时间"), default=timezone.now, db_index=True)
    kind = models.CharField(_("类型"), max_length=20, choices=Kind.choices, db_index=True)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("操作人")
    )
    actor_name = models.CharField(_("操作人账号"), max_length=150, blank=True)
    address = models.GenericIPAddressField(_("来源地址"), null=True, blank=True)
    source = models.CharField(_("渠道"), max_length=10, blank=True)
    request_id = models.CharField(_("请求编号"), max_length=64, blank=True)
    content_type = models.ForeignKey(
        ContentType, models.PROTECT, null=True, blank=True, related_name="+", verbose_name=_("对象类型")
    )
    object_id = models.CharField(_("对象编号"), max_length=64, blank=True, db_index=True)
    object_repr = models.CharField(_("对象"), max_length=200, blank=True)
    unit_path = models.CharField(max_length=255, blank=True, db_index=True, editable=False)
    before = models.JSONField(_("修改前"), null=True, blank=True)
    after = models.JSONField(_("修改后"), null=True, blank=True)
    reason = models.TextField(_("原因"), blank=True)
    data = models.JSONField(_("其他"), default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    scope_permissions = {"view": "audit.view", "export": "audit.view"}

    class Meta:
        verbose_name = _("审计记录")
        verbose_name_plural = _("审计日志")
        ordering = ["-time", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id", "-time"])]

    def __str__(self) -> str:
        return f"{self.time:%Y-%m-%d %H:%M:%S} {self.actor_name} {self.get_kind_display()} {self.object_repr}"

    @classmethod
    def scope_filter(cls, scope: Scope, user: Any) -> Q | None:
        if not scope.paths:
            return None
        condition = prefix_q("unit_path", scope.paths)
        if scope.includes_root:
            # Events tied to no unit (a resident's login, a taxonomy change) belong to the top.
            condition |= Q(unit_path="")
        return condition

    @property
    def changes(self) -> dict[str, tuple[Any, Any]]:
        """Fields whose value differs between before and after."""
        before, after = self.before or {}, self.after or {}
        keys = list(dict.fromkeys([*before, *after]))
        return {k: (before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)}

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise PermissionError("the audit log is append-only")
        super().save(*args, **kwargs)

    def delete(self, *args: Any, **kwargs: Any) -> tuple[int, dict[str, int]]:
        raise PermissionError("the audit log is append-only")
