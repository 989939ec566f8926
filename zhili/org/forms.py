"""Forms of the unit administration pages (单位管理): create a child unit, edit, move, delete.

A form only parses what the administrator typed and offers bounded pick-lists; the rules (unique
code, where a unit may hang, what blocks a move or a deletion) live in zhili.org.services and
zhili.org.rules, which the views call.
"""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.db import models
from django.db.models import F, Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhili.audit.forms import reason_field
from zhili.core.errors import DomainError
from zhili.core.scope import prefix_q, scope_for
from zhili.org.models import Unit
from zhili.org.rules import check_placement
from zhili.taxonomy.models import UnitType

MAX_UNIT_CHOICES = 500  # a pick-list longer than this needs a search box (not yet built)
LEVELS_SHOWN = 3  # the viewer's top units and two levels below them

# The unit's own attributes a page may set, in the order the form shows them. `is_demo` is left to
# the demo loader; `unit_type` is chosen once, on creation.
UNIT_FIELDS = ("name", "short_name", "code", "contact_phone", "address", "working_hours", "boundary")


def unit_choices(user: Any, *, around: bool = False, permission: str = "matter.view") -> list[tuple[Any, str]]:
    """Units in the viewer's reach for `permission`, as an indented pick-list (by path). With `around`,
    also the units beside the viewer's own (the other townships and the departments of the same
    county), where matters are dispatched, transferred and sent for co-handling."""
    scope = scope_for(user, permission)
    if scope.empty:
        return []
    step = Unit.steplen
    if scope.everything:
        condition = Q(depth__lte=LEVELS_SHOWN)
    else:
        top = min(len(path) for path in scope.paths) // step
        condition = prefix_q("path", scope.paths) & Q(depth__lte=top + LEVELS_SHOWN - 1)
        if around:
            for parent in {path[:-step] for path in scope.paths if len(path) > step}:
                condition |= Q(path__startswith=parent, depth=len(parent) // step + 1)
    rows = list(Unit.objects.filter(condition).order_by("path").values_list("pk", "name", "depth")[:MAX_UNIT_CHOICES])
    base = min((depth for _pk, _name, depth in rows), default=1)
    return [(pk, "\u3000" * (depth - base) + name) for pk, name, depth in rows]


def _model_field(name: str, **kwargs: Any) -> forms.Field:
    """The form field of a Unit attribute, labelled and bounded as the model declares it."""
    return cast(forms.Field, cast(models.Field, Unit._meta.get_field(name)).formfield(**kwargs))


class BoundaryField(forms.JSONField):
    """GeoJSON typed into a text box; no boundary shows as an empty box, not as "null"."""

    def prepare_value(self, value: Any) -> Any:
        return "" if value is None else super().prepare_value(value)


def child_types(parent: Unit) -> QuerySet[UnitType]:
    """The active unit types that may hang under `parent`, as zhili.org.rules decides."""
    allowed = []
    for unit_type in UnitType.objects.filter(active=True):
        try:
            check_placement(unit_type, parent.unit_type)
        except DomainError:
            continue
        allowed.append(unit_type.pk)
    return UnitType.objects.filter(pk__in=allowed).order_by(F("level").asc(nulls_last=True), "code")


def parent_choices(user: Any, unit: Unit) -> tuple[list[tuple[int, str]], bool]:
    """Where `user` may move `unit`: units they manage that may hold a unit of its type, outside its
    own subtree and other than its current parent, as a list named by parent too (two townships may
    each have a "第一社区"). The second value is True when the list was cut at MAX_UNIT_CHOICES."""
    parent_types = []
    for unit_type in UnitType.objects.all():
        try:
            check_placement(unit.unit_type, unit_type)
        except DomainError:
            continue
        parent_types.append(unit_type.pk)
    current_parent = unit.path[: -Unit.steplen]
    rows = list(
        Unit.objects.restrict(user, "change")
        .filter(unit_type__in=parent_types)
        .exclude(path__startswith=unit.path)
        .exclude(path=current_parent)
        .order_by("path")
        .values_list("pk", "name", "path")[: MAX_UNIT_CHOICES + 1]
    )
    cut = len(rows) > MAX_UNIT_CHOICES
    rows = rows[:MAX_UNIT_CHOICES]
    above = dict(
        Unit.objects.filter(path__in={path[: -Unit.steplen] for _pk, _name, path in rows}).values_list("path", "name")
    )
    choices = []
    for pk, name, path in rows:
        parent_name = above.get(path[: -Unit.steplen])
        choices.append((pk, f"{name}（{parent_name}）" if parent_name else name))
    return choices, cut


class UnitForm(forms.Form):
    """The attributes of a unit; `reason` is optional and goes to the audit log."""

    name = _model_field("name", error_messages={"required": _("请填写单位名称。")})
    short_name = _model_field("short_name")
    code = _model_field("code", error_messages={"required": _("请填写单位代码。")})
    contact_phone = _model_field("contact_phone")
    address = _model_field("address")
    working_hours = _model_field("working_hours")
    boundary = _model_field(
        "boundary",
        form_class=BoundaryField,
        widget=forms.Textarea(attrs={"rows": 4, "spellcheck": "false"}),
        help_text=_("可不填。GeoJSON 的 Polygon 或 MultiPolygon，坐标为经度、纬度。"),
        error_messages={"invalid": _("边界须为有效的 JSON。")},
    )
    reason = reason_field(required=False)

    def unit_fields(self, *, changed_only: bool = False) -> dict[str, Any]:
        names = [n for n in UNIT_FIELDS if not changed_only or n in self.changed_data]
        return {name: self.cleaned_data[name] for name in names}


class UnitCreateForm(UnitForm):
    """A child of `parent`; the unit type is offered only among those that may hang there."""

    unit_type = forms.ModelChoiceField(
        label=_("单位类型"),
        queryset=UnitType.objects.none(),
        error_messages={"required": _("请选择单位类型。"), "invalid_choice": _("请选择列表中的单位类型。")},
    )

    def __init__(self, *args: Any, parent: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        unit_type: Any = self.fields["unit_type"]
        unit_type.queryset = child_types(parent)
        unit_type.label_from_instance = lambda term: term.label  # Chinese or English name
        self.order_fields(["name", "short_name", "code", "unit_type"])


class UnitMoveForm(forms.Form):
    parent = forms.TypedChoiceField(
        label=_("新的上级单位"),
        coerce=int,
        empty_value=None,
        error_messages={"required": _("请选择上级单位。"), "invalid_choice": _("请选择列表中的上级单位。")},
    )
    reason = reason_field(required=True)

    def __init__(self, *args: Any, user: Any, unit: Unit, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choices, cut = parent_choices(user, unit)
        parent = cast(forms.TypedChoiceField, self.fields["parent"])
        parent.choices = [("", "—"), *choices]
        self.has_choices = bool(choices)
        if cut:
            parent.help_text = _("只列出前 %(count)d 个可选单位。") % {"count": MAX_UNIT_CHOICES}


class UnitDeleteForm(forms.Form):
    reason = reason_field(required=True)
