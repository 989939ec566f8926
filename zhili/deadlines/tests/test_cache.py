"""The rules and the calendar cached per process (zhili.deadlines.cache): the same answers as the
tables, no queries once loaded, and an edit seen at once here and within CACHE_SECONDS elsewhere."""

from __future__ import annotations

import datetime

import pytest
from pytest_django import DjangoAssertNumQueries

from zhili.core import memo
from zhili.deadlines import cache, services
from zhili.deadlines.models import DeadlineRule, HolidaySchedule
from zhili.deadlines.tests.helpers import at, d, end
from zhili.matters import timing
from zhili.matters.models import Matter

pytestmark = pytest.mark.django_db

SHAPES = [
    ("respond", "request", "public_facility", "red"),
    ("resolve", "request", "urban_management", "green"),
    ("resolve", "request", "public_facility", "yellow"),
    ("decide", "legal_service", "legal_aid", "green"),
    ("mediation_end", "dispute", "labor_wage", "green"),
    ("resolve", "dispute", "neighbor", "green"),  # no rule
    ("decide", "petition", "", None),
]


@pytest.mark.parametrize(("stage", "kind", "category", "risk"), SHAPES)
def test_the_snapshot_answers_as_the_tables(stage: str, kind: str, category: str, risk: str | None) -> None:
    snapshot = cache.current()
    rule = snapshot.rule_for(stage, kind, category, risk)
    assert rule == services.rule_for(stage, kind, category, risk)
    if rule is not None:
        for start in (at(2026, 9, 30, 10), at(2026, 12, 30, 16), at(2027, 1, 4)):
            assert snapshot.due_at(rule, start) == services.due_at(rule, start)


def test_an_unknown_stage_is_an_error_here_too() -> None:
    with pytest.raises(ValueError, match="unknown deadline stage"):
        cache.current().rule_for("answr", "request")


def test_deadlines_take_no_queries_once_loaded(django_assert_num_queries: DjangoAssertNumQueries) -> None:
    matter = Matter(status="in_progress", kind_id="request", category_id="public_facility", risk_id="green")
    matter.stage_started = at(2026, 9, 30, 10)
    timing.refresh(matter, at(2026, 9, 30, 10))  # loads the rules and 2026
    with django_assert_num_queries(0):
        for _n in range(20):
            timing.refresh(matter, at(2026, 9, 30, 10))
    assert matter.due_at == end(2026, 10, 15)  # 7 working days after National Day


def test_an_edited_rule_counts_at_once_in_this_process() -> None:
    before = cache.current()
    assert cache.current() is before
    rule = DeadlineRule.objects.get(code="request-resolve-green")
    rule.amount = 5
    rule.save()
    after = cache.current()
    assert after is not before
    found = after.rule_for("resolve", "request", "urban_management", "green")
    assert found is not None and found.amount == 5


def test_a_deactivated_rule_no_longer_counts() -> None:
    assert cache.current().rule_for("respond", "request", "public_facility", "red") is not None
    rule = DeadlineRule.objects.get(code="request-respond-red")
    rule.active = False
    rule.save()
    assert cache.current().rule_for("respond", "request", "public_facility", "red") is None


def test_a_holiday_loaded_or_removed_counts_at_once_in_this_process() -> None:
    assert cache.current().calendar.is_working_day(d(2026, 10, 8)) is True
    row = HolidaySchedule.objects.create(year=2026, date=d(2026, 10, 8), kind="holiday", name="国庆节")
    assert cache.current().calendar.is_working_day(d(2026, 10, 8)) is False
    row.delete()
    assert cache.current().calendar.is_working_day(d(2026, 10, 8)) is True


def test_other_processes_see_an_edit_once_their_snapshot_is_old(monkeypatch: pytest.MonkeyPatch) -> None:
    clock = [1000.0]
    monkeypatch.setattr(memo.time, "monotonic", lambda: clock[0])
    cache.clear()
    before = cache.current()
    # An edit made by another process: no signal reaches this one.
    DeadlineRule.objects.filter(code="request-resolve-green").update(amount=5)
    clock[0] += cache.CACHE_SECONDS - 1
    assert cache.current() is before
    clock[0] += 2
    found = cache.current().rule_for("resolve", "request", "urban_management", "green")
    assert found is not None and found.amount == 5


def test_a_schedule_loaded_from_a_file_counts_at_once() -> None:
    from zhili.deadlines.schedule_file import Schedule, ScheduleDay

    start = at(2027, 9, 30, 10)
    rule = cache.current().rule_for("register", "petition")
    assert rule is not None
    before = cache.current().due_at(rule, start)  # 2027 has no schedule: Mon–Fri
    days = [ScheduleDay(date=datetime.date(2027, 10, day), kind="holiday", name="国庆节") for day in range(1, 16)]
    services.load_schedule(Schedule(year=2027, notice="测试", days=tuple(days)))
    assert cache.current().due_at(rule, start) != before
    assert cache.current().due_at(rule, start) == services.due_at(rule, start)
