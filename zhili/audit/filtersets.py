from __future__ import annotations

import django_filters
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from zhili.audit.models import AuditEvent


class AuditEventFilterSet(django_filters.FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=AuditEvent.Kind.choices, label=_("类型"))
    actor = django_filters.CharFilter(field_name="actor_name", lookup_expr="iexact", label=_("操作人账号"))
    since = django_filters.DateTimeFilter(field_name="time", lookup_expr="gte", label=_("开始时间"))
    until = django_filters.DateTimeFilter(field_name="time", lookup_expr="lt", label=_("结束时间"))
    object_type = django_filters.CharFilter(method="of_type", label=_("对象类型"), help_text="app_label.model")
    object_id = django_filters.CharFilter(label=_("对象编号"))
    q = django_filters.CharFilter(field_name="object_repr", lookup_expr="icontains", label=_("对象名称"))
    source = django_filters.ChoiceFilter(
        choices=[("web", "web"), ("api", "api"), ("cli", "cli"), ("worker", "worker"), ("system", "system")],
        label=_("渠道"),
    )
    address = django_filters.CharFilter(label=_("来源地址"))

    class Meta:
        model = AuditEvent
        fields = ["kind", "actor", "since", "until", "object_type", "object_id", "q", "source", "address"]

    def of_type(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        app_label, _dot, model = value.lower().partition(".")
        return queryset.filter(content_type__app_label=app_label, content_type__model=model)
