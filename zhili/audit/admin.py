from __future__ import annotations

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from zhili.audit.models import AuditEvent


@admin.register(AuditEvent)
class AuditEventAdmin(admin.ModelAdmin):
    """Read-only: the audit log is append-only."""

    list_display = ["time", "kind", "actor_name", "address", "object_repr", "reason"]
    list_filter = ["kind", "source"]
    search_fields = ["actor_name", "object_repr", "object_id", "reason"]
    date_hierarchy = "time"

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Any = None) -> bool:
        return False
