"""Reading a year's holiday schedule from a file (the format is in docs/deadlines.md).

JSON follows the State Council notice, which gives holidays as ranges ("10月1日至7日放假调休")
and make-up working days one by one:

    {"year": 2026, "notice": "国务院办公厅关于2026年部分节假日安排的通知",
     "holidays": [{"name": "国庆节", "from": "2026-10-01", "to": "2026-10-07"}, ...],
     "workdays": [{"name": "国庆节", "date": "2026-10-10"}, ...]}

CSV, for those who type it into a spreadsheet, has one row per day under the header
`date,kind,name`, kind being holiday / workday (or 放假 / 上班); the year is the year of the
latest date unless given.
"""

from __future__ import annotations

import csv
import datetime
import io
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.utils.translation import gettext as _

from zhili.core.errors import DomainError
from zhili.deadlines.models import HolidaySchedule, schedule_day_problem

HOLIDAY = HolidaySchedule.DayKind.HOLIDAY
WORKDAY = HolidaySchedule.DayKind.WORKDAY
KIND_WORDS = {"holiday": HOLIDAY, "放假": HOLIDAY, "休": HOLIDAY, "workday": WORKDAY, "上班": WORKDAY, "班": WORKDAY}
# A holiday block is at most a couple of weeks (the longest, 2020's extended Spring Festival, was
# 10 days); a longer range is a typing error.
LONGEST_RANGE = 20


@dataclass(frozen=True)
class ScheduleDay:
    date: datetime.date
    kind: str  # HolidaySchedule.DayKind
    name: str


@dataclass(frozen=True)
class Schedule:
    year: int
    notice: str
    days: tuple[ScheduleDay, ...]


def invalid(message: str) -> DomainError:
    return DomainError("holiday_file_invalid", message)


def read_schedule(path: Path, *, year: int | None = None, notice: str = "") -> Schedule:
    """Parse a JSON or CSV schedule file (by its extension) and check it; raises DomainError."""
    try:
        text = path.read_text(encoding="utf-8-sig")  # -sig: spreadsheets save CSV with a BOM
    except (OSError, UnicodeDecodeError) as exc:
        raise invalid(_("无法读取文件：%(error)s") % {"error": exc}) from None
    if path.suffix.lower() == ".json":
        return parse_json(text, year=year, notice=notice)
    if path.suffix.lower() == ".csv":
        return parse_csv(text, year=year, notice=notice)
    raise invalid(_("文件须为 .json 或 .csv。"))


def parse_json(text: str, *, year: int | None = None, notice: str = "") -> Schedule:
    try:
        data: Any = json.loads(text)
    except json.JSONDecodeError as exc:
        raise invalid(_("JSON 格式错误：%(error)s") % {"error": exc}) from None
    if not isinstance(data, dict) or not isinstance(data.get("year"), int):
        raise invalid(_("JSON 须为对象，并以整数给出 year。"))
    if year is not None and data["year"] != year:
        raise invalid(
            _("文件中的年度 %(file)s 与指定的年度 %(given)s 不一致。") % {"file": data["year"], "given": year}
        )
    days: list[ScheduleDay] = []
    for entry in _entries(data, "holidays"):
        first = _date(entry.get("from", entry.get("date")))
        last = _date(entry.get("to", entry.get("from", entry.get("date"))))
        if not 0 <= (last - first).days < LONGEST_RANGE:
            raise invalid(_("放假区间 %(first)s 至 %(last)s 不合理。") % {"first": first, "last": last})
        days.extend(
            ScheduleDay(first + datetime.timedelta(days=i), HOLIDAY, _name(entry))
            for i in range((last - first).days + 1)
        )
    days.extend(ScheduleDay(_date(entry.get("date")), WORKDAY, _name(entry)) for entry in _entries(data, "workdays"))
    return checked(Schedule(data["year"], str(notice or data.get("notice", "")), tuple(days)))


def parse_csv(text: str, *, year: int | None = None, notice: str = "") -> Schedule:
    reader = csv.DictReader(io.StringIO(text))
    if not reader.fieldnames or not {"date", "kind"} <= {name.strip() for name in reader.fieldnames}:
        raise invalid(_("CSV 首行须为列名 date,kind,name。"))
    days: list[ScheduleDay] = []
    for row in reader:
        row = {key.strip(): (value or "").strip() for key, value in row.items() if key}
        kind = KIND_WORDS.get(row["kind"].lower())
        if kind is None:
            raise invalid(_("未知的类型“%(kind)s”：应为 holiday（放假）或 workday（上班）。") % {"kind": row["kind"]})
        days.append(ScheduleDay(_date(row["date"]), kind, row.get("name", "")[:40]))
    if not days:
        raise invalid(_("文件中没有任何日期。"))
    return checked(Schedule(year or max(day.date for day in days).year, notice, tuple(days)))


def checked(schedule: Schedule) -> Schedule:
    if not schedule.days:
        raise invalid(_("文件中没有任何日期。"))
    seen: set[datetime.date] = set()
    for day in schedule.days:
        if day.date in seen:
            raise invalid(_("日期 %(date)s 出现了不止一次。") % {"date": day.date})
        seen.add(day.date)
        problem = schedule_day_problem(schedule.year, day.date, day.kind)
        if problem:
            raise invalid(f"{day.date}: {problem}")
    return schedule


def _entries(data: dict[str, Any], key: str) -> list[dict[str, Any]]:
    entries = data.get(key, [])
    if not isinstance(entries, list) or not all(isinstance(entry, dict) for entry in entries):
        raise invalid(_("%(key)s 须为对象的列表。") % {"key": key})
    return entries


def _name(entry: dict[str, Any]) -> str:
    return str(entry.get("name", ""))[:40]


def _date(value: Any) -> datetime.date:
    try:
        return datetime.date.fromisoformat(str(value))
    except ValueError:
        raise invalid(_("日期“%(value)s”格式错误，应为 YYYY-MM-DD。") % {"value": value}) from None
