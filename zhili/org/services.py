"""Changes to the unit tree. Views, the API, the CLI and the demo loader all call these."""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from typing import Any, cast

from django.db import IntegrityError, models, transaction
from django.utils.translation import gettext as _

from zhili.audit.recording import Kind, record
from zhili.core.context import because
from zhili.core.errors import Conflict, DomainError
from zhili.org import geo
from zhili.org.models import Unit
from zhili.org.rules import check_placement
from zhili.taxonomy.models import UnitType

EDITABLE = ("code", "name", "short_name", "contact_phone", "address", "working_hours", "boundary", "is_demo")


def _apply_boundary(unit: Unit, boundary: Any) -> None:
    geometry = geo.parse_boundary(boundary)
    unit.boundary = boundary if geometry is not None else None
    bounds = geometry.bounds if geometry is not None else (None, None, None, None)
    unit.min_lon, unit.min_lat, unit.max_lon, unit.max_lat = bounds


def _check_code(code: str, exclude: int | None = None) -> None:
    code = (code or "").strip()
    if not code:
        raise DomainError("unit_code_required", _("请填写单位代码。"), field="code")
    if Unit.objects.filter(code=code).exclude(pk=exclude).exists():
        raise DomainError("unit_code_taken", _("单位代码“%(code)s”已被使用。") % {"code": code}, field="code")


@contextlib.contextmanager
def _code_kept_unique(code: str) -> Iterator[None]:
    """The unique index decides between two changes that both passed _check_code at once: the
    one that loses hears it as the same error, not as a failed statement."""
    try:
        with transaction.atomic():
            yield
    except IntegrityError:
        if Unit.objects.filter(code=(code or "").strip()).exists():
            raise DomainError(
                "unit_code_taken", _("单位代码“%(code)s”已被使用。") % {"code": code}, field="code"
            ) from None
        raise


@transaction.atomic
def create_unit(*, parent: Unit | None, unit_type: UnitType | str, reason: str = "", **fields: Any) -> Unit:
    if isinstance(unit_type, str):
        unit_type = UnitType.objects.get(pk=unit_type)
    if not fields.get("name", "").strip():
        raise DomainError("unit_name_required", _("请填写单位名称。"), field="name")
    _check_code(fields.get("code", ""))
    if parent is not None:
        parent = Unit.objects.select_for_update().select_related("unit_type").get(pk=parent.pk)
    check_placement(unit_type, parent.unit_type if parent else None)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unexpected unit fields: {sorted(unknown)}")
    boundary = fields.pop("boundary", None)
    unit = Unit(unit_type=unit_type, **fields)
    _apply_boundary(unit, boundary)
    with because(reason), _code_kept_unique(unit.code):
        if parent is None:
            return Unit.objects.add_root(instance=unit)
        return Unit.objects.add_child(parent, instance=unit)


@transaction.atomic
def update_unit(unit: Unit, *, reason: str = "", **fields: Any) -> Unit:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    unknown = set(fields) - set(EDITABLE)
    if unknown:
        raise TypeError(f"unexpected unit fields: {sorted(unknown)}")
    if "code" in fields and fields["code"] != unit.code:
        _check_code(fields["code"], exclude=unit.pk)
    if "boundary" in fields:
        _apply_boundary(unit, fields.pop("boundary"))
    if "name" in fields and not str(fields["name"]).strip():
        raise DomainError("unit_name_required", _("请填写单位名称。"), field="name")
    for name, value in fields.items():
        setattr(unit, name, value)
    with because(reason), _code_kept_unique(unit.code):
        unit.save()
    return unit


def holdings(unit: Unit) -> dict[str, int]:
    """What the unit's subtree owns, by kind: every model with a foreign key to Unit counts
    (people's memberships today; matters, mediations … as those apps arrive).
    """
    subtree = Unit.objects.filter(path__startswith=unit.path)
    counts: dict[str, int] = {}
    for relation in Unit._meta.related_objects:
        model = cast(type[models.Model], relation.related_model)
        if (
            not isinstance(relation, models.ManyToOneRel)
            or model is Unit
            or getattr(model, "unit_holding", True) is False
        ):
            continue
        count = model._default_manager.filter(**{f"{relation.field.name}__in": subtree}).count()
        if count:
            label = str(model._meta.verbose_name_plural)
            counts[label] = counts.get(label, 0) + count
    return counts


def _refuse_if_holding(unit: Unit, verb: str) -> None:
    held = holdings(unit)
    if held:
        what = "、".join(f"{label}{count}条" for label, count in held.items())
        raise Conflict(
            "unit_has_holdings",
            _("“%(name)s”及其下级单位仍有%(what)s，不能%(verb)s；请先移交。")
            % {"name": unit.name, "what": what, "verb": verb},
        )


@transaction.atomic
def move_unit(unit: Unit, new_parent: Unit, *, reason: str = "") -> Unit:
    unit = Unit.objects.select_for_update().select_related("unit_type").get(pk=unit.pk)
    new_parent = Unit.objects.select_for_update().select_related("unit_type").get(pk=new_parent.pk)
    if new_parent.path.startswith(unit.path):
        raise DomainError("unit_move_cycle", _("不能把单位移到它自己或其下级单位之下。"), field="parent")
    check_placement(unit.unit_type, new_parent.unit_type)
    _refuse_if_holding(unit, _("移动"))
    old_parent = Unit.objects.get_parent(unit)
    Unit.objects.move(unit, new_parent, "last-child")
    unit.refresh_from_db()
    record(
        Kind.UPDATE,
        unit,
        before={"parent": old_parent.pk if old_parent else None},
        after={"parent": new_parent.pk},
        reason=reason or None,
        data={"op": "move"},
    )
    return unit


@transaction.atomic
def delete_unit(unit: Unit, *, reason: str = "") -> None:
    unit = Unit.objects.select_for_update().get(pk=unit.pk)
    if Unit.objects.get_children_count(unit):
        raise Conflict("unit_has_children", _("“%(name)s”还有下级单位，不能删除。") % {"name": unit.name})
    _refuse_if_holding(unit, _("删除"))
    with because(reason):
        try:
            unit.delete()
        except models.ProtectedError:
            raise Conflict("unit_in_use", _("“%(name)s”仍被引用，不能删除。") % {"name": unit.name}) from None


def locate(lon: float, lat: float, within: models.QuerySet | None = None) -> Unit | None:
    """The deepest unit whose boundary covers the point (grid before community before …)."""
    candidates = (within if within is not None else Unit.objects.all()).filter(
        min_lon__lte=lon, max_lon__gte=lon, min_lat__lte=lat, max_lat__gte=lat
    )
    for unit in (
        candidates.select_related(None).order_by("-depth", "path").only("id", "updated_at", "boundary", "depth", "path")
    ):
        geojson = json.dumps(unit.boundary, sort_keys=True)
        if geo.contains(unit.pk, unit.updated_at.isoformat(), geojson, lon, lat):
            return Unit.objects.select_related("unit_type").get(pk=unit.pk)
    return None
