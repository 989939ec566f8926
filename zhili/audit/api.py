"""REST API for the audit log: /api/v1/audit-events/ (read-only) and its CSV/XLSX export."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import serializers
from rest_framework.decorators import action
from rest_framework.request import Request

from zhili.audit.exports import AUDIT_COLUMNS
from zhili.audit.filtersets import AuditEventFilterSet
from zhili.audit.models import AuditEvent
from zhili.core.api import ScopedReadOnlyViewSet
from zhili.core.exports import export_rows


class AuditEventSerializer(serializers.ModelSerializer):
    object_type = serializers.SerializerMethodField()

    class Meta:
        model = AuditEvent
        fields = [
            "id",
            "time",
            "kind",
            "actor",
            "actor_name",
            "address",
            "source",
            "request_id",
            "object_type",
            "object_id",
            "object_repr",
            "before",
            "after",
            "reason",
            "data",
        ]

    def get_object_type(self, event: AuditEvent) -> str | None:
        if event.content_type is None:
            return None
        return f"{event.content_type.app_label}.{event.content_type.model}"


class AuditEventViewSet(ScopedReadOnlyViewSet):
    """The audit log within the caller's jurisdiction (auditors and administrators)."""

    queryset = AuditEvent.objects.select_related("content_type")
    serializer_class = AuditEventSerializer
    filterset_class = AuditEventFilterSet

    @extend_schema(
        parameters=[OpenApiParameter("format", OpenApiTypes.STR, enum=["csv", "xlsx"], required=True)],
        responses={
            (200, "text/csv"): OpenApiResponse(OpenApiTypes.BINARY),
            (200, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"): OpenApiResponse(
                OpenApiTypes.BINARY
            ),
        },
    )
    @action(detail=False, methods=["get"], pagination_class=None)
    def export(self, request: Request) -> Any:
        """The filtered log as CSV or XLSX (the same filters as the list)."""
        queryset = self.filter_queryset(self.get_queryset())
        filters = {k: v for k, v in request.query_params.items() if k != "format"}
        return export_rows(queryset, AUDIT_COLUMNS, request.query_params.get("format", ""), "audit", filters)
