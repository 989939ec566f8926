"""Forms of the matter page: one small form per lifecycle step (签收, 退回, 转办 …).

A form only parses and validates what the person typed; `actions.perform()` checks the step
against the state and the person's role and records it. Each form is rendered with its step as
prefix, so several can sit on one page; the step itself travels in the unprefixed `kind` field.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, ClassVar

from django import forms
from django.core.validators import MinLengthValidator
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise

from zhili.accounts.models import User
from zhili.core.scope import prefix_q, scope_for
from zhili.matters import actions, duplicates
from zhili.matters.actions import REASON_REQUIRED
from zhili.matters.choices import Channel, EventKind, Status
from zhili.matters.models import Matter
from zhili.org.forms import MAX_UNIT_CHOICES, unit_choices
from zhili.taxonomy.models import Category, RiskLevel


class StepOptions:
    """The pick-lists the step forms share, read once per page and only when a form needs them."""

    def __init__(self, user: Any, matter: Matter) -> None:
        self.user = user
        self.matter = matter

    @cached_property
    def units(self) -> list[tuple[Any, str]]:
        return unit_choices(self.user, around=True)

    @cached_property
    def merge_candidates(self) -> list[duplicates.Candidate]:
        return duplicates.for_matter(self.user, self.matter)

    @cached_property
    def leaders(self) -> list[tuple[Any, str]]:
        scope = scope_for(self.user, "matter.view")
        leaders = User.objects.filter(is_active=True, memberships__role="leader")
        if not scope.everything:
            leaders = leaders.filter(prefix_q("memberships__unit__path", scope.paths))
        return [(user.pk, str(user)) for user in leaders.distinct().order_by("username")[:MAX_UNIT_CHOICES]]


class StepForm(forms.Form):
    """A step with an optional (or, for some steps, required) reason."""

    kind: ClassVar[str]
    reason_label: ClassVar[StrOrPromise] = _("说明")
    reason_required: ClassVar[bool | None] = None  # None: as actions.perform() requires
    button_class: ClassVar[str] = "btn-primary"

    reason = forms.CharField(label=_("说明"), max_length=2000, widget=forms.Textarea(attrs={"rows": 2}))

    def __init__(self, *args: Any, options: StepOptions, **kwargs: Any) -> None:
        kwargs.setdefault("prefix", self.kind)
        super().__init__(*args, **kwargs)
        self.options = options
        reason = self.fields["reason"]
        reason.label = self.reason_label
        required = self.reason_required if self.reason_required is not None else self.kind in REASON_REQUIRED
        reason.required = required
        if required:
            reason.validators.append(MinLengthValidator(2))
        self.order_fields([name for name in self.fields if name != "reason"] + ["reason"])
        self.setup()

    def setup(self) -> None:
        """Fill pick-lists from self.options (subclasses)."""

    @property
    def title(self) -> str:
        return str(EventKind(self.kind).label)

    def step_data(self) -> dict[str, Any]:
        return {}


def _unit_field(label: StrOrPromise, *, required: bool = True) -> forms.TypedChoiceField:
    return forms.TypedChoiceField(label=label, coerce=int, required=required, empty_value=None)


def _units_field(label: StrOrPromise, *, required: bool) -> forms.TypedMultipleChoiceField:
    return forms.TypedMultipleChoiceField(label=label, coerce=int, required=required)


class TriageForm(StepForm):
    kind = EventKind.TRIAGED
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.filter(active=True).order_by("kind_id", "code"), required=False
    )
    risk = forms.ModelChoiceField(label=_("风险等级"), queryset=RiskLevel.objects.all(), required=False)
    jurisdiction = _unit_field(_("属地"), required=False)

    def setup(self) -> None:
        for name in ("category", "risk"):
            field: Any = self.fields[name]
            field.label_from_instance = lambda term: term.label
        self.fields["category"].initial = self.options.matter.category_id
        self.fields["risk"].initial = self.options.matter.risk_id
        jurisdiction: Any = self.fields["jurisdiction"]
        jurisdiction.choices = [("", _("不变")), *self.options.units]

    def step_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {}
        category = self.cleaned_data.get("category")
        if category is not None:
            data["category"] = category.code
            data["kind"] = category.kind_id  # a category of another kind changes the kind with it
        risk = self.cleaned_data.get("risk")
        if risk is not None:
            data["risk"] = risk.code
        if self.cleaned_data.get("jurisdiction"):
            data["jurisdiction"] = self.cleaned_data["jurisdiction"]
        return data


class DispatchForm(StepForm):
    kind = EventKind.DISPATCHED
    lead_unit = _unit_field(_("牵头单位"))
    co_units = _units_field(_("协办单位"), required=False)

    def setup(self) -> None:
        lead: Any = self.fields["lead_unit"]
        lead.choices = [("", _("请选择")), *self.options.units]
        co: Any = self.fields["co_units"]
        co.choices = self.options.units
        co.help_text = _("可多选；按住 Ctrl 键点选。")

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        if cleaned.get("lead_unit") in (cleaned.get("co_units") or []):
            self.add_error("co_units", _("协办单位不能与牵头单位相同。"))
        return cleaned

    def step_data(self) -> dict[str, Any]:
        return {"lead_unit": self.cleaned_data["lead_unit"], "co_units": self.cleaned_data.get("co_units") or []}


class TransferForm(StepForm):
    kind = EventKind.TRANSFERRED
    reason_label = _("转办原因")
    lead_unit = _unit_field(_("转至单位"))

    def setup(self) -> None:
        field: Any = self.fields["lead_unit"]
        field.choices = [("", _("请选择")), *self.options.units]

    def step_data(self) -> dict[str, Any]:
        return {"lead_unit": self.cleaned_data["lead_unit"]}


class CoHandlingForm(StepForm):
    kind = EventKind.CO_HANDLING_ADDED
    units = _units_field(_("协办单位"), required=True)

    def setup(self) -> None:
        field: Any = self.fields["units"]
        field.choices = self.options.units
        field.help_text = _("可多选；按住 Ctrl 键点选。")

    def step_data(self) -> dict[str, Any]:
        return {"units": self.cleaned_data["units"]}


class AcceptForm(StepForm):
    kind = EventKind.ACCEPTED


class ReturnForm(StepForm):
    kind = EventKind.RETURNED
    reason_label = _("退回原因")
    button_class = "btn-outline-danger"


class ContactForm(StepForm):
    kind = EventKind.CONTACTED
    reason_label = _("联系情况")
    reason_required = True


class NoteForm(StepForm):
    kind = EventKind.NOTE
    reason_label = _("备注内容")
    reason_required = True
    button_class = "btn-outline-primary"


class EscalateForm(StepForm):
    kind = EventKind.ESCALATED
    reason_label = _("上报原因")
    button_class = "btn-outline-danger"


class SuperviseForm(StepForm):
    kind = EventKind.SUPERVISED
    reason_label = _("督办意见")
    due = forms.DateField(label=_("督办期限"), required=False, widget=forms.DateInput(attrs={"type": "date"}))

    def step_data(self) -> dict[str, Any]:
        due = self.cleaned_data.get("due")
        return {"due": due.isoformat() if due else ""}


class SupervisionReplyForm(StepForm):
    kind = EventKind.SUPERVISION_REPLIED
    reason_label = _("回复内容")
    reason_required = True


class LeaderForm(StepForm):
    kind = EventKind.LEADER_ASSIGNED
    leader = _unit_field(_("包案领导"))

    def setup(self) -> None:
        field: Any = self.fields["leader"]
        field.choices = [("", _("请选择")), *self.options.leaders]
        field.initial = getattr(self.options.user, "pk", None)

    def step_data(self) -> dict[str, Any]:
        return {"leader": self.cleaned_data["leader"]}


class ExtensionRequestForm(StepForm):
    kind = EventKind.EXTENSION_REQUESTED
    reason_label = _("延期理由")
    amount = forms.IntegerField(
        label=_("延期时长"), min_value=1, max_value=365, help_text=_("按该期限规则的计时单位（一般为天）。")
    )

    def step_data(self) -> dict[str, Any]:
        return {"amount": self.cleaned_data["amount"]}


class ExtensionApproveForm(StepForm):
    kind = EventKind.EXTENSION_APPROVED
    amount = forms.IntegerField(
        label=_("批准时长"), min_value=1, max_value=365, required=False, help_text=_("不填则按申请的时长批准。")
    )

    def setup(self) -> None:
        self.fields["amount"].initial = self.options.matter.extension_requested or None

    def step_data(self) -> dict[str, Any]:
        amount = self.cleaned_data.get("amount")
        return {"amount": amount} if amount else {}


class ExtensionDenyForm(StepForm):
    kind = EventKind.EXTENSION_DENIED
    reason_label = _("不予延期的理由")
    button_class = "btn-outline-danger"


class AnswerForm(StepForm):
    kind = EventKind.ANSWERED
    reason_label = _("答复内容")
    reason_required = True


class VisitForm(StepForm):
    kind = EventKind.VISITED
    reason_label = _("回访情况")
    reached = forms.TypedChoiceField(
        label=_("回访结果"),
        choices=[("1", _("已联系上群众")), ("0", _("未能联系上群众"))],
        coerce=lambda value: value == "1",
        initial="1",
    )

    def step_data(self) -> dict[str, Any]:
        return {"reached": self.cleaned_data["reached"]}


class RateForm(StepForm):
    kind = EventKind.RATED
    reason_label = _("群众意见")
    score = forms.TypedChoiceField(
        label=_("评分"),
        coerce=int,
        choices=[
            ("", _("请选择")),
            (5, _("5分 · 非常满意")),
            (4, _("4分 · 满意")),
            (3, _("3分 · 基本满意")),
            (2, _("2分 · 不满意")),
            (1, _("1分 · 非常不满意")),
        ],
    )

    def step_data(self) -> dict[str, Any]:
        return {"score": self.cleaned_data["score"]}


class CloseForm(StepForm):
    kind = EventKind.CLOSED


class ReopenForm(StepForm):
    kind = EventKind.REOPENED
    reason_label = _("重新办理的原因")


class MergeForm(StepForm):
    kind = EventKind.MERGED
    reason_label = _("合并原因")
    into = forms.CharField(label=_("在先事项编号"), max_length=32)
    button_class = "btn-outline-danger"

    def setup(self) -> None:
        # A new matter that looks like an earlier one: the earlier numbers are offered (and the
        # closest chosen), any other number may still be typed.
        self.candidates = self.options.merge_candidates if self.options.matter.status == Status.NEW else []
        if self.candidates:
            field = self.fields["into"]
            field.initial = self.candidates[0].number
            field.widget.attrs["list"] = f"{self.prefix}-candidates"
            field.help_text = _("已按疑似重复事项预选，可改填其他编号。")

    def step_data(self) -> dict[str, Any]:
        return {"into": self.cleaned_data["into"].strip()}


class WaitForm(StepForm):
    kind = EventKind.WAITING
    reason_label = _("需要群众补充的内容")
    reason_required = True


class ResumeForm(StepForm):
    kind = EventKind.RESUMED


STEP_FORMS: dict[str, type[StepForm]] = {
    form.kind: form
    for form in (
        TriageForm,
        DispatchForm,
        AcceptForm,
        ReturnForm,
        TransferForm,
        CoHandlingForm,
        ContactForm,
        NoteForm,
        EscalateForm,
        SuperviseForm,
        SupervisionReplyForm,
        LeaderForm,
        ExtensionRequestForm,
        ExtensionApproveForm,
        ExtensionDenyForm,
        AnswerForm,
        VisitForm,
        RateForm,
        CloseForm,
        ReopenForm,
        MergeForm,
        WaitForm,
        ResumeForm,
    )
}


# --- the matter page: personal data in full, files ---------------------------------------------


class RevealForm(forms.Form):
    """Ask to see one masked value in full: the reporter's phone, or a party's phone or ID number
    (`target` is "reporter" or "party-<id>"). The reason goes to the audit log."""

    target = forms.RegexField(regex=r"^(reporter|party-[0-9]{1,18})$")
    field = forms.ChoiceField(choices=[("reporter_phone", ""), ("phone", ""), ("id_number", "")])
    reason = forms.CharField(
        label=_("查看原因"),
        min_length=2,
        max_length=500,
        error_messages={
            "required": _("请填写查看原因。"),
            "min_length": _("查看原因至少 %(limit_value)d 个字。"),
        },
    )


class AttachmentForm(forms.Form):
    """A photo or a document for the matter (attachments.attach checks its type and size)."""

    file = forms.FileField(
        label=_("文件"),
        allow_empty_file=True,  # attach() refuses empty files with its own message
        error_messages={"required": _("请选择要上传的文件。"), "invalid": _("请选择要上传的文件。")},
        help_text=_("照片（JPEG、PNG、WebP、HEIC）或文件（PDF、DOCX、XLSX）。"),
        widget=forms.FileInput(attrs={"accept": ".jpg,.jpeg,.png,.webp,.heic,.heif,.pdf,.docx,.xlsx"}),
    )
    reason = forms.CharField(label=_("附件说明"), max_length=1000, required=False)


# --- intake at the counter or on the phone ---------------------------------------------------------

INTAKE_CHANNELS = [
    (Channel.WALK_IN, Channel.WALK_IN.label),
    (Channel.HOTLINE, Channel.HOTLINE.label),
    (Channel.GRID_WORKER, Channel.GRID_WORKER.label),
]


class IntakeForm(forms.Form):
    """A clerk registers what a resident brings in person or on the phone (actions.receive)."""

    description = forms.CharField(
        label=_("诉求内容"), max_length=actions.MAX_DESCRIPTION, widget=forms.Textarea(attrs={"rows": 6})
    )
    address = forms.CharField(label=_("地址"), max_length=300, required=False)
    category = forms.ModelChoiceField(
        label=_("类别"), queryset=Category.objects.filter(active=True).order_by("kind_id", "code")
    )
    risk = forms.ModelChoiceField(label=_("风险等级"), queryset=RiskLevel.objects.all(), initial="green")
    channel = forms.ChoiceField(label=_("渠道"), choices=INTAKE_CHANNELS, initial=Channel.WALK_IN)
    intake_unit = forms.TypedChoiceField(label=_("受理单位"), coerce=int)
    reporter_name = forms.CharField(label=_("反映人"), max_length=60, required=False)
    reporter_phone = forms.CharField(label=_("反映人电话"), max_length=20, required=False)
    anonymous = forms.BooleanField(label=_("匿名（办理人看不到反映人）"), required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in ("category", "risk"):
            field: Any = self.fields[name]
            field.label_from_instance = lambda term: term.label
        units: Any = self.fields["intake_unit"]
        units.choices = unit_choices(user, permission="matter.intake")


class ResolveOnSpotForm(StepForm):
    """就地化解 on the staff page; the grid worker's phone page (zhili.grid) adds result photos."""

    kind = EventKind.RESOLVED_ON_SPOT
    reason_label = _("化解结果")
    reason_required = True


STEP_FORMS[ResolveOnSpotForm.kind] = ResolveOnSpotForm
