from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhili.org.models import Unit
from zhili.taxonomy.models import UnitType


class UnitFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("关键词"))
    unit_type = django_filters.ModelMultipleChoiceFilter(queryset=UnitType.objects.all(), label=_("单位类型"))
    parent = django_filters.NumberFilter(method="children_of", label=_("上级单位"))
    within = django_filters.NumberFilter(method="subtree_of", label=_("所属范围"))
    territorial = django_filters.BooleanFilter(
        field_name="unit_type__level", lookup_expr="isnull", exclude=True, label=_("区域单位")
    )
    is_demo = django_filters.BooleanFilter(label=_("演示数据"))

    class Meta:
        model = Unit
        fields = ["q", "unit_type", "parent", "within", "territorial", "is_demo"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(name__icontains=value) | Q(short_name__icontains=value) | Q(code__startswith=value))

    def children_of(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        parent = Unit.objects.filter(pk=value).values_list("path", "depth").first()
        if parent is None:
            return queryset.none()
        path, depth = parent
        return queryset.filter(path__startswith=path, depth=depth + 1)

    def subtree_of(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        path = Unit.objects.filter(pk=value).values_list("path", flat=True).first()
        return queryset.filter(path__startswith=path) if path else queryset.none()
