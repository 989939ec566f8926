"""The working-day calendar: the real 2026 schedule, roll-over, the table, the fallback."""

from __future__ import annotations

import datetime
import logging
from collections.abc import Iterator

import pytest
from pytest_django import DjangoAssertNumQueries

from zhili.deadlines import calendar
from zhili.deadlines.calendar import (
    YearSource,
    add_calendar_days,
    add_duration,
    add_working_days,
    calendar_gaps,
    is_working_day,
    year_sources,
)
from zhili.deadlines.models import HolidaySchedule
from zhili.deadlines.tests.helpers import at, d, end, schedule_2027

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_warnings() -> Iterator[None]:
    calendar.forget_warnings()
    yield
    calendar.forget_warnings()


@pytest.mark.parametrize(
    ("day", "working"),
    [
        (d(2026, 9, 20), True),  # Sunday, make-up working day for National Day
        (d(2026, 9, 24), True),
        (d(2026, 9, 25), False),  # Mid-Autumn Festival, Friday
        (d(2026, 9, 27), False),
        (d(2026, 9, 30), True),
        (d(2026, 10, 1), False),  # National Day, 1–7 October
        (d(2026, 10, 5), False),
        (d(2026, 10, 7), False),
        (d(2026, 10, 8), True),  # Thursday: back at work
        (d(2026, 10, 10), True),  # Saturday, make-up working day
        (d(2026, 10, 11), False),
        (d(2026, 2, 14), True),  # Saturday, make-up working day for Spring Festival
        (d(2026, 2, 15), False),  # Spring Festival, 15–23 February
        (d(2026, 2, 23), False),
        (d(2026, 2, 24), True),
        (d(2026, 2, 28), True),  # Saturday, make-up working day
    ],
)
def test_the_2026_schedule_comes_from_the_package(day: datetime.date, working: bool) -> None:
    assert is_working_day(day) is working


def test_working_days_skip_national_day_and_count_the_make_up_saturday() -> None:
    received = at(2026, 9, 30, 16, 30)
    assert add_working_days(received, 1) == end(2026, 10, 8)
    assert add_working_days(received, 2) == end(2026, 10, 9)
    assert add_working_days(received, 3) == end(2026, 10, 10)
    assert add_working_days(received, 4) == end(2026, 10, 12)


def test_working_days_across_spring_festival() -> None:
    received = at(2026, 2, 13, 17, 0)  # the Friday before
    assert add_working_days(received, 1) == end(2026, 2, 14)  # make-up Saturday
    assert add_working_days(received, 2) == end(2026, 2, 24)


def test_zero_working_days_is_the_end_of_the_day_or_of_the_next_working_day() -> None:
    assert add_working_days(at(2026, 10, 9), 0) == end(2026, 10, 9)
    assert add_working_days(at(2026, 10, 3), 0) == end(2026, 10, 8)


def test_a_calendar_period_ending_in_a_holiday_rolls_to_the_next_working_day() -> None:
    # 15 days from 16 September end on 1 October, National Day: the period ends on 8 October.
    assert add_calendar_days(at(2026, 9, 16, 11, 0), 15) == end(2026, 10, 8)
    # ... from 1 February on 16 February, Spring Festival: on 24 February.
    assert add_calendar_days(at(2026, 2, 1), 15) == end(2026, 2, 24)
    # ... on a weekend: the Monday after.
    assert add_calendar_days(at(2026, 10, 9), 15) == end(2026, 10, 26)


def test_a_calendar_period_ending_on_a_make_up_working_day_does_not_roll() -> None:
    assert add_calendar_days(at(2026, 9, 25), 15) == end(2026, 10, 10)


def test_the_day_of_receipt_is_not_counted_whatever_the_hour() -> None:
    assert add_calendar_days(at(2026, 6, 1, 0, 1), 1) == end(2026, 6, 2)
    assert add_calendar_days(at(2026, 6, 1, 23, 59), 1) == end(2026, 6, 2)


def test_days_are_counted_in_beijing_time_whatever_the_time_zone_given() -> None:
    # 17:00 UTC on 7 October is 01:00 on 8 October in Beijing: counting starts after the 8th.
    received = datetime.datetime(2026, 10, 7, 17, 0, tzinfo=datetime.UTC)
    due = add_working_days(received, 1)
    assert due == end(2026, 10, 9)
    assert str(due.tzinfo) == "Asia/Shanghai"
    assert is_working_day(received) is True  # the 8th in Beijing, though the 7th in UTC


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        add_working_days(datetime.datetime(2026, 10, 9, 9, 0), 1)


def test_urgent_deadlines_are_clock_time() -> None:
    assert add_duration(at(2026, 9, 30, 23, 50), minutes=30) == at(2026, 10, 1, 0, 20)


def test_one_query_per_year_looked_at(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    with django_assert_num_queries(1):
        add_working_days(at(2026, 9, 30), 10)
    with django_assert_num_queries(2):
        add_working_days(at(2026, 12, 30), 10)


def test_a_loaded_year_extends_the_package() -> None:
    schedule_2027()
    assert is_working_day(d(2027, 10, 4)) is False  # Monday in the holiday
    assert is_working_day(d(2027, 9, 26)) is True  # Sunday, make-up working day
    assert is_working_day(d(2027, 10, 8)) is True  # Friday, not listed: Mon–Fri
    assert is_working_day(d(2027, 10, 10)) is False  # Sunday, not listed
    assert add_calendar_days(at(2027, 9, 16), 15) == end(2027, 10, 8)
    assert year_sources([2026, 2027, 2028]) == {
        2026: YearSource.PACKAGE,
        2027: YearSource.TABLE,
        2028: YearSource.MISSING,
    }
    assert calendar_gaps([2026, 2027, 2028]) == [2028]


def test_a_loaded_year_replaces_the_package_for_that_year() -> None:
    # An operator's correction of 2026 holding only 8 October: the table alone now speaks for 2026.
    HolidaySchedule.objects.create(year=2026, date=d(2026, 10, 8), kind="holiday", name="国庆节")
    assert is_working_day(d(2026, 10, 8)) is False
    assert is_working_day(d(2026, 10, 1)) is True
    assert is_working_day(d(2025, 10, 1)) is False  # other years still come from the package


def test_a_notice_decides_days_it_names_in_the_year_before() -> None:
    # A 2027 notice making 31 December 2026 a holiday (as the 2019 notice did with 29 December 2018).
    HolidaySchedule.objects.create(year=2027, date=d(2026, 12, 31), kind="holiday", name="元旦")
    assert is_working_day(d(2026, 12, 31)) is False
    assert is_working_day(d(2026, 12, 30)) is True  # the rest of 2026 is still the package's
    assert calendar.WorkingCalendar().source(2026) is YearSource.PACKAGE


def test_a_missing_year_counts_monday_to_friday_and_warns_once(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.WARNING, logger="zhili.deadlines.calendar")
    assert add_working_days(at(2028, 9, 29), 1) == end(2028, 10, 2)  # Friday → Monday, no National Day
    assert is_working_day(d(2028, 10, 3)) is True
    add_calendar_days(at(2028, 1, 1), 100)
    warnings = [record for record in caplog.records if record.levelno == logging.WARNING]
    assert len(warnings) == 1
    assert "2028" in warnings[0].getMessage() and "load-holidays" in warnings[0].getMessage()
    is_working_day(d(2029, 1, 2))
    assert len([record for record in caplog.records if record.levelno == logging.WARNING]) == 2


def test_years_before_the_package_are_gaps_too() -> None:
    assert calendar_gaps([2003, 2004, 2026]) == [2003]


def test_a_health_check_sees_next_year_missing_only_when_deadlines_reach_it() -> None:
    assert calendar.upcoming_gaps(today=d(2026, 7, 1)) == []
    assert calendar.upcoming_gaps(today=d(2026, 11, 22)) == [2027]
    schedule_2027()
    assert calendar.upcoming_gaps(today=d(2026, 11, 22)) == []
