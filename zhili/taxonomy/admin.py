"""Taxonomy administration (superusers, in Django admin, in Chinese): edit labels, add terms and
rules. Edits are model saves, so the audit log records them (Term is an AuditedModel) and the
model's validators apply; deleting goes through services.delete_term, which keeps shipped codes
and codes in use."""

from __future__ import annotations

from typing import Any

from django.contrib import admin, messages
from django.http import HttpRequest

from zhili.core.errors import DomainError
from zhili.taxonomy import services
from zhili.taxonomy.models import Category, CoHandlingRule, Kind, RiskLevel, Term, UnitType


class TermAdmin(admin.ModelAdmin):
    list_display = ["code", "name_zh", "name_en", "builtin", "active"]
    list_filter = ["active", "builtin"]
    search_fields = ["code", "name_zh", "name_en", "aliases"]
    list_per_page = 100
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


@admin.register(Kind)
class KindAdmin(TermAdmin):
    pass


@admin.register(UnitType)
class UnitTypeAdmin(TermAdmin):
    list_display = [*TermAdmin.list_display, "level"]
    list_filter = ["level", "active", "builtin"]


@admin.register(Category)
class CategoryAdmin(TermAdmin):
    list_display = [*TermAdmin.list_display, "kind", "lead"]
    list_filter = ["kind", "lead", "active", "builtin"]
    list_select_related = ["kind", "lead"]
    autocomplete_fields = ["kind", "lead"]


@admin.register(RiskLevel)
class RiskLevelAdmin(TermAdmin):
    list_display = [*TermAdmin.list_display, "rank"]
    ordering = ["-rank"]


@admin.register(CoHandlingRule)
class CoHandlingRuleAdmin(TermAdmin):
    filter_horizontal = ["unit_types"]
