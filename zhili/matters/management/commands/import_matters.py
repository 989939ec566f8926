"""`zhili import-matters FILE --as USERNAME [--unit CODE] [--report FILE] [--dry-run] [--notify]`

Imports the matters of a CSV (UTF-8 or GB18030) or XLSX file as that user, within their intake
scope (zhili.matters.importing). Exit status 0 when the file was read, even if some rows were
rejected; 1 when it cannot be read, or the user or unit is not usable.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from zhili.core.context import acting_as
from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.matters import importing

SHOWN = 20  # rejected rows printed when there is no --report file


class Command(BaseCommand):
    help = (
        "Import matters from a CSV or XLSX file within a user's intake scope. Rejected rows are "
        "reported with their reasons; rows imported before are skipped. Nobody is notified unless --notify."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="CSV (UTF-8 or GB18030) or XLSX; columns in docs/matters-import.md")
        parser.add_argument("--as", dest="username", required=True, help="whose intake scope applies")
        parser.add_argument("--unit", default="", help="code of the intake unit for rows without one (default: top)")
        parser.add_argument("--report", default="", help="write the rejected rows, with reasons, to this CSV")
        parser.add_argument("--dry-run", action="store_true", help="check every row, write nothing")
        parser.add_argument("--notify", action="store_true", help="text reporters their number (off: history)")
        parser.add_argument("--batch-size", type=int, default=importing.BATCH_SIZE, help=argparse.SUPPRESS)

    def handle(self, *args: Any, file: str, username: str, unit: str, report: str, **options: Any) -> None:
        from zhili.accounts.models import User
        from zhili.org.models import Unit

        user = User.objects.filter(username=username, is_active=True).first()
        if user is None:
            raise CommandError(f"no active account named {username!r}")
        intake_unit = None
        if unit:
            intake_unit = Unit.objects.filter(code=unit).first()
            if intake_unit is None or not scope_for(user, "matter.intake").covers(intake_unit.path):
                raise CommandError(f"no unit with code {unit!r} within {username}'s intake scope")
        try:
            source = importing.open_rows(file)
        except importing.ImportFileError as error:
            raise CommandError(f"{file}: {error.message}") from None
        # tqdm writes to stderr and stays silent when stderr is not a terminal (cron, pipes, tests).
        bar = tqdm(total=source.estimated_rows, unit="row", file=sys.stderr, disable=None, desc="import")
        with acting_as(user, source="cli"):
            try:
                result = importing.import_matters(
                    file,
                    actor=user,
                    intake_unit=intake_unit,
                    notify=options["notify"],
                    dry_run=options["dry_run"],
                    batch_size=options["batch_size"],
                    progress=bar.update,
                    source=source,
                )
            except DomainError as error:
                raise CommandError(f"{file}: {error.message}") from None
            finally:
                bar.close()
        if result.ignored_columns:
            self.stdout.write(f"ignored columns: {', '.join(result.ignored_columns)}")
        if report:
            importing.write_rejections(result, report)
        else:
            for r in result.rejected[:SHOWN]:
                self.stdout.write(f"row {r.row}: {r.field + ': ' if r.field else ''}{r.reason} ({r.code})")
            if len(result.rejected) > SHOWN:
                self.stdout.write(f"... and {len(result.rejected) - SHOWN} more rejected rows (see --report FILE)")
        summary = result.summary()
        if report:
            summary += f"; rejected rows written to {report}"
        self.stdout.write(summary)
