"""Taxonomy administration (superusers, in Django admin): edit labels, add terms and rules.
Shipped codes and codes in use cannot be deleted (services.delete_term)."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from zhili.core.errors import DomainError
from zhili.taxonomy import services
from zhili.taxonomy.models import Category, CoHandlingRule, Kind, RiskLevel, Term, UnitType


class TermAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "builtin", "active"]
    list_filter = ["builtin", "active"]
    search_fields = ["code", "name_zh", "name_en", "aliases"]
    actions = None  # no bulk delete that would bypass the guard

    def get_readonly_fields(self, request: HttpRequest, obj: Any = None) -> list[str]:
        return ["code", "builtin"] if obj is not None else ["builtin"]

    def has_delete_permission(self, request: HttpRequest, obj: Term | None = None) -> bool:
        return super().has_delete_permission(request, obj) and not (obj is not None and obj.builtin)

    def delete_model(self, request: HttpRequest, obj: Term) -> None:
        try:
            services.delete_term(obj)
        except DomainError as error:
            self.message_user(request, error.message, messages.ERROR)


admin.site.register(Kind, TermAdmin)
admin.site.register(UnitType, type("UnitTypeAdmin", (TermAdmin,), {"list_display": [*TermAdmin.list_display, "level"]}))
admin.site.register(
    Category, type("CategoryAdmin", (TermAdmin,), {"list_display": [*TermAdmin.list_display, "kind", "lead"]})
)
admin.site.register(
    RiskLevel, type("RiskLevelAdmin", (TermAdmin,), {"list_display": [*TermAdmin.list_display, "rank"]})
)
admin.site.register(CoHandlingRule, type("CoHandlingRuleAdmin", (TermAdmin,), {"filter_horizontal": ["unit_types"]}))
