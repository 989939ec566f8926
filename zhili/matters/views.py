"""The staff workbench for matters: the inbox (queues with counts, filters, saved views) and a
matter's page (details with personal data masked, timeline, and a form for each step the viewer
may take now). Both answer htmx with the part that changed (the list; the matter's panel) and
work as plain pages without JavaScript.

Pages only parse and show; every step goes through `actions.perform()`, which checks the state
and the viewer's role again inside its transaction. Revealing personal data and attaching files
are in views_reveal.py, intake in views_intake.py.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase, QueryDict
from django.shortcuts import redirect
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.accounts.models import User
from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.core.views import ScopedDetailView, ScopedListView
from zhili.matters import actions, lifecycle, policy
from zhili.matters.choices import Channel, EventKind, Status
from zhili.matters.filtersets import MatterPageFilterSet
from zhili.matters.forms import STEP_FORMS, AttachmentForm, StepForm, StepOptions
from zhili.matters.models import Attachment, Matter, MatterEvent
from zhili.matters.queues import (
    DEFAULT_QUEUE,
    DUE_SOON,
    QUEUES,
    UNCOUNTED,
    count_queues,
    forget_counts,
    kept_counts,
    ordering,
    queue_conditions,
)
from zhili.org.models import Unit
from zhili.taxonomy.models import Category, Kind, RiskLevel
from zhili.web import saved_views
from zhili.web.htmx import PartialTemplateMixin
from zhili.web.paging import CountedPaginator, OpenEndedPaginator
from zhili.web.units import current_unit

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


class MatterInboxView(PartialTemplateMixin, ScopedListView):
    """事项工作台: the matters in the viewer's reach, by queue, red first and then by deadline.
    With a current unit chosen (web.units), the unit filter starts at that unit."""

    model = Matter
    filterset_class = MatterPageFilterSet
    template_name = "matters/inbox.html"
    partial_template_name = "matters/_inbox_list.html"
    page_title = gettext_lazy("事项")
    hidden_filters = ["queue", "lead_unit", "supervised", "due_before", "received_after", "received_before"]
    # A screen's worth: on a phone each row is a card (.zl-stack), and the work is at the top.
    paginate_by = 25

    def get_queryset(self) -> QuerySet:
        return (
            Matter.objects.restrict(self.request.user, "view")
            .select_related("risk", "category", "lead_unit", "intake_unit")
            .only(*ROW_FIELDS)
        )

    def get_filterset(self, filterset_class: Any) -> Any:
        kwargs = self.get_filterset_kwargs(filterset_class)
        unit = current_unit(self.request)
        data = kwargs["data"]
        if unit is not None and (data is None or "unit" not in data):
            data = data.copy() if data is not None else QueryDict(mutable=True)
            data["unit"] = str(unit.pk)
            kwargs["data"] = data
        filterset = filterset_class(**kwargs)
        if unit is not None:
            # A unit of one's own is always a valid choice, even below the levels the list shows.
            choices = filterset.filters["unit"].extra["choices"]
            if all(pk != unit.pk for pk, _name in choices):
                choices.append((unit.pk, unit.name))
        return filterset

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        filtered: QuerySet = kwargs.pop("object_list")
        now = timezone.now()
        conditions = queue_conditions(self.request.user, now)
        filters = (self.filterset.data or QueryDict()).copy()
        filters.pop("queue", None)
        self.counts = kept_counts(
            self.request.user, saved_views.query_of(filters), lambda: count_queues(filtered, conditions)
        )
        cleaned = getattr(self.filterset.form, "cleaned_data", {}) or {}
        queue = cleaned.get("queue") or DEFAULT_QUEUE
        if queue not in conditions:
            queue = DEFAULT_QUEUE
        self.queue = queue
        # The page's ids first, from the indexes alone (the status index holds what a queue is
        # filtered and ordered by); then those rows, with their risk, category and units.
        ids = filtered.filter(conditions[queue]).order_by(*ordering(queue)).values_list("pk", flat=True)
        tabs = [(key, label, self.counts.get(key)) for key, label in QUEUES if key in conditions]
        query = saved_views.query_of(self.filterset.data or {})
        context = super().get_context_data(
            object_list=ids,
            tabs=tabs,
            queue=queue,
            now=now,
            due_soon_at=now + DUE_SOON,
            can_intake=not scope_for(self.request.user, "matter.intake").empty,
            saved_views=saved_views.of(self.request.user),
            saved_view_form=kwargs.pop("saved_view_form", None) or saved_views.SavedViewForm(initial={"query": query}),
            current_query=query,
            **kwargs,
        )
        page = context["page_obj"]
        found = self.get_queryset().in_bulk(list(page.object_list))
        page.object_list = [found[pk] for pk in page.object_list if pk in found]
        context["object_list"] = page.object_list
        return context

    def get_paginator(self, queryset: QuerySet, per_page: int, orphans: int = 0, **kwargs: Any) -> Paginator:
        # The queue's rows were counted with the other queues; 全部 is not counted at all.
        if self.queue == UNCOUNTED:
            return OpenEndedPaginator(queryset, per_page, **kwargs)
        return CountedPaginator(queryset, per_page, count=self.counts[self.queue], orphans=orphans, **kwargs)


class MatterDetailView(PartialTemplateMixin, ScopedDetailView):
    """A matter's page: what it is, who is involved (masked), where it stands, what happened, and
    the steps the viewer may take now. Its panel (`matters/_panel.html`) is what htmx swaps after
    a step or an upload."""

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
    partial_template_name = "matters/_panel.html"
    context_object_name = "matter"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        from zhili.matters.views_reveal import reveal_context

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
        can_attach = EventKind.NOTE in allowed and matter.status != Status.MERGED
        kwargs.setdefault("attachment_form", AttachmentForm() if can_attach else None)
        refused = failed is not None or getattr(kwargs["attachment_form"], "is_bound", False)
        return super().get_context_data(
            failed=refused,
            attachments=[
                (a, reverse("api:matter-attachment-download", kwargs={"matter_id": matter.pk, "pk": a.pk}))
                for a in Attachment.objects.filter(matter=matter).order_by("pk")
            ],
            co_units=Unit.objects.filter(pk__in=matter.co_units).order_by("path"),
            timeline=list(zip(events, summarise(events), strict=True)),
            step_forms=step_forms,
            step_url=reverse("matters:step", kwargs={"pk": matter.pk}),
            attach_url=reverse("matters:attach", kwargs={"pk": matter.pk}),
            now=timezone.now(),
            due_soon_at=timezone.now() + DUE_SOON,
            **reveal_context(viewer, matter, kwargs.pop("revealed", None), kwargs.pop("reveal_form", None)),
            **kwargs,
        )

    def done(self, matter: Matter) -> HttpResponseBase:
        """After a change: the page again (a redirect, so a reload does not repeat it), or for
        htmx the fresh panel. The menu's counts are read anew on the next page."""
        forget_counts(self.request.user)
        if not self.request.htmx:  # type: ignore[attr-defined]
            return redirect("matters:detail", pk=matter.pk)
        self.object = Matter.objects.select_related(*self.related).get(pk=matter.pk)
        return self.render_to_response(self.get_context_data())


class MatterStepView(MatterDetailView):
    """POST one step of the matter (`kind` names it); GET shows the matter's page. Through htmx the
    answer is the matter's panel, with the message, instead of a redirect."""

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
                return self.done(matter)
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
