"""The full-text index of matters: one row per matter, its tokens (tokens.document)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.expressions import Combinable
from django.utils.translation import gettext_lazy as _

MAX_POSITION = 16383  # PostgreSQL keeps positions up to this (larger ones are set to it)
MAX_POSITIONS = 256  # …and this many per lexeme


class DocumentField(models.TextField):
    """A matter's tokens as its database indexes them: on PostgreSQL a tsvector (each token with
    its positions, for phrase queries), elsewhere the tokens separated by spaces, which SQLite's
    FTS5 table (migrations/0001) indexes. Assigned a list of tokens; read back as stored."""

    _pyi_private_set_type: list[str] | str | Combinable  # type: ignore[assignment]  # django-stubs: a list too
    _pyi_private_get_type: str

    def db_type(self, connection: BaseDatabaseWrapper) -> str:
        return "tsvector" if connection.vendor == "postgresql" else "text"

    def get_db_prep_value(self, value: Any, connection: BaseDatabaseWrapper, prepared: bool = False) -> Any:
        if isinstance(value, list):
            return tsvector(value) if connection.vendor == "postgresql" else " ".join(value)
        return super().get_db_prep_value(value, connection, prepared)


def tsvector(tokens: list[str]) -> str:
    """The tsvector literal of the tokens in order: 'token':1,5 … (no parser, no dictionary)."""
    positions: dict[str, list[str]] = {}
    for position, token in enumerate(tokens, start=1):
        positions.setdefault(token, []).append(str(min(position, MAX_POSITION)))
    return " ".join(f"'{_lexeme(token)}':{','.join(where[:MAX_POSITIONS])}" for token, where in positions.items())


def _lexeme(token: str) -> str:
    # Tokens are letters, digits and NAME_MARK (tokens.py); quoting stays right whatever they hold.
    return token.replace("\\", "\\\\").replace("'", "''") if "'" in token or "\\" in token else token


class MatterIndex(models.Model):
    """What search finds a matter by, one row per matter. Written with the matter by receive() and
    the bulk import (services.add), by services.index_matters for any other change to a matter's
    text or people, and rebuilt by `zhili search-reindex`. Searched by lookup.py and ranking.py
    with the database's own full-text operators.

    On SQLite the table is an FTS5 virtual table (migrations/0001), whose key is its rowid: so the
    matter's id is the column `rowid` on both databases, and one model, its ORM writes, deletes
    (a matter's CASCADE included) and Django's flush work on either. No FTS5 triggers: a trigger's
    savepoint makes FTS5 write a segment per row (50 µs a row instead of 9)."""

    matter = models.OneToOneField(
        "matters.Matter",
        models.CASCADE,
        primary_key=True,
        db_column="rowid",
        related_name="+",
        verbose_name=_("事项"),
    )
    document = DocumentField(_("索引词"))

    class Meta:
        verbose_name = _("检索索引")
        verbose_name_plural = _("检索索引")

    def __str__(self) -> str:
        return str(self.matter_id)
