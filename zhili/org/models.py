from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _
from treebeard.mp_tree import MP_Node, MP_NodeManager, MP_NodeQuerySet

from zhili.audit.models import AuditedModel
from zhili.core.scope import ScopedModel, ScopedQuerySet


class UnitQuerySet(MP_NodeQuerySet, ScopedQuerySet):
    pass


class UnitManager(MP_NodeManager):
    def get_queryset(self) -> UnitQuerySet:
        return UnitQuerySet(self.model).order_by("path")

    def restrict(self, user: Any, action: str = "view") -> UnitQuerySet:
        return self.get_queryset().restrict(user, action)


class Unit(MP_Node, AuditedModel, ScopedModel):
    """A unit of the governance tree (单位): a territorial level or a department.

    Territorial units (市/县/乡镇/村社区/网格) nest by level; a department (司法所, 派出所 …)
    hangs under the territorial unit it serves and has no children of its own.
    """

    steplen = 4

    code = models.CharField(_("代码"), max_length=32, unique=True, help_text=_("行政区划代码或本单位编码"))
    name = models.CharField(_("名称"), max_length=100)
    short_name = models.CharField(_("简称"), max_length=50, blank=True, help_text=_("常用简称，如“市中”"))
    unit_type = models.ForeignKey("taxonomy.UnitType", models.PROTECT, related_name="units", verbose_name=_("单位类型"))
    contact_phone = models.CharField(_("联系电话"), max_length=40, blank=True)
    address = models.CharField(_("地址"), max_length=200, blank=True)
    working_hours = models.CharField(_("办公时间"), max_length=200, blank=True)
    boundary = models.JSONField(_("边界(GeoJSON)"), null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True, editable=False)
    min_lat = models.FloatField(null=True, blank=True, editable=False)
    max_lon = models.FloatField(null=True, blank=True, editable=False)
    max_lat = models.FloatField(null=True, blank=True, editable=False)
    is_demo = models.BooleanField(_("演示数据"), default=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = UnitManager()

    scope_permissions = {"view": "org.view", "change": "org.manage", "delete": "org.manage", "add": "org.manage"}
    scope_path_lookups = ("path",)
    audit_exclude = AuditedModel.audit_exclude | {"updated_at", "min_lon", "min_lat", "max_lon", "max_lat"}

    class Meta:
        verbose_name = _("单位")
        verbose_name_plural = _("单位")
        indexes = [models.Index(fields=["min_lon", "max_lon", "min_lat", "max_lat"], name="org_unit_bbox")]

    def __str__(self) -> str:
        return self.name

    def scope_path(self) -> str:
        return str(self.path)

    @property
    def level(self) -> int | None:
        return self.unit_type.level

    @property
    def territorial(self) -> bool:
        return self.unit_type.level is not None
