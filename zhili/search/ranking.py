"""One page of a search's matters, in order of relevance (BM25 on SQLite: FTS5's `rank`; ts_rank
on PostgreSQL; the newest first among equals) or of received time, with the number of all of
them.

The page's ids and the total come from one statement (`COUNT(*) OVER ()`), then the page's rows
by their ids: the viewer's reach (restrict's subquery over every unit link in reach) and the text
match are evaluated once a page instead of once for the count and again for the page. The rank
exists only where the index is queried, so the relevance order is taken from the index, among the
ids of the filtered, restricted queryset. (A rank looked up per matter, as a correlated subquery,
took 190 ms for 3,800 hits on SQLite; this takes 6.)
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, overload

from django.core.exceptions import EmptyResultSet
from django.db import connections
from django.db.models import Count, QuerySet, Window

from zhili.search import lookup
from zhili.search.tokens import Query

# `+rowid`: so SQLite tests each hit against the ids instead of handing FTS5 one rowid at a time,
# which would run the MATCH again for each of them.
RANKED = {
    "sqlite": (
        "SELECT rowid, COUNT(*) OVER () FROM search_matterindex"
        " WHERE search_matterindex MATCH %s AND +rowid IN ({ids})"
        " ORDER BY rank, rowid DESC LIMIT %s OFFSET %s"
    ),
    "postgresql": (
        "SELECT rowid, COUNT(*) OVER () FROM search_matterindex WHERE document @@ %s::tsquery"
        " AND rowid IN ({ids}) ORDER BY ts_rank(document, %s::tsquery, 1) DESC, rowid DESC LIMIT %s OFFSET %s"
    ),
}

# (ids of the page, the number of all; None when the page is past the end)
Fetched = tuple[list[int], int | None]


def ranked_ids(queryset: QuerySet, query: Query, offset: int, limit: int) -> Fetched:
    """The ids of `queryset`'s matters from `offset`, at most `limit`, most relevant first."""
    vendor = connections[queryset.db].vendor
    try:
        ids_sql, ids_params = queryset.order_by().values("pk").query.sql_with_params()
    except EmptyResultSet:
        return [], 0
    expression = lookup.expression(query, vendor)
    params: list[Any] = [expression, *ids_params]
    if vendor == "postgresql":
        params.append(expression)
    with connections[queryset.db].cursor() as cursor:
        cursor.execute(RANKED[vendor].format(ids=ids_sql), [*params, limit, offset])
        rows = cursor.fetchall()
    return [pk for pk, _total in rows], rows[0][1] if rows else None


def ordered_ids(queryset: QuerySet, ordering: Sequence[str], offset: int, limit: int) -> Fetched:
    """The same in the order of `ordering` (received time), for a search of the index."""
    rows = list(
        queryset.order_by(*ordering)
        .annotate(found=Window(Count("pk")))
        .values_list("pk", "found")[offset : offset + limit]
    )
    return [pk for pk, _total in rows], rows[0][1] if rows else None


def listed_ids(queryset: QuerySet, ordering: Sequence[str], offset: int, limit: int) -> Fetched:
    """The same without a search of the index: the page alone (the total is counted apart).
    With no search to start from, the window's count made PostgreSQL sort every row the filters
    let through before testing each against the reach (250 ms for 84,000, not 60 for both apart),
    where the page alone walks the received-time index and stops at 20."""
    return list(queryset.order_by(*ordering).values_list("pk", flat=True)[offset : offset + limit]), None


class PagedMatters(Sequence[Any]):
    """Matters for Django's Paginator: `fetch(offset, limit)` gives a page's ids and the total,
    `rows` the matters of those ids (select_related …). `expected` is the page the request asks
    for: count() fetches it, so the paginator's count and its slice cost one statement."""

    def __init__(
        self,
        fetch: Callable[[int, int], Fetched],
        rows: QuerySet,
        expected: tuple[int, int],
        counter: Callable[[], int] | None = None,
    ) -> None:
        self.fetch = fetch
        self.rows = rows
        self.expected = expected
        self.counter = counter  # when fetch gives no total (listed_ids)
        self._fetched: dict[tuple[int, int], list[int]] = {}
        self._count: int | None = None

    def count(self) -> int:  # type: ignore[override]  # Paginator calls count() without arguments
        if self._count is None:
            if self.counter is not None:
                self._count = self.counter()
                return self._count
            ids, total = self.fetch(*self.expected)
            self._fetched[self.expected] = ids
            if total is None:  # past the end: the paginator will say so, with the real count
                total = self.fetch(0, 1)[1] if self.expected[0] else 0
            self._count = total or 0
        return self._count

    def __len__(self) -> int:
        return self.count()

    @overload
    def __getitem__(self, index: int) -> Any: ...

    @overload
    def __getitem__(self, index: slice) -> list[Any]: ...

    def __getitem__(self, index: int | slice) -> Any:
        if isinstance(index, int):
            found = self[index : index + 1]
            if not found:
                raise IndexError(index)
            return found[0]
        start, stop, step = index.indices(self.count())
        if step != 1 or stop <= start:
            return []
        ids = self._ids(start, stop - start)
        rows = {row.pk: row for row in self.rows.filter(pk__in=ids)}
        return [rows[pk] for pk in ids if pk in rows]

    def _ids(self, offset: int, limit: int) -> list[int]:
        # The paginator asks for the last page up to the count: the page fetched for count() holds it.
        for (start, fetched_limit), ids in self._fetched.items():
            if start == offset and limit <= fetched_limit:
                return ids[:limit]
        ids = self._fetched[offset, limit] = self.fetch(offset, limit)[0]
        return ids
