"""The staff workbench for matters: the inbox (queues with counts, filters) and a matter's page
(details with personal data masked, timeline, and a form for each step the viewer may take now).

Pages only parse and show; every step goes through `actions.perform()`, which checks the state
and the viewer's role again inside its transaction.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db.models import Count, F, Q, QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views import View
from django.views.decorators.http import require_POST

from zhili.accounts.models import User
from zhili.core.errors import DomainError
from zhili.core.scope import prefix_q, scope_for
from zhili.core.views import ScopedDetailView, ScopedListView
from zhili.matters import actions, lifecycle, policy
from zhili.matters.choices import Channel, EventKind, Status
from zhili.matters.filtersets import MatterPageFilterSet
from zhili.matters.forms import STEP_FORMS, IntakeForm, StepForm, StepOptions
from zhili.matters.models import Attachment, Matter, MatterEvent, MatterUnit
from zhili.org.models import Unit
from zhili.taxonomy.models import Category, Kind, RiskLevel, UnitType
from zhili.triage import services as triage

OPEN = [Status.NEW, Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED]
DUE_SOON = datetime.timedelta(hours=24)

# The inbox tabs, in order: key and label. A queue the viewer cannot work on is not shown.
QUEUES: list[tuple[str, Any]] = [
    ("all", gettext_lazy("全部")),
    ("dispatch", gettext_lazy("待分拨")),
    ("accept", gettext_lazy("待受理")),
    ("in_progress", gettext_lazy("办理中")),
    ("overdue", gettext_lazy("已超期")),
    ("supervised", gettext_lazy("督办中")),
    ("due_soon", gettext_lazy("即将到期")),
]
# The columns an inbox row shows: everything else (the description above all) stays in the database.
ROW_FIELDS = (
    "number",
    "title",
    "status",
    "channel",
    "received_at",
    "due_at",
    "overdue_at",
    "supervised",
    "extension_pending",
    "risk__code",
    "risk__name_zh",
    "risk__name_en",
    "risk__rank",
    "category__code",
    "category__name_zh",
    "category__name_en",
    "lead_unit__name",
    "intake_unit__name",
)


def queue_conditions(user: Any, now: datetime.datetime) -> dict[str, Q]:
    """What puts a matter in each queue, for this viewer (applied within their reach)."""
    conditions: dict[str, Q] = {"all": Q()}
    dispatch = scope_for(user, "matter.dispatch")
    if not dispatch.empty:
        waiting = Q(status__in=[Status.NEW, Status.RETURNED])
        if not dispatch.everything:  # as policy.py: dispatch over any unit the matter is attached to
            waiting &= Q(pk__in=MatterUnit.objects.filter(prefix_q("unit__path", dispatch.paths)).values("matter_id"))
        conditions["dispatch"] = waiting
    handle = scope_for(user, "matter.handle")
    if not handle.empty:
        dispatched = Q(status=Status.DISPATCHED)
        if not handle.everything:  # as policy.py: handle over the lead unit
            dispatched &= Q(lead_unit__in=Unit.objects.filter(prefix_q("path", handle.paths)).values("pk"))
        conditions["accept"] = dispatched
    is_open = Q(status__in=OPEN)
    conditions["in_progress"] = Q(status=Status.IN_PROGRESS)
    conditions["overdue"] = is_open & (Q(due_at__lt=now) | Q(overdue_at__isnull=False))
    conditions["supervised"] = Q(supervised=True)
    conditions["due_soon"] = is_open & Q(due_at__gte=now, due_at__lt=now + DUE_SOON)
    return conditions


class MatterInboxView(ScopedListView):
    """事项工作台: the matters in the viewer's reach, by queue, red first and then by deadline."""

    model = Matter
    filterset_class = MatterPageFilterSet
    template_name = "matters/inbox.html"
    page_title = gettext_lazy("事项")
    hidden_filters = ["queue", "lead_unit", "supervised", "due_before", "received_after", "received_before"]

    def get_queryset(self) -> QuerySet:
        return (
            Matter.objects.restrict(self.request.user, "view")
            .select_related("risk", "category", "lead_unit", "intake_unit")
            .only(*ROW_FIELDS)
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        filtered: QuerySet = kwargs.pop("object_list")
        now = timezone.now()
        conditions = queue_conditions(self.request.user, now)
        counts = filtered.order_by().aggregate(
            **{key: Count("pk", filter=condition) for key, condition in conditions.items()}
        )
        cleaned = getattr(self.filterset.form, "cleaned_data", {}) or {}
        queue = cleaned.get("queue") or "all"
        if queue not in conditions:
            queue = "all"
        rows = filtered.filter(conditions[queue]).order_by(
            F("risk__rank").desc(), F("due_at").asc(nulls_last=True), "-received_at", "-pk"
        )
        tabs = [(key, label, counts[key]) for key, label in QUEUES if key in conditions]
        self.object_list = rows
        return super().get_context_data(
            object_list=rows,
            tabs=tabs,
            queue=queue,
            now=now,
            due_soon_at=now + DUE_SOON,
            can_intake=not scope_for(self.request.user, "matter.intake").empty,
            **kwargs,
        )


class MatterDetailView(ScopedDetailView):
    """A matter's page: what it is, who is involved (masked), where it stands, what happened, and
    the steps the viewer may take now."""

    model = Matter
    related = (
        "kind",
        "category",
        "risk",
        "intake_unit",
        "jurisdiction",
        "lead_unit",
        "owner",
        "leader",
        "received_by",
    )
    template_name = "matters/matter_detail.html"
    context_object_name = "matter"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        matter: Matter = self.object
        viewer = self.request.user
        options = StepOptions(viewer, matter)
        allowed = policy.permitted(viewer, matter, lifecycle.allowed_from(actions.state_of(matter)))
        failed: StepForm | None = kwargs.pop("failed_form", None)
        step_forms = [STEP_FORMS[kind](options=options) for kind in allowed if kind in STEP_FORMS]
        if failed is not None:
            # The refused form, with its input and message, in place of (or, when the step is no
            # longer possible, in front of) a fresh one.
            step_forms = [failed, *(form for form in step_forms if form.kind != failed.kind)]
        events = list(matter.events.order_by("seq").select_related("actor"))
        return super().get_context_data(
            parties=matter.parties.order_by("pk"),
            attachments=[
                (a, reverse("api:matter-attachment-download", kwargs={"matter_id": matter.pk, "pk": a.pk}))
                for a in Attachment.objects.filter(matter=matter).order_by("pk")
            ],
            co_units=Unit.objects.filter(pk__in=matter.co_units).order_by("path"),
            timeline=list(zip(events, summarise(events), strict=True)),
            step_forms=step_forms,
            step_url=reverse("matters:step", kwargs={"pk": matter.pk}),
            now=timezone.now(),
            due_soon_at=timezone.now() + DUE_SOON,
            **kwargs,
        )


class MatterStepView(MatterDetailView):
    """POST one step of the matter (`kind` names it); GET shows the matter's page."""

    http_method_names = ["get", "post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = matter = self.get_object()  # through restrict(viewer, "view"): 404 outside the scope
        kind = request.POST.get("kind", "")
        form_class = STEP_FORMS.get(kind)
        if form_class is None:
            messages.error(request, _("未知的操作。"))
            return self.render_to_response(self.get_context_data(), status=400)
        form = form_class(request.POST, options=StepOptions(request.user, matter))
        status = 400
        if form.is_valid():
            try:
                actions.perform(
                    matter, kind, actor=request.user, reason=form.cleaned_data.get("reason", ""), data=form.step_data()
                )
            except actions.TransitionConflict as conflict:
                status = 409
                form.add_error(None, _conflict_message(conflict))
            except DomainError as error:
                status = error.status_code
                form.add_error(error.field if error.field in form.fields else None, error.message)
            except PermissionDenied as denied:
                status = 403
                form.add_error(None, str(denied) or _("您无权对该事项进行此操作。"))
            else:
                messages.success(request, _("已完成：%(step)s。") % {"step": form.title})
                return redirect("matters:detail", pk=matter.pk)
        self.object = Matter.objects.select_related(*self.related).get(pk=matter.pk)
        return self.render_to_response(self.get_context_data(failed_form=form), status=status)


def _conflict_message(conflict: actions.TransitionConflict) -> str:
    # The state machine's reason when it gives one (no extension request pending …), else a
    # general one: someone else may have taken a step meanwhile.
    steps = "、".join(str(EventKind(kind).label) for kind in conflict.allowed if kind in EventKind.values)
    general = _("当前状态下不能进行此操作。")
    message = (
        conflict.message
        if conflict.message != general
        else _("事项的当前状态不允许此操作（可能已被他人处理），请刷新后再试。")
    )
    return f"{message} {_('您现在可以：%(steps)s。') % {'steps': steps}}" if steps else message


# --- the timeline, in words -----------------------------------------------------------------

UNIT_KEYS = {
    "lead_unit": gettext_lazy("牵头单位"),
    "unit": gettext_lazy("上报至"),
    "from": gettext_lazy("原单位"),
    "jurisdiction": gettext_lazy("属地"),
    "intake_unit": gettext_lazy("受理单位"),
}
UNIT_LIST_KEYS = {"co_units": gettext_lazy("协办单位"), "units": gettext_lazy("协办单位")}


def summarise(events: Iterable[MatterEvent]) -> list[str]:
    """Each event's data as one line of Chinese, with names for the units, people and codes it
    holds (read in a few queries for the whole timeline)."""
    events = list(events)
    unit_ids: set[int] = set()
    user_ids: set[int] = set()
    for event in events:
        data = event.data or {}
        unit_ids.update(v for k, v in data.items() if k in UNIT_KEYS and isinstance(v, int))
        for key in UNIT_LIST_KEYS:
            unit_ids.update(v for v in data.get(key) or () if isinstance(v, int))
        if isinstance(data.get("leader"), int):
            user_ids.add(data["leader"])
        user_ids.update(v for v in data.get("leaders") or () if isinstance(v, int))
    units = dict(Unit.objects.filter(pk__in=unit_ids).values_list("pk", "name")) if unit_ids else {}
    users = {u.pk: str(u) for u in User.objects.filter(pk__in=user_ids)} if user_ids else {}
    terms: dict[str, dict[str, str]] = {}
    for key, model in (("kind", Kind), ("category", Category), ("risk", RiskLevel)):
        codes = {str(e.data[key]) for e in events if (e.data or {}).get(key)}
        terms[key] = {t.code: t.label for t in model.objects.filter(code__in=codes)} if codes else {}
    return [_summary(event.data or {}, units, users, terms) for event in events]


def _summary(data: dict[str, Any], units: dict[int, str], users: dict[int, str], terms: dict[str, Any]) -> str:
    parts: list[str] = []

    def unit_name(pk: Any) -> str:
        return units.get(pk, _("单位#%(id)s") % {"id": pk})

    for key, label in UNIT_KEYS.items():
        if data.get(key):
            parts.append(f"{label}：{unit_name(data[key])}")
    for key, label in UNIT_LIST_KEYS.items():
        if data.get(key):
            parts.append(f"{label}：{'、'.join(unit_name(pk) for pk in data[key])}")
    term_labels = {"kind": _("事项类型"), "category": _("类别"), "risk": _("风险等级")}
    for key, term_label in term_labels.items():
        if data.get(key):
            parts.append(f"{term_label}：{terms[key].get(data[key], data[key])}")
    if data.get("channel"):
        parts.append(f"{_('渠道')}：{Channel(data['channel']).label if data['channel'] in Channel.values else ''}")
    if data.get("leader"):
        parts.append(f"{_('包案领导')}：{users.get(data['leader'], '')}")
    if data.get("leaders"):
        parts.append(f"{_('通报领导')}：{'、'.join(users.get(pk, '') for pk in data['leaders'])}")
    if "score" in data:
        parts.append(_("评分：%(score)s分") % {"score": data["score"]})
    if "satisfied" in data:
        parts.append(_("满意") if data["satisfied"] else _("不满意"))
    if "reached" in data:
        parts.append(_("已联系上群众") if data["reached"] else _("未能联系上群众"))
    if data.get("amount"):
        parts.append(_("延期时长：%(amount)s") % {"amount": data["amount"]})
    if data.get("due"):
        parts.append(_("督办期限：%(due)s") % {"due": data["due"]})
    if data.get("into"):
        parts.append(_("并入事项：%(number)s") % {"number": data["into"]})
    if data.get("name"):
        parts.append(_("附件：%(name)s") % {"name": data["name"]})
    return "；".join(parts)


# --- intake at the counter, with triage as the clerk types ------------------------------------------


class MatterIntakeView(LoginRequiredMixin, View):
    """登记: a clerk registers a walk-in or a call. As the clerk types, triage's proposal appears
    beside the form (htmx, `triage_preview`); one click takes its category and risk."""

    template_name = "matters/intake.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and scope_for(request.user, "matter.intake").empty:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = IntakeForm(user=request.user)
        units: Any = form.fields["intake_unit"]
        if units.choices:
            form.initial["intake_unit"] = units.choices[0][0]
        return render(request, self.template_name, {"form": form, "page_title": _("登记事项")})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = IntakeForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                matter, _created = actions.receive(
                    actor=request.user,
                    channel=data["channel"],
                    description=data["description"],
                    category=data["category"].pk,
                    risk=data["risk"].pk,
                    address=data["address"],
                    intake_unit=Unit.objects.get(pk=data["intake_unit"]),
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    anonymous=data["anonymous"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("已登记，编号 %(number)s。") % {"number": matter.number})
                return redirect("matters:detail", pk=matter.pk)
        context = {"form": form, "page_title": _("登记事项")}
        return render(request, self.template_name, context, status=400)


@login_required
@require_POST
def triage_preview(request: HttpRequest) -> HttpResponse:
    """The proposal for the text typed so far (a partial for htmx). With `apply`, the category and
    risk fields come back too, chosen as proposed (htmx out-of-band swaps)."""
    if scope_for(request.user, "matter.intake").empty:
        raise PermissionDenied
    try:
        text = triage.check_text(request.POST.get("description", ""))
    except DomainError as error:
        typed = request.POST.get("description", "").strip()
        return render(request, "matters/_triage.html", {"error": error.message if typed else ""})
    proposal = triage.triage(text, request.POST.get("address", "")[:300])
    context: dict[str, Any] = {
        "proposal": proposal,
        "signals": [(signal, triage.SIGNAL_LABELS.get(signal["code"], signal["code"])) for signal in proposal.signals],
        "category": Category.objects.filter(pk=proposal.category).first(),
        "risk": RiskLevel.objects.filter(pk=proposal.risk).first(),
        "place": Unit.objects.filter(pk=proposal.jurisdiction["unit_id"]).first() if proposal.jurisdiction else None,
        "lead_type": UnitType.objects.filter(pk=proposal.lead_unit).first(),
        "co_types": list(UnitType.objects.filter(pk__in=proposal.co_units)),
    }
    if request.POST.get("apply"):
        form = IntakeForm(
            {**request.POST.dict(), "category": proposal.category, "risk": proposal.risk}, user=request.user
        )
        context["applied"] = form
    return render(request, "matters/_triage.html", context)
