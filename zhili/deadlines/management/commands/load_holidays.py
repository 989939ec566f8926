from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from zhili.core.context import acting_as
from zhili.core.errors import DomainError
from zhili.deadlines import services
from zhili.deadlines.schedule_file import read_schedule


class Command(BaseCommand):
    help = (
        "Load one year's official holiday schedule (the State Council notice) from a JSON or CSV file. "
        "The file replaces what the table held for that year. Format: docs/deadlines.md."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", type=Path)
        parser.add_argument("--year", type=int, help="the notice's year (CSV: default is the year of the latest date)")
        parser.add_argument("--notice", default="", help="title of the notice (CSV; JSON has its own)")
        parser.add_argument("--reason", default="", help="why (kept in the audit log)")
        parser.add_argument("--dry-run", action="store_true", help="check the file and show it, change nothing")

    def handle(
        self, *args: Any, file: Path, year: int | None, notice: str, reason: str, dry_run: bool, **options: Any
    ) -> None:
        try:
            schedule = read_schedule(file, year=year, notice=notice)
        except DomainError as error:
            raise CommandError(error.message) from None
        holidays = sum(day.kind == "holiday" for day in schedule.days)
        self.stdout.write(
            f"{schedule.year}: {holidays} holidays, {len(schedule.days) - holidays} make-up working days"
            + (f" ({schedule.notice})" if schedule.notice else "")
        )
        if dry_run:
            for day in schedule.days:
                self.stdout.write(f"  {day.date:%Y-%m-%d %a} {day.kind:8} {day.name}")
            return
        try:
            with acting_as(None, source="cli"):
                result = services.load_schedule(schedule, reason=reason)
        except DomainError as error:
            raise CommandError(error.message) from None
        self.stdout.write(
            f"loaded {schedule.year}: {result.created} created, {result.updated} updated, "
            f"{result.deleted} deleted, {result.unchanged} unchanged"
        )
