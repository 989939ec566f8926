"""REST API for units: /api/v1/units/."""

from __future__ import annotations

from typing import Any, cast

from django.shortcuts import get_object_or_404
from django.utils.translation import gettext_lazy as _
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request
from rest_framework.response import Response

from zhili.core.api import ScopedModelViewSet
from zhili.core.errors import DomainError
from zhili.org import services
from zhili.org.filtersets import UnitFilterSet
from zhili.org.models import Unit
from zhili.taxonomy.models import UnitType


class UnitSerializer(serializers.ModelSerializer):
    unit_type = serializers.SlugRelatedField(slug_field="code", queryset=UnitType.objects.all())
    parent = serializers.IntegerField(  # type: ignore[assignment]  # a field, not Field.parent
        required=False, allow_null=True, help_text="Parent unit id; changing it moves the unit."
    )
    children_count = serializers.IntegerField(source="numchild", read_only=True)
    boundary = serializers.JSONField(required=False, allow_null=True, help_text="GeoJSON Polygon or MultiPolygon")

    class Meta:
        model = Unit
        fields = [
            "id",
            "code",
            "name",
            "short_name",
            "unit_type",
            "parent",
            "depth",
            "children_count",
            "contact_phone",
            "address",
            "working_hours",
            "boundary",
            "is_demo",
            "created_at",
            "updated_at",
        ]
        read_only_fields = ["depth", "created_at", "updated_at"]

    def to_representation(self, instance: Unit) -> dict[str, Any]:
        data = super().to_representation(instance)
        parents = self.context.get("parents", {})
        data["parent"] = parents[instance.pk] if instance.pk in parents else _parent_id(instance)
        return data

    def validate(self, attrs: dict[str, Any]) -> dict[str, Any]:
        if self.instance is not None and "unit_type" in attrs and attrs["unit_type"] != self.instance.unit_type:
            raise serializers.ValidationError({"unit_type": [_("单位类型创建后不能修改。")]}, code="immutable")
        return attrs


def _parent_id(unit: Unit) -> int | None:
    if unit.depth <= 1:
        return None
    parent_path = unit.path[: (unit.depth - 1) * Unit.steplen]
    return Unit.objects.filter(path=parent_path).values_list("pk", flat=True).first()


class UnitViewSet(ScopedModelViewSet):
    """Units of the organisation tree within the caller's jurisdiction.

    Writes need the admin role over the unit (or, to create, over the parent). Send an optional
    reason in the `X-Zhili-Reason` header (URL-encoded); it is kept in the audit log.
    """

    queryset = Unit.objects.select_related("unit_type")
    serializer_class = UnitSerializer
    filterset_class = UnitFilterSet

    def get_serializer_context(self) -> dict[str, Any]:
        context = super().get_serializer_context()
        page = getattr(self, "_page_units", None)
        if page:
            # One query for the parents of a whole page instead of one per row.
            parent_paths = {u.path[: (u.depth - 1) * Unit.steplen]: u.pk for u in page if u.depth > 1}
            ids = dict(Unit.objects.filter(path__in=parent_paths).values_list("path", "pk"))
            context["parents"] = {u.pk: ids.get(u.path[: (u.depth - 1) * Unit.steplen]) for u in page}
        return context

    def paginate_queryset(self, queryset: Any) -> Any:
        page = super().paginate_queryset(queryset)
        self._page_units = page
        return page

    def _parent(self, parent_id: int | None) -> Unit | None:
        if parent_id is None:
            return None
        parent = Unit.objects.restrict(self.request.user, "view").filter(pk=parent_id).first()
        if parent is None:
            raise DomainError("unit_parent_not_found", _("上级单位不存在或不在您的管辖范围内。"), field="parent")
        return parent

    def create_object(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        parent = self._parent(data.pop("parent", None))
        if parent is None and not self.request.user.is_superuser:
            raise DomainError("unit_parent_required", _("请选择上级单位。"), field="parent")
        serializer.instance = services.create_unit(parent=parent, **data)

    def perform_update(self, serializer: serializers.BaseSerializer) -> None:
        data = dict(serializer.validated_data)
        data.pop("unit_type", None)
        unit = cast(Unit, serializer.instance)
        if "parent" in data:
            new_parent = self._parent(data.pop("parent"))
            if new_parent is None:
                raise DomainError("unit_parent_required", _("请选择上级单位。"), field="parent")
            if new_parent.pk != _parent_id(unit):
                if not self.allowed(new_parent, "change"):
                    raise DomainError("unit_parent_not_found", _("您不能把单位移到该上级单位下。"), field="parent")
                unit = services.move_unit(unit, new_parent)
        serializer.instance = services.update_unit(unit, **data) if data else unit

    def perform_destroy(self, instance: Unit) -> None:
        services.delete_unit(instance)

    @extend_schema(
        parameters=[
            OpenApiParameter("lon", OpenApiTypes.DOUBLE, required=True, description="longitude"),
            OpenApiParameter("lat", OpenApiTypes.DOUBLE, required=True, description="latitude"),
        ],
        responses=UnitSerializer,
    )
    @action(detail=False, methods=["get"], filterset_class=None, pagination_class=None)
    def locate(self, request: Request) -> Response:
        """The deepest unit in your jurisdiction whose boundary covers the point."""
        coordinates = {}
        for name, low, high in (("lon", -180, 180), ("lat", -90, 90)):
            try:
                coordinates[name] = float(request.query_params[name])
            except (KeyError, ValueError):
                raise DomainError("coordinate_invalid", _("请提供有效的经纬度。"), field=name) from None
            if not low <= coordinates[name] <= high:
                raise DomainError("coordinate_invalid", _("经纬度超出范围。"), field=name)
        unit = services.locate(coordinates["lon"], coordinates["lat"], within=self.get_queryset())
        unit = get_object_or_404(self.get_queryset(), pk=unit.pk if unit else None)
        return Response(self.get_serializer(unit).data)
