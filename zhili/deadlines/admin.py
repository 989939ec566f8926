"""Deadline rules and holiday schedules in Django admin (platform operators, i.e. superusers), in
Chinese. Edits are model saves: the audit log records them (both are AuditedModels) and the
model's checks apply (a category of another kind, a second active rule for the same scope, a
weekday make-up working day). Shipped rules cannot be deleted (services.delete_rule), only edited
or deactivated.
"""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from zhili.core.errors import DomainError
from zhili.deadlines import services
from zhili.deadlines.models import DeadlineRule, HolidaySchedule


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(admin.ModelAdmin):
    list_display = [
        "code",
        "name",
        "stage",
        "kind",
        "category",
        "risk",
        "amount",
        "unit",
        "extendable_by",
        "pausable",
        "builtin",
        "active",
    ]
    list_filter = ["stage", "unit", "kind", "risk", "builtin", "active"]
    list_select_related = ["kind", "category", "risk"]
    search_fields = ["code", "name", "legal_basis"]
    autocomplete_fields = ["kind", "category", "risk"]
    actions = None  # no bulk delete that would bypass the guard

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code", "builtin"] if obj is not None else ["builtin"]

    def has_delete_permission(self, request: HttpRequest, obj: DeadlineRule | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.builtin)

    def delete_model(self, request: HttpRequest, obj: DeadlineRule) -> None:
        try:
            services.delete_rule(obj)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)


@admin.register(HolidaySchedule)
class HolidayScheduleAdmin(admin.ModelAdmin):
    list_display = ["date", "year", "kind", "name", "notice"]
    list_filter = ["year", "kind"]
    search_fields = ["name", "notice"]
    date_hierarchy = "date"
