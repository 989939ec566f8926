"""Readable, unique matter numbers: PREFIX-YEAR-SEQUENCE (LS-2026-000123)."""

from __future__ import annotations

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone

from zhili.matters.models import MatterCounter


def next_number(prefix: str | None = None) -> str:
    """The next number of this year. Must run inside the caller's transaction: the counter row
    stays locked until it commits, so two intakes never get the same number, and a rolled-back
    intake gives its number back."""
    return reserve_numbers(1, prefix)[0]


def reserve_numbers(count: int, prefix: str | None = None) -> list[str]:
    """The next `count` numbers of this year, in order, with one locked update of the counter
    (bulk import). Same rules as next_number(): inside the caller's transaction, which holds the
    counter until it commits, so a receive() running meanwhile waits and takes the number after
    the block, and a rolled-back import gives the whole block back."""
    assert transaction.get_connection().in_atomic_block, "reserve_numbers() needs a transaction"
    if count < 1:
        return []
    prefix = prefix or settings.MATTER_NUMBER_PREFIX
    year = timezone.localdate().year
    last = _advance(prefix, year, count)
    if last is None:  # the year's first number
        MatterCounter.objects.bulk_create([MatterCounter(prefix=prefix, year=year)], ignore_conflicts=True)
        last = _advance(prefix, year, count)
    assert last is not None
    return [f"{prefix}-{year}-{n:06d}" for n in range(last - count + 1, last + 1)]


def _advance(prefix: str, year: int, count: int) -> int | None:
    """Add `count` to the counter and return its new value, in one statement that locks the row
    (UPDATE … RETURNING, on SQLite and PostgreSQL alike). None when the year has no counter yet."""
    table, last = (connection.ops.quote_name(name) for name in (MatterCounter._meta.db_table, "last"))
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET {last} = {last} + %s WHERE prefix = %s AND year = %s RETURNING {last}",  # noqa: S608 (quoted names)
            [count, prefix, year],
        )
        row = cursor.fetchone()
    return row[0] if row else None
