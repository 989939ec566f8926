"""The working-day calendar (工作日历): which days are working days, and deadline arithmetic.

Where a year's schedule comes from, in this order:

1. the HolidaySchedule table, when it holds the State Council notice for that year (any row with
   that `year`): listed days are holidays or make-up working days, other days follow Mon–Fri;
2. the `chinesecalendar` package, for the years it covers (2004–2026 in 1.11.0);
3. otherwise Mon–Fri are working days, and a WARNING is logged once per process for the year.

A row of the table also decides its own date when that date lies in another year (a notice for
2027 may name days of late December 2026).

Counting follows 《民法典》第二百零一条、第二百零三条: the day of the start is not counted, a
day-counted period ends at the end (24:00) of its last day, and when the last day is a holiday
the period ends on the next working day. We represent "the end of day D" as D 23:59:59.999999 in
the project time zone (settings.TIME_ZONE): it shows as D on every page and form, which 24:00 as
"00:00 of D+1" would not, and a matter is overdue when now > due. Hour- and minute-counted
periods are plain clock time (第二百零一条第二款) with no calendar.

Every datetime going in must be timezone-aware; every datetime coming out is in the project time
zone.
"""

from __future__ import annotations

import datetime
import enum
import logging
from collections.abc import Iterable
from dataclasses import dataclass, field

import chinese_calendar
from chinese_calendar import constants as package_data
from django.db.models import Q
from django.utils import timezone

from zhili.deadlines.models import HolidaySchedule

log = logging.getLogger(__name__)
ONE_DAY = datetime.timedelta(days=1)

# Read from the package's own data, so upgrading chinesecalendar extends the range by itself.
PACKAGE_YEARS = range(min(package_data.holidays).year, max(package_data.holidays).year + 1)

# Years whose fallback has been reported by this process. A race between threads can log a
# year twice, which is harmless; a lock is not worth it.
_warned_years: set[int] = set()


class YearSource(enum.StrEnum):
    TABLE = "table"  # loaded by an operator (zhili load-holidays, or Django admin)
    PACKAGE = "package"  # chinesecalendar
    MISSING = "missing"  # neither: Mon–Fri with a warning


@dataclass
class _Year:
    source: YearSource
    # Days of this calendar year decided by a table row: date → is a working day.
    overrides: dict[datetime.date, bool] = field(default_factory=dict)


class WorkingCalendar:
    """A snapshot of the calendar, reading the table once per year it is asked about.

    The module functions make a new one per call, so they always see the latest table; code that
    computes many deadlines at once (a bulk recalculation) can make one and reuse it, and
    zhili.deadlines.cache keeps one per process.
    """

    def __init__(self) -> None:
        self._years: dict[int, _Year] = {}
        # Answers so far: a deadline counts the same days again and again (the sweep counts
        # thousands of them with one calendar).
        self._days: dict[datetime.date, bool] = {}

    def _year(self, year: int) -> _Year:
        if year not in self._years:
            first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
            rows = list(
                HolidaySchedule.objects.filter(Q(year=year) | Q(date__range=(first, last))).values_list(
                    "year", "date", "kind"
                )
            )
            if any(notice_year == year for notice_year, _, _ in rows):
                source = YearSource.TABLE
            elif year in PACKAGE_YEARS:
                source = YearSource.PACKAGE
            else:
                source = YearSource.MISSING
            overrides = {day: kind == HolidaySchedule.DayKind.WORKDAY for _, day, kind in rows if first <= day <= last}
            self._years[year] = _Year(source, overrides)
        return self._years[year]

    def source(self, year: int) -> YearSource:
        return self._year(year).source

    def is_working_day(self, day: datetime.date) -> bool:
        day = local_date(day)
        try:
            return self._days[day]
        except KeyError:
            pass
        year = self._year(day.year)
        if day in year.overrides:
            working = year.overrides[day]
        elif year.source is YearSource.PACKAGE:
            working = bool(chinese_calendar.is_workday(day))
        else:
            if year.source is YearSource.MISSING:
                _warn_missing(day.year)
            working = day.weekday() < 5
        self._days[day] = working
        return working

    def next_working_day(self, day: datetime.date) -> datetime.date:
        """`day` itself when it is a working day, else the first working day after it."""
        day = local_date(day)
        while not self.is_working_day(day):
            day += ONE_DAY
        return day

    def add_working_days(self, start: datetime.datetime, n: int) -> datetime.datetime:
        """The end of the n-th working day after the day of `start` (that day is not counted).

        n = 0 means the end of the start day, or of the next working day when it is not one.
        """
        _check_count(n)
        day = local(start).date()
        if n == 0:
            return end_of_day(self.next_working_day(day))
        counted = 0
        while counted < n:
            day += ONE_DAY
            counted += self.is_working_day(day)
        return end_of_day(day)

    def add_calendar_days(self, start: datetime.datetime, n: int) -> datetime.datetime:
        """The end of the n-th day after the day of `start`, moved to the next working day when
        that day is a holiday or weekend (《民法典》第二百零三条)."""
        _check_count(n)
        return end_of_day(self.next_working_day(local(start).date() + n * ONE_DAY))


def _check_count(n: int) -> None:
    if n < 0:
        raise ValueError(f"a count of days cannot be negative: {n}")


def _warn_missing(year: int) -> None:
    if year in _warned_years:
        return
    _warned_years.add(year)
    log.warning(
        "no holiday schedule for %d: counting Mon-Fri as working days. Load the State Council's "
        "notice for %d with `zhili load-holidays FILE` (see docs/deadlines.md).",
        year,
        year,
    )


def forget_warnings() -> None:
    """Let every missing year warn again (for tests)."""
    _warned_years.clear()


def local(moment: datetime.datetime) -> datetime.datetime:
    """`moment` in the project time zone; a naive datetime is refused rather than guessed."""
    if moment.utcoffset() is None:
        raise ValueError(f"a deadline needs a timezone-aware datetime, got {moment!r}")
    # The project's zone, not the zone a request may have activated (timezone.localtime): a
    # deadline is the same for everyone, and end_of_day() is in the project's zone as well.
    return moment.astimezone(timezone.get_default_timezone())


def local_date(day: datetime.date) -> datetime.date:
    """The calendar day of a date, or of a datetime as seen in the project time zone."""
    if isinstance(day, datetime.datetime):
        return local(day).date()
    return day


def end_of_day(day: datetime.date) -> datetime.datetime:
    """The last instant of `day` in the project time zone (stands for 24:00, see the module doc)."""
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=timezone.get_default_timezone())


def is_working_day(day: datetime.date) -> bool:
    return WorkingCalendar().is_working_day(day)


def next_working_day(day: datetime.date) -> datetime.date:
    return WorkingCalendar().next_working_day(day)


def add_working_days(start: datetime.datetime, n: int) -> datetime.datetime:
    return WorkingCalendar().add_working_days(start, n)


def add_calendar_days(start: datetime.datetime, n: int) -> datetime.datetime:
    return WorkingCalendar().add_calendar_days(start, n)


def add_duration(start: datetime.datetime, *, minutes: int) -> datetime.datetime:
    """`start` plus a number of minutes of clock time: urgent deadlines ignore the calendar."""
    if minutes < 0:
        raise ValueError(f"a duration cannot be negative: {minutes}")
    return local(start + datetime.timedelta(minutes=minutes))


def year_sources(years: Iterable[int]) -> dict[int, YearSource]:
    """Where each year's schedule comes from, in one query (for the health check and the CLI)."""
    wanted = sorted(set(years))
    loaded = set(HolidaySchedule.objects.filter(year__in=wanted).values_list("year", flat=True).distinct())
    return {
        year: YearSource.TABLE
        if year in loaded
        else YearSource.PACKAGE
        if year in PACKAGE_YEARS
        else YearSource.MISSING
        for year in wanted
    }


def calendar_gaps(years: Iterable[int]) -> list[int]:
    """The years among `years` with no official schedule: deadlines in them count Mon–Fri only."""
    return [year for year, source in year_sources(years).items() if source is YearSource.MISSING]


# The longest shipped period with its extension is 60 + 30 days (petitions), plus a holiday
# roll-over; 120 days ahead covers every deadline being set today.
HORIZON_DAYS = 120


def upcoming_gaps(today: datetime.date | None = None, horizon_days: int = HORIZON_DAYS) -> list[int]:
    """Missing years that deadlines set today can reach: what a health check should show.

    Next year is usually missing until the State Council publishes its notice (November or
    December); it shows here only once it is within the horizon.
    """
    today = today or timezone.localdate()
    return calendar_gaps(range(today.year, (today + datetime.timedelta(days=horizon_days)).year + 1))
