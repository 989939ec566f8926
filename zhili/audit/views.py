"""Pages of the audit log: a filtered, exportable list and one event with its changed fields."""

from __future__ import annotations

import json
from typing import Any

from django.utils.translation import gettext_lazy

from zhili.audit.exports import AUDIT_COLUMNS
from zhili.audit.filtersets import AuditEventFilterSet
from zhili.audit.models import AuditEvent
from zhili.core.views import ScopedDetailView, ScopedListView


class AuditEventListView(ScopedListView):
    model = AuditEvent
    filterset_class = AuditEventFilterSet
    related = ("content_type",)
    export_columns = AUDIT_COLUMNS
    export_name = "audit"
    template_name = "audit/event_list.html"
    page_title = gettext_lazy("审计日志")
    hidden_filters = ["object_type", "object_id"]


class AuditEventDetailView(ScopedDetailView):
    model = AuditEvent
    related = ("content_type",)
    template_name = "audit/event_detail.html"
    context_object_name = "event"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        event: AuditEvent = self.object
        changes = [(name, _show(old), _show(new)) for name, (old, new) in event.changes.items()]
        data = json.dumps(event.data, ensure_ascii=False, indent=2, sort_keys=True) if event.data else ""
        return super().get_context_data(changes=changes, data_json=data, **kwargs)


def _show(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False, sort_keys=True)
    return str(value)
