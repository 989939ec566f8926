"""Keeping the index of matters current (models.MatterIndex).

Why this shape (the alternatives measured on 100,000 matters, 2 vCPU):

- `LIKE '%工资%'` over the descriptions takes 57 ms on SQLite and 73 ms on PostgreSQL for the
  count alone, grows with the table and cannot rank.
- Trigram indexes (FTS5's `trigram` tokenizer, pg_trgm) cannot answer a 2-character query — the
  commonest in Chinese — from the index: they fall back to scanning every row.
- A dictionary word segmenter (jieba, zhparser) misses words it does not know (places, names,
  dialect) and needs a PostgreSQL extension.
- Character bigrams (tokens.py), in the database's own full-text index, answer any query of two
  or more characters as an exact phrase in about a millisecond, and rank by BM25 (FTS5) or
  ts_rank (PostgreSQL). They cost 20–30 µs of Python a matter to cut, and the index's own
  upkeep, about 0.6 µs a token on SQLite (a matter of 100 characters has about 100 tokens): one
  INSERT per intake, one executemany or COPY per batch of the bulk import (7,700 → 5,500 rows/s
  on SQLite with the import benchmark's texts). The index takes about 1.6 KB a matter on SQLite
  (the tokens and FTS5's index), 1.8 KB on PostgreSQL (tsvector with positions, and GIN).

Every path that writes a matter's text or its people must keep the index current: receive() and
the bulk import call `add` for the matters they create; any other writer (a correction of a
matter's text, a party added later, a bulk loader of demo data) calls `index_matters` with the
matters it changed. `zhili search-reindex` rebuilds it (all matters, or those changed since).
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.db import connection, transaction

from zhili.matters.bulk_insert import BulkTable
from zhili.matters.models import Matter, Party
from zhili.search import tokens
from zhili.search.models import MatterIndex

BATCH = 2000  # matters read and written at a time by index_matters


@dataclass(frozen=True, slots=True)
class MatterText:
    """What the index holds of one matter: its text and its people (name, phone). An anonymous
    reporter is left out: a search by their name or phone must not reveal what they reported."""

    matter_id: int
    title: str
    description: str
    address: str
    people: Sequence[tuple[str, str]] = ()

    def tokens(self) -> list[str]:
        return tokens.document(self.title, self.description, self.address, self.people)


def text_of(matter: Matter, parties: Iterable[Party] = ()) -> MatterText:
    people = people_of(matter.reporter_name, matter.reporter_phone, matter.anonymous, parties)
    return MatterText(matter.pk, matter.title, matter.description, matter.address, people)


def people_of(
    reporter_name: str, reporter_phone: str, anonymous: bool, parties: Iterable[Party | tuple[str, str]]
) -> list[tuple[str, str]]:
    """(name, phone) of the reporter, unless anonymous, then of each party (a Party or a pair)."""
    people = [(reporter_name, reporter_phone)] if not anonymous and (reporter_name or reporter_phone) else []
    people.extend(party if isinstance(party, tuple) else (party.name, party.phone) for party in parties)
    return people


INDEX = BulkTable(MatterIndex, ("matter_id", "document"))
DOCUMENT = MatterIndex._meta.get_field("document")


def add(texts: Iterable[MatterText]) -> None:
    """Index new matters (none of them indexed yet), inside the caller's transaction: one INSERT
    for one matter (receive), one COPY or executemany for a batch (the bulk import)."""
    # In the order of the ids: FTS5 writes out what it holds in memory whenever a row's id is not
    # above the last one's (330 µs a row instead of 15, in reverse order).
    rows = sorted((text.matter_id, text.tokens()) for text in texts)
    if len(rows) == 1:
        MatterIndex.objects.bulk_create([MatterIndex(matter_id=rows[0][0], document=rows[0][1])])
    elif rows:
        template = INDEX.template(MatterIndex(matter_id=0, document=[]))
        # BulkTable sends a row's values as given: the tokens as the column stores them.
        INDEX.insert([(template, (pk, DOCUMENT.get_db_prep_save(words, connection))) for pk, words in rows])


def add_received(matter: Matter, parties: Iterable[Party]) -> None:
    """receive()'s one statement: the new matter, with the parties it was received with."""
    add([text_of(matter, parties)])


def index_matters(pks: Iterable[int]) -> int:
    """(Re)index these matters from what the database holds now, BATCH at a time, each batch in
    its own transaction; a matter that no longer exists leaves the index. Returns how many
    matters were indexed."""
    pks = sorted(set(pks))
    done = 0
    for start in range(0, len(pks), BATCH):
        with transaction.atomic():
            done += _reindex(pks[start : start + BATCH])
    return done


def reindex(since: datetime.datetime | None = None) -> int:
    """Rebuild the index: of every matter, or of those changed since a time. Returns how many."""
    matters = Matter.objects.all() if since is None else Matter.objects.filter(updated_at__gte=since)
    # Batch by batch, each replaced in its own transaction: searches meanwhile find every matter.
    done = index_matters(matters.values_list("pk", flat=True))
    if since is None and connection.vendor == "sqlite":
        with connection.cursor() as cursor:  # one b-tree instead of the segments of many inserts
            cursor.execute("INSERT INTO search_matterindex(search_matterindex) VALUES ('optimize')")
    return done


def stored(pks: Iterable[int]) -> dict[int, str]:
    """The index rows of these matters as stored (the tests compare them with a rebuild)."""
    return dict(MatterIndex.objects.filter(matter_id__in=list(pks)).values_list("matter_id", "document"))


def _reindex(pks: list[int]) -> int:
    matters = list(
        Matter.objects.filter(pk__in=pks)
        .order_by("pk")
        .only("title", "description", "address", "reporter_name", "reporter_phone", "anonymous")
    )
    parties: dict[int, list[Party]] = {matter.pk: [] for matter in matters}
    for party in Party.objects.filter(matter_id__in=list(parties)).only("matter_id", "name", "phone").order_by("pk"):
        parties[party.matter_id].append(party)
    MatterIndex.objects.filter(matter_id__in=pks).delete()
    add(text_of(matter, parties[matter.pk]) for matter in matters)
    return len(matters)
