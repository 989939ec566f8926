"""A matter's risk badge and deadline, as every list and page shows them.

Simple tags rather than included templates: the inbox draws both for each of its rows, and an
include costs a template render each time.
"""

from __future__ import annotations

import datetime
from typing import Any

from django import template
from django.utils import timezone
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext

from zhili.matters.choices import Status
from zhili.matters.queues import DUE_SOON

register = template.Library()

# The colour only repeats what the label says.
RISK_CLASSES = {
    "red": "text-bg-danger",
    "orange": "text-bg-warning",
    "yellow": "text-bg-light border border-warning",
}


@register.simple_tag
def risk_badge(risk: Any) -> SafeString:
    """`{% risk_badge matter.risk %}`: the risk level's label on its colour."""
    if not risk:
        return mark_safe("")
    return format_html('<span class="badge {}">{}</span>', RISK_CLASSES.get(risk.code, "text-bg-success"), risk.label)


@register.simple_tag(takes_context=True)
def due(context: template.Context, matter: Any) -> SafeString:
    """`{% due matter %}`: the deadline of the current stage, flagged when passed or within the
    next 24 hours (only open matters have one); "now" is the page's `now` when it has one."""
    if not matter.due_at:
        return mark_safe("—")
    now = context.get("now") or timezone.now()
    flag = ""
    if matter.overdue_at or matter.due_at < now:
        flag = format_html(' <span class="badge text-bg-danger">{}</span>', gettext("已超期"))
    elif matter.due_at < (context.get("due_soon_at") or now + DUE_SOON):
        flag = format_html(' <span class="badge text-bg-warning">{}</span>', gettext("即将到期"))
    return format_html("{}{}", time_tag(matter.due_at), flag)


@register.simple_tag
def time_tag(moment: datetime.datetime | None) -> SafeString:
    """`{% time_tag matter.received_at %}`: the local time, to the minute, in a <time> element."""
    if moment is None:
        return mark_safe("—")
    local = timezone.localtime(moment)
    return format_html('<time datetime="{}">{}</time>', local.isoformat(), local.strftime("%Y-%m-%d %H:%M"))


@register.filter
def status_label(status: str) -> str:
    """`{{ matter.status|status_label }}`: the status in words (get_status_display rebuilds the
    choices, every label translated, on each call)."""
    try:
        return str(Status(status).label)
    except ValueError:
        return status
