"""Form fields shared by the pages whose changes go into the audit log."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _


def reason_field(*, required: bool = True) -> forms.CharField:
    """Why the change is made (原因): the audit log keeps it with the change (core.context.because)."""
    return forms.CharField(
        label=_("原因"),
        required=required,
        min_length=2 if required else None,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text=_("将记入审计日志。"),
        error_messages={"required": _("请填写原因。")},
    )
