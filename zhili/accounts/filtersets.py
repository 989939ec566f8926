from __future__ import annotations

import django_filters
from django.db.models import Q, QuerySet
from django.utils.translation import gettext_lazy as _

from zhili.accounts.models import Membership, User
from zhili.accounts.roles import Role
from zhili.org.models import Unit


def _subtree_path(unit_id: int) -> str | None:
    return Unit.objects.filter(pk=unit_id).values_list("path", flat=True).first()


class PersonFilterSet(django_filters.FilterSet):
    q = django_filters.CharFilter(method="search", label=_("姓名或账号"))
    unit = django_filters.NumberFilter(method="in_unit", label=_("所在单位(含下级)"))
    role = django_filters.ChoiceFilter(choices=Role.choices, method="with_role", label=_("角色"))
    is_active = django_filters.BooleanFilter(label=_("启用"))

    class Meta:
        model = User
        fields = ["q", "unit", "role", "is_active"]

    def search(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        value = value.strip()
        return queryset.filter(Q(full_name__icontains=value) | Q(username__icontains=value))

    def visible_memberships(self) -> QuerySet:
        # Filter only by roles the viewer may see, or the filter itself would tell who holds a
        # role in a unit outside the viewer's reach.
        return Membership.objects.restrict(getattr(self.request, "user", None))

    def in_unit(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        path = _subtree_path(value)
        if not path:
            return queryset.none()
        members = self.visible_memberships().filter(unit__path__startswith=path)
        return queryset.filter(pk__in=members.values("user_id"))

    def with_role(self, queryset: QuerySet, name: str, value: str) -> QuerySet:
        return queryset.filter(pk__in=self.visible_memberships().filter(role=value).values("user_id"))


class MembershipFilterSet(django_filters.FilterSet):
    user = django_filters.NumberFilter(field_name="user_id", label=_("人员"))
    unit = django_filters.NumberFilter(field_name="unit_id", label=_("单位"))
    within = django_filters.NumberFilter(method="subtree_of", label=_("所属范围"))
    role = django_filters.ChoiceFilter(choices=Role.choices, label=_("角色"))

    class Meta:
        model = Membership
        fields = ["user", "unit", "within", "role"]

    def subtree_of(self, queryset: QuerySet, name: str, value: int) -> QuerySet:
        path = _subtree_path(value)
        return queryset.filter(unit__path__startswith=path) if path else queryset.none()
