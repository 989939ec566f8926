"""What the search box means, for every list of matters (MatterFilterSet.q: the pages, the API, the
exports): in this order,

1. a matter number (LS-2026-000123, or 2026-000123 with this platform's prefix), or the beginning
   of one (2026-, LS-2026-00): those matters;
2. a phone number, whole (7 to 15 digits, separators and +86 ignored): the matters whose reporter
   or a party has it, or whose text holds it;
3. anything else: the matters whose title, description or address hold every word of it (the
   index, tokens.py), and those whose reporter or a party has it as their name.

Looking up a phone, or a name that some matter's people have, is looking up a person's matters:
it is recorded in the audit log (one row per search: who, the phone masked, and the numbers of
the matters found within the searcher's reach).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.conf import settings
from django.db.models import BooleanField, Expression, F, QuerySet

from zhili.core import pii
from zhili.matters.models import Matter
from zhili.search.tokens import Query, parse

AUDITED_NUMBERS = 20  # matter numbers kept in the audit row of a lookup


def read(text: str) -> Query:
    return parse(text, settings.MATTER_NUMBER_PREFIX)


def expression(query: Query, vendor: str) -> str:
    """The query in the database's full-text syntax."""
    return query.tsquery() if vendor == "postgresql" else query.fts5()


class IndexMatch(Expression):
    """A condition on matters: their index matches the query.

    On PostgreSQL as `id = ANY(ARRAY(…))`: the index is searched once, first, and each match is
    looked up by its id. As `id IN (…)` the planner, misjudging how many matches a tsquery has,
    read every matter in the viewer's reach and tested each against the index (350 ms instead of
    60 for 工资 among 100,000 matters).
    """

    conditional = True
    output_field = BooleanField()

    def __init__(self, query: Query, pk: Any = None) -> None:
        super().__init__()
        self.query = query
        self.pk = pk if pk is not None else F("pk")

    def get_source_expressions(self) -> list[Any]:
        return [self.pk]

    def set_source_expressions(self, exprs: Sequence[Any]) -> None:
        (self.pk,) = exprs

    def resolve_expression(self, *args: Any, **kwargs: Any) -> IndexMatch:
        return IndexMatch(self.query, self.pk.resolve_expression(*args, **kwargs))

    def as_sql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        pk, params = compiler.compile(self.pk)
        found = "SELECT rowid FROM search_matterindex WHERE search_matterindex MATCH %s"
        return f"{pk} IN ({found})", [*params, self.query.fts5()]

    def as_postgresql(self, compiler: Any, connection: Any, **extra: Any) -> tuple[str, list[Any]]:
        pk, params = compiler.compile(self.pk)
        found = "SELECT rowid FROM search_matterindex WHERE document @@ %s::tsquery"
        return f"{pk} = ANY(ARRAY({found}))", [*params, self.query.tsquery()]


def filter_matters(queryset: QuerySet, text: str, viewer: Any = None) -> QuerySet:
    """The matters of `queryset` that the search box text finds (see the module's docstring);
    records a lookup of a person's matters by `viewer`."""
    query = read(text)
    if query.kind == "":
        return queryset
    if query.kind == "nothing":
        return queryset.none()
    if query.kind == "number":
        if query.exact:
            return queryset.filter(number=query.number)
        return queryset.filter(number__startswith=query.number)
    found = queryset.filter(IndexMatch(query))
    if query.kind == "phone":
        _record_lookup(viewer, "phone", pii.mask_phone(query.phone), found)
    elif query.name:
        named = IndexMatch(Query("text", name=query.name))
        # Whether anybody has that name at all first (most searches are words, not names): the
        # viewer's reach is evaluated only when somebody has it.
        if Matter.objects.filter(named).count():  # not exists(): its LIMIT 1 made PostgreSQL scan
            numbers = list(
                queryset.filter(named).order_by("-pk").values_list("number", flat=True)[: AUDITED_NUMBERS + 1]
            )
            if numbers:
                _record_lookup(viewer, "name", text.strip()[:100], numbers=numbers)
    return found


def _record_lookup(
    viewer: Any, by: str, shown: str, found: QuerySet | None = None, numbers: list[str] | None = None
) -> None:
    from zhili.audit.recording import Kind, record

    if numbers is None:
        assert found is not None
        numbers = list(found.order_by("-pk").values_list("number", flat=True)[: AUDITED_NUMBERS + 1])
    record(
        Kind.REVEAL,
        actor=viewer if getattr(viewer, "pk", None) else None,
        reason="按电话查找事项" if by == "phone" else "按姓名查找事项",
        data={
            "search": by,
            "query": shown,
            "matters": numbers[:AUDITED_NUMBERS],
            "more": len(numbers) > AUDITED_NUMBERS,
        },
    )
