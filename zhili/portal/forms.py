from __future__ import annotations

import uuid
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from zhili.core import pii
from zhili.matters import actions
from zhili.portal.services import normalise_phone
from zhili.taxonomy.models import Category, Kind


def category_choices() -> list[Any]:
    """The categories grouped by kind, in words a resident knows; the first choice leaves it to
    the centre."""
    kinds = {kind.code: kind.label for kind in Kind.objects.filter(active=True)}
    groups: dict[str, list[tuple[str, str]]] = {}
    for category in Category.objects.filter(active=True, kind__active=True).order_by("kind_id", "code"):
        groups.setdefault(category.kind_id, []).append((category.code, category.label))
    choices: list[Any] = [("", _("不清楚，请工作人员判断"))]
    choices += [(kinds[kind], options) for kind, options in groups.items()]
    return choices


class ReportForm(forms.Form):
    """我要反映: what happened, where, and how to reach the resident."""

    description = forms.CharField(
        label=_("请说明您遇到的问题"),
        max_length=actions.MAX_DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 6}),
        help_text=_("写清楚发生了什么、涉及哪些人、希望得到什么帮助。"),
    )
    category = forms.ChoiceField(label=_("问题类别"), required=False)
    address = forms.CharField(
        label=_("发生地点"), max_length=300, required=False, help_text=_("如：市中区张公桥街道某小区3栋")
    )
    reporter_name = forms.CharField(label=_("您的姓名"), max_length=60)
    reporter_phone = forms.CharField(
        label=_("手机号码"), max_length=20, help_text=_("用于接收编号和办理进度短信，并凭它查询。")
    )
    consent = forms.BooleanField(
        label=_("我同意工作人员为办理本事项使用我填写的姓名和手机号码"),
        error_messages={"required": _("请阅读并勾选同意，我们才能联系您办理。")},
    )
    # One submission, one matter: a double click or a resent form returns the same matter.
    token = forms.UUIDField(widget=forms.HiddenInput, initial=uuid.uuid4)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        categories: Any = self.fields["category"]
        categories.choices = category_choices()

    def clean_reporter_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["reporter_phone"])
        if not pii.PHONE.match(phone):
            raise forms.ValidationError(_("手机号码格式不正确。"), code="phone_invalid")
        return phone


class TrackForm(forms.Form):
    number = forms.CharField(label=_("事项编号"), max_length=32, help_text=_("登记后短信里的编号，如 2026-000123"))
    phone = forms.CharField(label=_("反映时留的手机号码"), max_length=20)

    def clean_phone(self) -> str:
        phone = normalise_phone(self.cleaned_data["phone"])
        if not pii.PHONE.match(phone):
            raise forms.ValidationError(_("手机号码格式不正确。"), code="phone_invalid")
        return phone


class CodeForm(forms.Form):
    number = forms.CharField(widget=forms.HiddenInput, max_length=32)
    code = forms.CharField(
        label=_("短信验证码"),
        max_length=6,
        min_length=6,
        widget=forms.TextInput(attrs={"inputmode": "numeric", "autocomplete": "one-time-code"}),
    )


class RateForm(forms.Form):
    score = forms.TypedChoiceField(
        label=_("您对办理结果的评价"),
        coerce=int,
        widget=forms.RadioSelect,
        choices=[
            (5, _("5分 非常满意")),
            (4, _("4分 满意")),
            (3, _("3分 基本满意")),
            (2, _("2分 不满意")),
            (1, _("1分 非常不满意")),
        ],
    )
    comment = forms.CharField(
        label=_("您的意见（选填）"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 3})
    )


class ReopenForm(forms.Form):
    reason = forms.CharField(
        label=_("为什么需要重新办理"), min_length=2, max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class NoteForm(forms.Form):
    text = forms.CharField(label=_("补充说明"), min_length=2, max_length=2000, widget=forms.Textarea(attrs={"rows": 3}))
