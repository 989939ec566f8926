"""Base classes for pages that show domain objects. Lists and details reach objects only
through `restrict(user, action)`; what is outside the user's scope answers 404.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django.contrib.auth.mixins import LoginRequiredMixin
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBase
from django.views.generic import DetailView
from django_filters.views import FilterView

from zhili.core.errors import DomainError
from zhili.core.exports import Column, export_rows


class ScopedMixin(LoginRequiredMixin):
    model: Any
    request: Any
    scope_action: ClassVar[str] = "view"
    related: ClassVar[tuple[str, ...]] = ()

    def get_queryset(self) -> QuerySet:
        queryset = self.model.objects.restrict(self.request.user, self.scope_action)
        return queryset.select_related(*self.related) if self.related else queryset


class ScopedListView(ScopedMixin, FilterView):
    """A filtered, paginated list; `?export=csv|xlsx` exports the same filtered rows."""

    paginate_by = 50
    page_title: ClassVar[Any] = ""
    # Filters set by links (e.g. "children of this unit") rather than by the filter form.
    hidden_filters: ClassVar[list[str]] = []
    export_columns: ClassVar[list[Column]] = []
    export_name: ClassVar[str] = "export"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("page_title", self.page_title)
        kwargs.setdefault("hidden_filters", self.hidden_filters)
        return super().get_context_data(**kwargs)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        fmt = request.GET.get("export")
        if fmt and self.export_columns:
            filterset = self.get_filterset(self.get_filterset_class())
            queryset = filterset.qs if filterset.is_valid() else self.get_queryset().none()
            try:
                filters = {k: v for k, v in request.GET.items() if k != "export"}
                return export_rows(queryset, self.export_columns, fmt, self.export_name, filters)
            except DomainError as error:
                from django.http import HttpResponseBadRequest

                return HttpResponseBadRequest(error.message)
        return super().get(request, *args, **kwargs)


class ScopedDetailView(ScopedMixin, DetailView):
    pass
