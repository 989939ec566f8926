from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhili.matters.choices import Channel, Status
from zhili.matters.models import Matter, MatterUnit
from zhili.org.models import Unit


class MatterFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("编号或内容"))
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
        value = value.strip()
        return queryset.filter(Q(number=value) | Q(title__icontains=value) | Q(description__icontains=value))

    def attached_to(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        path = Unit.objects.filter(pk=value).values_list("path", flat=True).first()
        if not path:
            return queryset.none()
        return queryset.filter(pk__in=MatterUnit.objects.filter(unit__path__startswith=path).values("matter_id"))
