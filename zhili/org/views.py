"""Pages of the unit tree: a filtered list (fast on tens of thousands of units) and a unit's page."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet
from django.utils.translation import pgettext_lazy

from zhili.accounts.models import Membership
from zhili.core.scope import scope_for
from zhili.core.views import ScopedDetailView, ScopedListView
from zhili.org.exports import UNIT_COLUMNS
from zhili.org.filtersets import UnitFilterSet
from zhili.org.forms import child_types
from zhili.org.models import Unit

CHILDREN_SHOWN = 100


def _label_unit_types(filterset: Any) -> Any:
    field = filterset.form.fields.get("unit_type")
    if field is not None:
        field.label_from_instance = lambda unit_type: unit_type.label  # Chinese or English name
    return filterset


def unit_ancestors(viewer: Any, unit: Unit) -> list[tuple[Unit, bool]]:
    """The unit's ancestors, each with whether the viewer may open its page. Ancestors outside the
    viewer's scope are named (the user knows where their unit sits) but not linked: their pages
    would answer 404."""
    scope = scope_for(viewer, Unit.permission_for("view"))
    return [(a, scope.covers(a.path)) for a in Unit.objects.get_ancestors(unit)]


class UnitListView(ScopedListView):
    model = Unit
    filterset_class = UnitFilterSet
    related = ("unit_type",)
    export_columns = UNIT_COLUMNS
    export_name = "units"
    template_name = "org/unit_list.html"
    page_title = pgettext_lazy("list", "单位")
    hidden_filters = ["parent", "within"]

    def get_filterset(self, filterset_class: Any) -> Any:
        return _label_unit_types(super().get_filterset(filterset_class))


class UnitDetailView(ScopedDetailView):
    model = Unit
    related = ("unit_type",)
    template_name = "org/unit_detail.html"
    context_object_name = "unit"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        unit: Unit = self.object
        viewer = self.request.user
        children: QuerySet[Unit] = (
            Unit.objects.restrict(viewer)
            .filter(path__startswith=unit.path, depth=unit.depth + 1)
            .select_related("unit_type")
        )
        memberships = (
            Membership.objects.restrict(viewer)
            .filter(unit=unit)
            .select_related("user")
            .order_by("role", "user__username")
        )
        # The administration buttons (单位管理) show only to those who may use them.
        can_manage = Unit.objects.restrict(viewer, "change").filter(pk=unit.pk).exists()
        return super().get_context_data(
            ancestors=unit_ancestors(viewer, unit),
            can_manage=can_manage,
            can_add_child=can_manage and child_types(unit).exists(),
            children=list(children[:CHILDREN_SHOWN]),
            children_more=unit.numchild > CHILDREN_SHOWN,
            memberships=memberships,
            **kwargs,
        )
