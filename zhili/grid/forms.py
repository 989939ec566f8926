"""The grid worker's two forms: a report (only the description is required) and the on-the-spot
result. They parse what was typed and chosen; services.py checks the photos and does the rest."""

from __future__ import annotations

import re
import uuid
from typing import Any

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import MinLengthValidator, RegexValidator
from django.utils.translation import gettext_lazy as _

from zhili.matters import actions
from zhili.org.models import Unit
from zhili.taxonomy.models import Category

TOKEN = re.compile(r"^[0-9a-f]{32}$")


class PhotoInput(forms.FileInput):
    """Several photos at once, straight from the camera where the phone offers it."""

    allow_multiple_selected = True

    def __init__(self) -> None:
        super().__init__(attrs={"accept": "image/*", "capture": "environment", "multiple": True})


class PhotosField(forms.FileField):
    """A list of uploaded files (empty when none was chosen)."""

    widget = PhotoInput

    def clean(self, data: Any, initial: Any = None) -> list[Any]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise ValidationError(self.error_messages["required"], code="required")
            return []
        return [super(PhotosField, self).clean(f, initial) for f in files]


def _coordinate(label: Any, limit: int) -> forms.FloatField:
    return forms.FloatField(
        label=label,
        required=False,
        min_value=-limit,
        max_value=limit,
        widget=forms.NumberInput(attrs={"step": "any", "inputmode": "decimal"}),
    )


class ReportForm(forms.Form):
    """网格员上报."""

    description = forms.CharField(
        label=_("情况描述"),
        max_length=actions.MAX_DESCRIPTION,
        help_text=_("谁、在哪里、发生了什么、需要什么帮助。"),
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    category = forms.ModelChoiceField(
        label=_("类别"),
        queryset=Category.objects.filter(active=True).order_by("kind_id", "code"),
        required=False,
        empty_label=_("不确定，由中心研判"),
    )
    photos = PhotosField(label=_("现场照片"), required=False)
    address = forms.CharField(label=_("地点描述"), max_length=300, required=False)
    lon = _coordinate(_("经度"), 180)
    lat = _coordinate(_("纬度"), 90)
    reporter_name = forms.CharField(label=_("反映人"), max_length=60, required=False)
    reporter_phone = forms.CharField(
        label=_("反映人电话"), max_length=20, required=False, widget=forms.TextInput(attrs={"inputmode": "tel"})
    )
    grid = forms.TypedChoiceField(label=_("所属网格"), coerce=int)
    token = forms.CharField(widget=forms.HiddenInput, validators=[RegexValidator(TOKEN)])

    def __init__(self, *args: Any, grids: list[Unit], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        category: Any = self.fields["category"]
        category.label_from_instance = lambda term: term.label
        grid: Any = self.fields["grid"]
        grid.choices = [(unit.pk, unit.name) for unit in grids]
        self.grids = {unit.pk: unit for unit in grids}
        if len(grids) == 1:
            # One grid (the usual case): nothing to choose, so nothing to show.
            grid.widget = forms.HiddenInput()
        self.initial.setdefault("grid", grids[0].pk if grids else None)
        self.initial.setdefault("token", uuid.uuid4().hex)

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if (cleaned.get("lon") is None) != (cleaned.get("lat") is None):
            self.add_error("lat" if cleaned.get("lat") is None else "lon", _("经度和纬度须同时填写。"))
        return cleaned

    def report_data(self) -> dict[str, Any]:
        data = self.cleaned_data
        category = data.get("category")
        return {
            "grid": self.grids[data["grid"]],
            "description": data["description"],
            "category": category.pk if category is not None else "",
            "address": data["address"],
            "lon": data.get("lon"),
            "lat": data.get("lat"),
            "reporter_name": data["reporter_name"],
            "reporter_phone": data["reporter_phone"],
            "photos": data["photos"],
            "token": data["token"],
        }


class ResolveForm(forms.Form):
    """就地化解: what was done and agreed, and at least one photo of the result."""

    result = forms.CharField(
        label=_("化解结果"),
        max_length=2000,
        validators=[MinLengthValidator(2)],
        help_text=_("做了什么、双方如何约定，群众是否认可。"),
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    photos = PhotosField(label=_("结果照片"), help_text=_("拍下化解后的现场或双方签字的约定。"))
