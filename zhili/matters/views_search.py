"""搜索事项: the search page of the staff workbench, and its CSV/XLSX export.

What the box means (a number, a phone, a name, words) is zhili.search.lookup's, through the
FilterSet the inbox and the API share; this page adds the order (relevance from the index, or
received time), the matched words marked in each result, and the export of the whole result.
Matters are reached only through `restrict(viewer, "view")`; personal data is never shown.
"""

from __future__ import annotations

from functools import partial
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponseBadRequest, HttpResponseBase
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core import pii
from zhili.core.errors import DomainError
from zhili.core.exports import Column, export_rows
from zhili.core.views import ScopedListView
from zhili.matters.filtersets import MatterSearchFilterSet
from zhili.matters.models import Matter
from zhili.search import highlight, lookup, ranking
from zhili.search.tokens import Query

RELATED = ("risk", "category", "kind", "lead_unit", "intake_unit")
ROW_FIELDS = (
    "number",
    "title",
    "description",
    "address",
    "status",
    "channel",
    "received_at",
    "due_at",
    "overdue_at",
    "supervised",
    "risk__code",
    "risk__name_zh",
    "risk__name_en",
    "risk__rank",
    "category__code",
    "category__name_zh",
    "category__name_en",
    "kind__code",
    "kind__name_zh",
    "kind__name_en",
    "lead_unit__name",
    "intake_unit__name",
)
UNFILTERED = {"q", "sort"}  # what is not a filter of the result
ORDERS = {"newest": ("-received_at", "-pk"), "oldest": ("received_at", "pk")}


def _label(term: Any) -> str:
    return str(term.label) if term is not None else ""


# The columns of the export, headed in Chinese; the description with phone and identity numbers
# masked, as on the page. No names or phones of the people.
SEARCH_COLUMNS = [
    Column(gettext_lazy("编号"), lambda m: m.number),
    Column(gettext_lazy("标题"), lambda m: highlight.masked(m.title)),
    Column(gettext_lazy("状态"), lambda m: m.get_status_display()),
    Column(gettext_lazy("事项类型"), lambda m: _label(m.kind)),
    Column(gettext_lazy("类别"), lambda m: _label(m.category)),
    Column(gettext_lazy("风险等级"), lambda m: _label(m.risk)),
    Column(gettext_lazy("渠道"), lambda m: m.get_channel_display()),
    Column(gettext_lazy("牵头单位"), lambda m: m.lead_unit.name if m.lead_unit else ""),
    Column(gettext_lazy("受理单位"), lambda m: m.intake_unit.name),
    Column(gettext_lazy("登记时间"), lambda m: m.received_at),
    Column(gettext_lazy("办理期限"), lambda m: m.due_at),
    Column(gettext_lazy("地址"), lambda m: m.address),
    Column(gettext_lazy("诉求内容"), lambda m: highlight.masked(m.description)),
]


class MatterSearchView(ScopedListView):
    """搜索事项: the matters in the viewer's reach that the query finds, filtered, ranked,
    with the words found marked; `?export=csv|xlsx` exports all of them."""

    model = Matter
    filterset_class = MatterSearchFilterSet
    template_name = "matters/search.html"
    page_title = gettext_lazy("搜索事项")
    paginate_by = 20
    # Filters kept when set by a link, not offered on the form (the inbox's others).
    hidden_filters = ["queue", "kind", "lead_unit", "supervised", "due_before", "received_after", "received_before"]
    export_columns = SEARCH_COLUMNS
    export_name = "matters-search"

    def get_queryset(self) -> QuerySet:
        return Matter.objects.restrict(self.request.user, "view").select_related(*RELATED).only(*ROW_FIELDS)

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        fmt = request.GET.get("export")
        if not fmt:
            return super().get(request, *args, **kwargs)
        filterset = self.get_filterset(self.get_filterset_class())
        if not filterset.is_valid():
            return HttpResponseBadRequest(_("筛选条件不正确。"))
        # The export's audit row keeps the filters as given, the query's phone masked.
        filters: dict[str, Any] = {k: v for k, v in request.GET.items() if k in filterset.filters}
        query = lookup.read(str(filters.get("q", "")))
        if query.kind == "phone":
            filters["q"] = pii.mask_phone(query.phone)
        order = ORDERS.get(self._sort(filterset, query), ORDERS["newest"])
        try:
            return export_rows(filterset.qs.order_by(*order), self.export_columns, fmt, self.export_name, filters)
        except DomainError as error:
            return HttpResponseBadRequest(error.message)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        filtered: QuerySet = kwargs.pop("object_list")
        query = lookup.read(self.request.GET.get("q", ""))
        sort = self._sort(self.filterset, query)
        filters_used = any(self.request.GET.get(name) for name in self.filterset.filters if name not in UNFILTERED)
        searched = bool(query.kind) or filters_used
        # Before anything is asked, the newest matters in reach, as on every list page.
        counter = None
        if sort == "relevance":
            fetch = partial(ranking.ranked_ids, filtered, query)
        elif query.uses_index:
            fetch = partial(ranking.ordered_ids, filtered, ORDERS[sort])
        else:
            fetch, counter = partial(ranking.listed_ids, filtered, ORDERS[sort]), filtered.count
        # The page's rows by the ids taken from `filtered` (restricted), without the reach's
        # condition again: it would read every unit link in reach for 20 rows.
        page = Matter.objects.select_related(*RELATED).only(*ROW_FIELDS)
        rows = ranking.PagedMatters(fetch, page, self._expected_page(), counter)
        self.object_list = rows
        context = super().get_context_data(
            object_list=rows, query=query, sort=sort, searched=searched, filters_used=filters_used, **kwargs
        )
        words = query.shown
        context["results"] = [
            (item, highlight.marked(highlight.masked(item.title), words), self._snippet(item, words))
            for item in context["object_list"]
        ]
        return context

    def _expected_page(self) -> tuple[int, int]:
        """(offset, limit) of the page asked for, as the paginator will read it (first when unclear)."""
        size = self.get_paginate_by(None) or self.paginate_by
        number = str(self.request.GET.get("page") or 1)
        return ((int(number) - 1) * size if number.isdigit() and int(number) > 0 else 0), size

    @staticmethod
    def _sort(filterset: Any, query: Query) -> str:
        chosen = (getattr(filterset.form, "cleaned_data", None) or {}).get("sort") or "relevance"
        if chosen == "relevance" and not query.uses_index:
            return "newest"  # a number, or no query: nothing to rank by
        return chosen if chosen in ("relevance", *ORDERS) else "newest"

    @staticmethod
    def _snippet(item: Matter, words: list[str]) -> Any:
        # A description no longer than its title says nothing more: no snippet.
        if item.description.strip() == item.title.strip():
            return ""
        return highlight.snippet(item.description, words)
