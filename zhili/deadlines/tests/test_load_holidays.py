"""Loading a year's holiday schedule: `zhili load-holidays FILE`."""

from __future__ import annotations

import datetime
import json
from io import StringIO
from pathlib import Path
from typing import Any

import chinese_calendar
import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from pytest_django import DjangoCaptureOnCommitCallbacks

from zhili.audit.models import AuditEvent
from zhili.deadlines.calendar import is_working_day
from zhili.deadlines.models import HolidaySchedule
from zhili.deadlines.schedule_file import read_schedule
from zhili.deadlines.signals import schedule_loaded
from zhili.deadlines.tests.helpers import d

EXAMPLE = Path(__file__).resolve().parents[3] / "docs" / "holidays-2026.example.json"

SCHEDULE_2027: dict[str, Any] = {
    "year": 2027,
    "notice": "测试数据（非官方）",
    "holidays": [
        {"name": "元旦", "from": "2026-12-31", "to": "2027-01-02"},
        {"name": "国庆节", "from": "2027-10-01", "to": "2027-10-07"},
    ],
    "workdays": [{"name": "国庆节", "date": "2027-09-26"}, {"name": "国庆节", "date": "2027-10-09"}],
}


def write(tmp_path: Path, name: str, content: Any) -> Path:
    path = tmp_path / name
    path.write_text(content if isinstance(content, str) else json.dumps(content, ensure_ascii=False), encoding="utf-8")
    return path


def load(*args: Any) -> str:
    out = StringIO()
    call_command("load_holidays", *[str(arg) for arg in args], stdout=out)
    return out.getvalue()


@pytest.mark.skipif(not EXAMPLE.exists(), reason="docs/ is absent (an installed package)")
def test_the_documented_example_is_the_real_2026_schedule() -> None:
    schedule = read_schedule(EXAMPLE)
    listed = {day.date: day.kind == "workday" for day in schedule.days}
    day = datetime.date(2026, 1, 1)
    while day.year == 2026:
        assert listed.get(day, day.weekday() < 5) == chinese_calendar.is_workday(day), day
        day += datetime.timedelta(days=1)


@pytest.mark.django_db
def test_a_year_loads_and_reloading_changes_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "holidays-2027.json", SCHEDULE_2027)
    assert "12 created, 0 updated, 0 deleted" in load(path)
    assert HolidaySchedule.objects.filter(year=2027).count() == 12
    assert is_working_day(d(2027, 10, 5)) is False
    assert is_working_day(d(2026, 12, 31)) is False  # named by the 2027 notice
    assert is_working_day(d(2027, 9, 26)) is True
    assert AuditEvent.objects.filter(kind="create", object_repr__startswith="2027-10-01").exists()
    assert "0 created, 0 updated, 0 deleted, 12 unchanged" in load(path)


@pytest.mark.django_db
def test_a_corrected_notice_replaces_the_year(tmp_path: Path) -> None:
    load(write(tmp_path, "first.json", SCHEDULE_2027))
    corrected = {**SCHEDULE_2027, "workdays": [{"name": "国庆节调休", "date": "2027-09-26"}]}
    assert "0 created, 1 updated, 1 deleted, 10 unchanged" in load(write(tmp_path, "second.json", corrected))
    assert is_working_day(d(2027, 10, 9)) is False  # Saturday, no longer a make-up working day
    assert HolidaySchedule.objects.get(date=d(2027, 9, 26)).name == "国庆节调休"


@pytest.mark.django_db
def test_a_csv_from_a_spreadsheet(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "2027.csv",
        "\ufeffdate,kind,name\n2027-10-01,放假,国庆节\n2027-10-04,holiday,国庆节\n2027-09-26,上班,国庆节\n",
    )
    assert "2027: 2 holidays, 1 make-up working days (关于2027年的通知)" in load(path, "--notice", "关于2027年的通知")
    assert HolidaySchedule.objects.get(date=d(2027, 9, 26)).kind == "workday"
    assert HolidaySchedule.objects.get(date=d(2027, 10, 1)).notice == "关于2027年的通知"


@pytest.mark.django_db
def test_a_dry_run_changes_nothing(tmp_path: Path) -> None:
    output = load(write(tmp_path, "2027.json", SCHEDULE_2027), "--dry-run")
    assert "2027-10-01 Fri holiday  国庆节" in output
    assert not HolidaySchedule.objects.exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"workdays": [{"date": "2027-09-27"}]}, "调休上班日应为周六或周日"),  # a Monday
        ({"workdays": [{"date": "2027-10-02"}]}, "出现了不止一次"),
        ({"holidays": [{"from": "2025-12-31", "to": "2026-01-01"}]}, "日期须在该年度或上一年度内"),
        ({"holidays": [{"from": "2027-10-07", "to": "2027-10-01"}]}, "不合理"),
        ({"holidays": [{"from": "2027-13-01"}]}, "格式错误"),
        ({"year": "2027"}, "整数"),
    ],
)
@pytest.mark.django_db
def test_mistakes_in_the_file_are_refused(tmp_path: Path, change: dict[str, Any], message: str) -> None:
    with pytest.raises(CommandError, match=message):
        load(write(tmp_path, "bad.json", {**SCHEDULE_2027, **change}))
    assert not HolidaySchedule.objects.exists()


@pytest.mark.django_db
def test_a_day_of_another_years_notice_is_refused(tmp_path: Path) -> None:
    HolidaySchedule.objects.create(year=2026, date=d(2026, 12, 31), kind="holiday", name="元旦")
    with pytest.raises(CommandError, match="已属于 2026 年度"):
        load(write(tmp_path, "2027.json", SCHEDULE_2027))


@pytest.mark.django_db
def test_holiday_years_shows_where_each_year_comes_from(tmp_path: Path) -> None:
    load(write(tmp_path, "2027.json", SCHEDULE_2027))
    out = StringIO()
    call_command("holiday_years", "2026", "2027", "2028", stdout=out)
    assert out.getvalue().splitlines() == [
        "2026  chinesecalendar package",
        "2027  loaded schedule (holiday table)",
        "2028  MISSING: Mon-Fri counted as working days; load the notice with `zhili load-holidays`",
    ]


@pytest.mark.django_db
def test_listeners_hear_of_a_loaded_year_after_the_commit(
    tmp_path: Path, django_capture_on_commit_callbacks: DjangoCaptureOnCommitCallbacks
) -> None:
    heard: list[int] = []

    def listener(sender: type, year: int, **kwargs: Any) -> None:
        heard.append(year)

    schedule_loaded.connect(listener)
    try:
        path = write(tmp_path, "2027.json", SCHEDULE_2027)
        with django_capture_on_commit_callbacks(execute=True):
            load(path)
        with django_capture_on_commit_callbacks(execute=True):
            load(path)  # nothing changed: nobody needs to recompute
    finally:
        schedule_loaded.disconnect(listener)
    assert heard == [2027]
