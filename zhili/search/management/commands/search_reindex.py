"""`zhili search-reindex [--since DATE|DATETIME]`

Rebuilds the search index (zhili.search): of every matter, or of the matters changed since a
date (local midnight) or a time. Searches keep working meanwhile: the index is replaced a batch
at a time.
"""

from __future__ import annotations

import datetime
import time
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime

from zhili.search import services


class Command(BaseCommand):
    help = "Rebuild the search index of matters: all of them, or those changed since a date or time."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--since", default="", help="only matters changed since, e.g. 2026-11-01 or 2026-11-01T08:00"
        )

    def handle(self, *args: Any, since: str, **options: Any) -> None:
        start = time.monotonic()
        count = services.reindex(_moment(since) if since else None)
        self.stdout.write(f"indexed {count} matters in {time.monotonic() - start:.1f} s")


def _moment(text: str) -> datetime.datetime:
    try:
        moment = parse_datetime(text)
        day = None if moment else parse_date(text)
    except ValueError:
        moment = day = None
    if moment is None and day is not None:
        moment = datetime.datetime.combine(day, datetime.time.min)
    if moment is None:
        raise CommandError(f"--since: not a date or time: {text!r}")
    return timezone.make_aware(moment) if timezone.is_naive(moment) else moment
