"""Template helpers shared by every page: permissions, masked personal data, Bootstrap fields."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms, template
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from zhili.core import pii
from zhili.core.scope import scope_for, user_role_paths

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, permission: str) -> bool:
    """True when the signed-in user holds `permission` somewhere: `{% can "audit.view" as x %}`."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and not scope_for(user, permission).empty


@register.simple_tag(takes_context=True)
def has_role(context: template.Context, role: str) -> bool:
    """True when the signed-in user holds `role` in some unit: `{% has_role "grid_worker" as x %}`."""
    user = getattr(context.get("request"), "user", None)
    if user is None or not user.is_authenticated:
        return False
    return any(held == role for held, _path in user_role_paths(user))  # loaded once per request


@register.simple_tag(takes_context=True)
def menu_counts(context: template.Context) -> dict[str, int] | None:
    """What waits for the signed-in person in the matters menu (待分拨 + 待受理, and overdue), within
    the current unit when one is chosen; None for people who see no matters."""
    from zhili.matters.queues import waiting_counts
    from zhili.web.saved_views import query_of
    from zhili.web.units import current_unit

    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or scope_for(user, "matter.view").empty:
        return None
    unit = current_unit(request)
    # Keyed as the inbox keys its counts with no other filter (matters/views.py), so both share one.
    return waiting_counts(user, query_of({"unit": str(unit.pk)} if unit else {}), unit.pk if unit else None)


@register.simple_tag(takes_context=True)
def unit_menu(context: template.Context) -> dict[str, Any] | None:
    """The units of a person who works in several, and the current one; None for everyone else
    (no query for them)."""
    from zhili.web.units import current_unit, has_several_units, my_units

    request = context.get("request")
    user = getattr(request, "user", None)
    if not has_several_units(user):
        return None
    return {"units": my_units(user), "current": current_unit(request)}


@register.simple_tag(takes_context=True)
def can_admin(context: template.Context) -> bool:
    """True when Django admin would let the signed-in person in (zhili.core.admin decides)."""
    from django.contrib import admin

    request = context.get("request")
    return request is not None and getattr(request, "user", None) is not None and admin.site.has_permission(request)


@register.filter
def masked(value: str | None, kind: str = "phone") -> str:
    """`{{ person.phone|masked:"phone" }}` → 138****5678; kinds are those of zhili.core.pii."""
    return pii.mask(kind, value)


@register.filter
def minutes(value: datetime.timedelta | None) -> int:
    return int(value.total_seconds() // 60) if value else 0


def _css_class(widget: forms.Widget) -> str:
    if isinstance(widget, forms.CheckboxInput):
        return "form-check-input"
    if isinstance(widget, forms.Select | forms.SelectMultiple):
        return "form-select"
    return "form-control"


@register.filter
def bs(field: forms.BoundField) -> SafeString:
    """Render a bound field's widget with Bootstrap classes, error state and described-by links."""
    widget = field.field.widget
    attrs: dict[str, Any] = {"class": _css_class(widget)}
    if field.errors:
        attrs["class"] += " is-invalid"
        attrs["aria-invalid"] = "true"
        attrs["aria-describedby"] = f"{field.auto_id}-errors"
    elif field.help_text:
        attrs["aria-describedby"] = f"{field.auto_id}-help"
    if isinstance(widget, forms.DateTimeInput):
        attrs["type"] = "datetime-local"
    if isinstance(widget, forms.SelectMultiple):
        attrs["size"] = 4
    return field.as_widget(attrs=attrs)


@register.filter
def bs_filter(field: forms.BoundField) -> SafeString:
    """Like `bs`, for a filter form: the empty choice reads "all", since it means "no filter"."""
    widget = field.field.widget
    if isinstance(widget, forms.NullBooleanSelect):
        widget.choices = [("unknown", _("全部")), ("true", _("是")), ("false", _("否"))]
    elif isinstance(widget, forms.Select) and not isinstance(widget, forms.SelectMultiple):
        choices = list(widget.choices)
        if choices and choices[0][0] == "":
            widget.choices = [("", _("全部")), *choices[1:]]
    return bs(field)
