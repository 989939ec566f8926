from __future__ import annotations

import datetime
from zoneinfo import ZoneInfo

from zhili.deadlines.models import HolidaySchedule

SHANGHAI = ZoneInfo("Asia/Shanghai")


def at(year: int, month: int, day: int, hour: int = 9, minute: int = 0) -> datetime.datetime:
    """A moment in Beijing time."""
    return datetime.datetime(year, month, day, hour, minute, tzinfo=SHANGHAI)


def end(year: int, month: int, day: int) -> datetime.datetime:
    """The end of a day in Beijing time, as deadlines are expressed."""
    return datetime.datetime(year, month, day, 23, 59, 59, 999999, tzinfo=SHANGHAI)


def d(year: int, month: int, day: int) -> datetime.date:
    return datetime.date(year, month, day)


def schedule_2027() -> None:
    """Made-up test data for 2027 (the real notice was not published when this was written)."""
    for day in range(1, 8):
        HolidaySchedule.objects.create(year=2027, date=d(2027, 10, day), kind="holiday", name="国庆节")
    HolidaySchedule.objects.create(year=2027, date=d(2027, 9, 26), kind="workday", name="国庆节")
    HolidaySchedule.objects.create(year=2027, date=d(2027, 10, 9), kind="workday", name="国庆节")
