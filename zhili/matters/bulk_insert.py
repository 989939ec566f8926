"""Inserting many rows of one model fast, for the bulk import (importing.py).

A row is a template, every column's value as the ORM would send it (made once from an instance by
the model's own constructor and field preparation: defaults, auto_now, JSON), and the few values
that vary per row. Most columns are the same for the whole batch (the status, the importing
account, the registration time …), so they are sent once per statement rather than per row:

- PostgreSQL: COPY, the batch formatted here as one text block (psycopg's write_row costs several
  microseconds a row for the 50 columns of a matter); the columns shared by the batch's rows
  formatted once per template.
- SQLite: one prepared INSERT run with executemany; the columns the same in every row of the
  batch written into the statement as literals, so only the varying ones are bound per row.

The values are those Django itself would send (get_db_prep_save), so a row reads back exactly as
one saved through the ORM; tests compare imported matters with matters from actions.receive().
"""

from __future__ import annotations

import datetime
import json
import math
import re
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connection
from django.db.models import Field, ForeignKey, Model


class Template(list[Any]):
    """Every column of a row as the ORM would send it; rows share it and set their own values.
    `texts` keeps them in COPY text form once formatted (a template is used by many batches), so a
    template is not changed once used."""

    texts: list[str] | None = None


# (template, values): every column, and the values of `BulkTable.varying`, in that order.
Row = tuple[Template, tuple[Any, ...]]
INTEGERS = {"AutoField", "BigAutoField", "IntegerField", "BigIntegerField", "SmallIntegerField"}
INTEGERS |= {"PositiveIntegerField", "PositiveSmallIntegerField", "PositiveBigIntegerField"}
COPY_SPECIAL = re.compile(r"[\\\t\n\r]")
COPY_PIECE = 200  # rows per write during a COPY
COPY_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"})


def copy_text(value: Any) -> str:
    """One value in PostgreSQL's COPY text format."""
    if value is None:
        return "\\N"
    if isinstance(value, str):
        return value.translate(COPY_ESCAPES) if COPY_SPECIAL.search(value) else value
    if isinstance(value, bool):
        return "t" if value else "f"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    if isinstance(value, int):
        return str(value)
    raise TypeError(f"no COPY text for {type(value).__name__}")


def copy_str(value: str) -> str:
    return value.translate(COPY_ESCAPES) if COPY_SPECIAL.search(value) else value


def copy_format(field: Field[Any, Any]) -> Callable[[Any], str]:
    """copy_text for the values of one column, quicker where its type allows."""
    target = field.target_field if isinstance(field, ForeignKey) else field
    if field.null:
        return copy_text
    if target.get_internal_type() in INTEGERS:
        return str
    if target.get_internal_type() in {"CharField", "TextField"}:
        return copy_str
    return copy_text


def sql_literal(value: Any) -> str | None:
    """The value as an SQLite literal, or None to bind it as a parameter instead. `%` doubled:
    Django's SQLite cursor turns %s into ? and %% into %."""
    if value is None:
        return "NULL"
    if isinstance(value, bool):
        return "1" if value else "0"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        return repr(value) if math.isfinite(value) else None
    if isinstance(value, str) and "\x00" not in value:
        return "'" + value.replace("'", "''").replace("%", "%%") + "'"
    return None


class BulkTable:
    """Inserts rows of one model; `varying` names the columns (attnames) each row sets."""

    def __init__(self, model: type[Model], varying: Sequence[str]) -> None:
        self.model = model
        self.fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.attname in varying]
        self.varying = [self.position(name) for name in varying]
        self.fixed = [p for p in range(len(self.fields)) if p not in self.varying]
        self.formats = [copy_format(self.fields[p]) for p in self.varying]

    def position(self, attname: str) -> int:
        return [f.attname for f in self.fields].index(attname)

    def template(self, instance: Model) -> Template:
        return Template(self.prepare(position, f.pre_save(instance, True)) for position, f in enumerate(self.fields))

    def prepare(self, position: int, value: Any) -> Any:
        """The column's value as the ORM would send it. JSON for PostgreSQL as its text."""
        value = self.fields[position].get_db_prep_save(value, connection)
        if connection.vendor == "postgresql":
            from psycopg.types.json import Json, Jsonb

            if isinstance(value, Json | Jsonb):
                value = (value.dumps or json.dumps)(value.obj)
        return value

    def insert(self, rows: list[Row]) -> None:
        """Insert the rows, inside the caller's transaction."""
        if not rows:
            return
        templates = list({id(template): template for template, _values in rows}.values())
        first = templates[0]
        # Columns that differ between this batch's templates are sent per row; the rest once.
        differing = [p for p in self.fixed if any(t[p] != first[p] for t in templates[1:])]
        shared = [p for p in self.fixed if p not in differing]
        if connection.vendor == "postgresql":
            self._copy(rows, templates, differing + shared)
        else:
            self._executemany(rows, templates, differing, shared)

    def _names(self, positions: list[int]) -> str:
        quote = connection.ops.quote_name
        return ", ".join(quote(self.fields[p].column) for p in positions)

    def _copy(self, rows: list[Row], templates: list[Template], fixed: list[int]) -> None:
        for t in templates:
            if t.texts is None:
                t.texts = [copy_text(value) for value in t]
        ends = {id(t): "".join(["\t" + t.texts[p] for p in fixed]) + "\n" for t in templates if t.texts is not None}
        formats = self.formats
        table = connection.ops.quote_name(self.model._meta.db_table)
        statement = f"COPY {table} ({self._names(self.varying + fixed)}) FROM STDIN"
        with connection.cursor() as cursor, connection.wrap_database_errors, cursor.copy(statement) as copy:
            # In pieces, so that the server works on one while the next is formatted.
            for start in range(0, len(rows), COPY_PIECE):
                piece = rows[start : start + COPY_PIECE]
                lines = [
                    "\t".join([f(v) for f, v in zip(formats, values, strict=True)]) + ends[id(t)] for t, values in piece
                ]
                copy.write("".join(lines))

    def _executemany(self, rows: list[Row], templates: list[Template], differing: list[int], shared: list[int]) -> None:
        literals = {p: sql_literal(templates[0][p]) for p in shared}
        bound = differing + [p for p in shared if literals[p] is None]
        written = [p for p in shared if literals[p] is not None]
        values = ["%s"] * (len(self.varying) + len(bound)) + [str(literals[p]) for p in written]
        table = connection.ops.quote_name(self.model._meta.db_table)
        columns = self._names(self.varying + bound + written)
        per_template = {id(t): tuple(t[p] for p in bound) for t in templates}
        params = [values_ + per_template[id(template)] for template, values_ in rows]
        with connection.cursor() as cursor:
            # Names from the model's _meta, our own constants as literals, the rest as parameters.
            cursor.executemany(f"INSERT INTO {table} ({columns}) VALUES ({', '.join(values)})", params)  # noqa: S608


def reserve_ids(model: type[Model], count: int) -> list[int]:
    """`count` new primary keys for rows inserted with their id (so that rows pointing at them are
    built in the same pass). Inside the inserting transaction."""
    table = model._meta.db_table
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)", [table, count]
            )
            return [pk for (pk,) in cursor.fetchall()]
        # SQLite: one writer at a time (transactions begin IMMEDIATE), so the ids after the highest
        # ever used (AUTOINCREMENT remembers it in sqlite_sequence) are ours until commit.
        quoted = connection.ops.quote_name(table)
        cursor.execute(
            f"SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = %s), 0),"  # noqa: S608
            f" COALESCE((SELECT MAX(id) FROM {quoted}), 0))",
            [table],
        )
        last = cursor.fetchone()[0]
    return list(range(last + 1, last + 1 + count))
