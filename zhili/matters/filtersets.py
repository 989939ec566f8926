from __future__ import annotations

import datetime
from typing import Any

import django_filters
from django import forms
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from zhili.matters import queues
from zhili.matters.choices import Channel, Status
from zhili.matters.models import Matter
from zhili.org.forms import unit_choices
from zhili.search import lookup, tokens
from zhili.taxonomy.services import choices


class MatterFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("编号、电话、姓名或内容"))
    status = django_filters.MultipleChoiceFilter(choices=Status.choices, label=_("状态"))
    channel = django_filters.MultipleChoiceFilter(choices=Channel.choices, label=_("渠道"))
    kind = django_filters.CharFilter(field_name="kind_id", label=_("事项类型"))
    category = django_filters.CharFilter(field_name="category_id", label=_("类别"))
    risk = django_filters.CharFilter(field_name="risk_id", label=_("风险等级"))
    unit = django_filters.NumberFilter(method="attached_to", label=_("所涉单位(含下级)"))
    lead_unit = django_filters.NumberFilter(field_name="lead_unit_id", label=_("牵头单位"))
    supervised = django_filters.BooleanFilter(label=_("督办中"))
    received_after = django_filters.DateTimeFilter(field_name="received_at", lookup_expr="gte", label=_("登记起"))
    received_before = django_filters.DateTimeFilter(field_name="received_at", lookup_expr="lt", label=_("登记止"))
    due_before = django_filters.DateTimeFilter(field_name="due_at", lookup_expr="lt", label=_("期限早于"))

    class Meta:
        model = Matter
        fields = ["q", "status", "channel", "kind", "category", "risk", "unit", "lead_unit", "supervised"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        # A number, a phone, a name or words: zhili.search.lookup says which, and records a
        # lookup of a person's matters in the audit log.
        return lookup.filter_matters(queryset, value, getattr(self.request, "user", None))

    def attached_to(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        return queues.within_unit(queryset, int(value))


class MatterPageFilterSet(MatterFilterSet):
    """The workbench inbox's filters: the API's, with pick-lists for the coded fields, the units in
    the viewer's reach and a received-date range. `queue` (the inbox tab) is read by the view,
    which also counts every queue under the same filters."""

    # Pick-lists of codes, labelled in the page's language: one query each when the form is drawn.
    kind = django_filters.ChoiceFilter(field_name="kind_id", label=_("事项类型"), choices=lambda: choices("kind"))
    category = django_filters.ChoiceFilter(
        field_name="category_id", label=_("类别"), choices=lambda: choices("category")
    )
    risk = django_filters.ChoiceFilter(field_name="risk_id", label=_("风险等级"), choices=lambda: choices("risk"))
    unit = django_filters.ChoiceFilter(method="attached_to", label=_("所涉单位(含下级)"), choices=[])
    received_from = django_filters.DateFilter(
        method="received_on_or_after", label=_("登记日期起"), widget=forms.DateInput(attrs={"type": "date"})
    )
    received_to = django_filters.DateFilter(
        method="received_on_or_before", label=_("登记日期止"), widget=forms.DateInput(attrs={"type": "date"})
    )
    queue = django_filters.CharFilter(method="queue_in_view", label=_("队列"))

    def __init__(self, *args: Any, request: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, request=request, **kwargs)
        user = getattr(request, "user", None)
        self.filters["unit"].extra["choices"] = unit_choices(user) if user is not None else []

    def received_on_or_after(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(received_at__gte=_day_start(value))

    def received_on_or_before(self, queryset: QuerySet, name: str, value: datetime.date) -> QuerySet:
        return queryset.filter(received_at__lt=_day_start(value + datetime.timedelta(days=1)))

    def queue_in_view(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # the view applies the queue after counting all of them


class MatterSearchFilterSet(MatterPageFilterSet):
    """The search page's (搜索事项): the inbox's filters and an order. `sort` is read by the view
    (zhili/matters/views_search.py): by relevance (when words were searched) or by received time."""

    SORTS = (("relevance", _("相关度")), ("newest", _("最新登记")), ("oldest", _("最早登记")))

    q = django_filters.CharFilter(
        method="search",
        label=_("搜索事项"),
        widget=forms.TextInput(attrs={"type": "search", "maxlength": tokens.MAX_QUERY, "autocomplete": "off"}),
    )
    sort = django_filters.ChoiceFilter(method="sort_in_view", label=_("排序"), choices=SORTS, empty_label=None)

    def sort_in_view(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset  # the view orders: relevance comes from the index, not from a column


def _day_start(day: datetime.date) -> datetime.datetime:
    return timezone.make_aware(datetime.datetime.combine(day, datetime.time.min))
