from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from zhili.deadlines.calendar import YearSource, year_sources

EXPLAIN = {
    YearSource.TABLE: "loaded schedule (holiday table)",
    YearSource.PACKAGE: "chinesecalendar package",
    YearSource.MISSING: "MISSING: Mon-Fri counted as working days; load the notice with `zhili load-holidays`",
}


class Command(BaseCommand):
    help = "Show where each year's holiday schedule comes from (default: last year to next year)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("years", nargs="*", type=int)

    def handle(self, *args: Any, years: list[int], **options: Any) -> None:
        this_year = timezone.localdate().year
        for year, source in year_sources(years or range(this_year - 1, this_year + 2)).items():
            self.stdout.write(f"{year}  {EXPLAIN[source]}")
