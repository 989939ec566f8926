"""Writing many rows of one model at once, for batches of thousands (the deadline sweep).

QuerySet.bulk_create and bulk_update run Django's SQL compiler over every value of every row, in
Python, and bulk_update writes a CASE over all rows for each column; for a batch of thousands
that costs more than the database's own work. These helpers send the values Django itself would
send (field.get_db_prep_save), each prepared once per distinct value of its column — a batch
repeats most of them: its time, its reasons, NULL — in one statement per batch:

- insert_rows: PostgreSQL: INSERT … SELECT * FROM UNNEST(one array per column), as bulk_create
  does there (a statement with a parameter per value takes long to parse); SQLite: INSERT …
  VALUES (…), (…), …. With `returning_ids`, the new ids are set on the objects, as bulk_create
  does (RETURNING gives them in the order of the rows on both, which bulk_create relies on too).
- update_rows: by primary key. PostgreSQL: one UPDATE … FROM UNNEST(…); SQLite: one prepared
  UPDATE run for every row (executemany).

Like bulk_create and bulk_update, they send no signals; call them inside the caller's transaction.
"""

from __future__ import annotations

import operator
from collections.abc import Iterable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, Model


def insert_rows(model: type[Model], objs: Sequence[Model], *, returning_ids: bool = False) -> None:
    """Insert these new rows (unsaved instances); with `returning_ids`, set their ids."""
    if not objs:
        return
    meta = model._meta
    fields = [field for field in meta.concrete_fields if not field.primary_key]
    stamped = [field for field in fields if getattr(field, "auto_now", False) or getattr(field, "auto_now_add", False)]
    for obj in objs:
        for field in stamped:
            field.pre_save(obj, True)  # sets auto_now / auto_now_add as save() would
    rows = _prepared(fields, _values(objs, fields))
    quote = connection.ops.quote_name
    table, columns = quote(meta.db_table), ", ".join(quote(field.column) for field in fields)
    returning = f" RETURNING {quote(meta.pk.column)}" if returning_ids and meta.pk is not None else ""
    ids: list[Any] = []
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                f"INSERT INTO {table} ({columns}) SELECT * FROM {_unnest(fields)}{returning}",  # noqa: S608
                _columns(rows),
            )
            if returning_ids:
                ids = [pk for (pk,) in cursor.fetchall()]
        else:
            row = f"({', '.join(['%s'] * len(fields))})"
            per_statement = max((connection.features.max_query_params or 999) // len(fields), 1)
            for start in range(0, len(rows), per_statement):
                chunk = rows[start : start + per_statement]
                cursor.execute(
                    f"INSERT INTO {table} ({columns}) VALUES {', '.join([row] * len(chunk))}{returning}",  # noqa: S608
                    [value for prepared in chunk for value in prepared],
                )
                if returning_ids:
                    ids.extend(pk for (pk,) in cursor.fetchall())
    for obj, pk in zip(objs, ids, strict=True) if returning_ids else ():
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = connection.alias


def update_rows(model: type[Model], objs: Sequence[Model], attnames: Iterable[str]) -> None:
    """Write these columns (attnames) of these rows, found by primary key."""
    if not objs:
        return
    meta = model._meta
    pk = meta.pk
    assert pk is not None
    fields = [_concrete(meta.get_field(name)) for name in attnames]
    rows = _prepared([pk, *fields], _values(objs, [pk, *fields]))
    quote = connection.ops.quote_name
    table = quote(meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            names = ", ".join(quote(field.column) for field in [pk, *fields])
            assignments = ", ".join(f"{quote(field.column)} = v.{quote(field.column)}" for field in fields)
            cursor.execute(
                f"UPDATE {table} SET {assignments} FROM {_unnest([pk, *fields])} AS v ({names}) "  # noqa: S608
                f"WHERE {table}.{quote(pk.column)} = v.{quote(pk.column)}",
                _columns(rows),
            )
        else:
            assignments = ", ".join(f"{quote(field.column)} = %s" for field in fields)
            cursor.executemany(
                f"UPDATE {table} SET {assignments} WHERE {quote(pk.column)} = %s",  # noqa: S608 - names from _meta
                [[*prepared[1:], prepared[0]] for prepared in rows],
            )


def _values(objs: Sequence[Model], fields: Sequence[Field[Any, Any]]) -> list[tuple[Any, ...]]:
    read = operator.attrgetter(*(field.attname for field in fields))
    if len(fields) == 1:
        return [(read(obj),) for obj in objs]
    return [read(obj) for obj in objs]


def _prepared(fields: Sequence[Field[Any, Any]], rows: list[tuple[Any, ...]]) -> list[list[Any]]:
    """field.get_db_prep_save(value) for every value, computed once per field and distinct value."""
    seen: list[dict[Any, Any]] = [{} for _field in fields]
    prepared_rows = []
    for values in rows:
        prepared = []
        for field, known, value in zip(fields, seen, values, strict=True):
            try:
                database_value = known[value]
            except KeyError:
                database_value = known[value] = field.get_db_prep_save(value, connection)
            except TypeError:  # not hashable: a JSON list or dict
                database_value = field.get_db_prep_save(value, connection)
            prepared.append(database_value)
        prepared_rows.append(prepared)
    return prepared_rows


def _concrete(field: Any) -> Field[Any, Any]:
    if not isinstance(field, Field) or not field.concrete:
        raise ValueError(f"{field} is not a column")
    return field


def _unnest(fields: Sequence[Field[Any, Any]]) -> str:
    """UNNEST of one array parameter per column, typed as the column (without its length: an
    element type varchar(20) would truncate rather than fail)."""
    return "UNNEST(" + ", ".join(f"(%s)::{(field.db_type(connection) or '').split('(')[0]}[]" for field in fields) + ")"


def _columns(rows: list[list[Any]]) -> list[list[Any]]:
    return [list(column) for column in zip(*rows, strict=True)]
