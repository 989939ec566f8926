"""Template helpers shared by every page: permissions, masked personal data, Bootstrap fields."""

from __future__ import annotations

import datetime
from typing import Any

from django import forms, template
from django.utils.safestring import SafeString
from django.utils.translation import gettext_lazy as _

from zhili.core import pii
from zhili.core.scope import scope_for

register = template.Library()


@register.simple_tag(takes_context=True)
def can(context: template.Context, permission: str) -> bool:
    """True when the signed-in user holds `permission` somewhere: `{% can "audit.view" as x %}`."""
    request = context.get("request")
    user = getattr(request, "user", None)
    return user is not None and not scope_for(user, permission).empty


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
