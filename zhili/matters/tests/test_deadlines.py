"""Deadlines of matters across holidays, the sweep that warns and escalates (exactly once,
driven by a controlled clock), pauses and extensions."""

from __future__ import annotations

import datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection

from zhili import testing
from zhili.core.errors import DomainError
from zhili.matters import actions
from zhili.matters.models import Matter
from zhili.matters.sweep import sweep
from zhili.matters.tests.conftest import Cast
from zhili.notify.models import Notification

BEIJING = ZoneInfo("Asia/Shanghai")
T = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING)  # a Monday


def end_of(day: datetime.date) -> datetime.datetime:
    return datetime.datetime.combine(day, datetime.time.max, tzinfo=BEIJING)


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


@pytest.mark.django_db
def test_a_green_request_received_before_national_day_is_due_after_it(cast: Cast) -> None:
    received = datetime.datetime(2026, 9, 30, 10, 0, tzinfo=BEIJING)  # Wednesday; 1-7 October are off
    matter = cast.matter(category="public_facility", description="路灯不亮", at=received)
    assert matter.due_stage == "respond" and matter.due_rule == "request-respond-green"
    assert matter.due_at.astimezone(BEIJING).date() == datetime.date(2026, 10, 8)


@pytest.mark.django_db
def test_dispatch_starts_the_handling_clock_and_red_is_counted_in_hours(cast: Cast) -> None:
    matter = cast.matter(category="public_facility", risk="red", description="燃气管道漏气", at=T)
    assert matter.due_at == T + datetime.timedelta(minutes=30)
    matter = actions.perform(
        matter, "dispatched", actor=cast.clerk, data={"lead_unit": cast.tree.police_a.pk}, at=T + hours(0.2)
    )
    assert (matter.due_stage, matter.due_at) == ("resolve", T + hours(0.2) + hours(24))


@pytest.mark.django_db
def test_red_matters_alert_the_leaders_of_the_level_above_at_once(cast: Cast) -> None:
    testing.person("county-leader-2", role="leader", unit_=cast.tree.county_a, phone="13512345678")
    matter = cast.matter(risk="red", description="有人扬言要带刀去对方家里", category="neighbor")  # at township A1
    alert = matter.events.get(kind="leader_alerted")
    assert alert.data["unit"] == cast.tree.county_a.pk
    assert Notification.objects.filter(purpose="matter_red_alert", recipient="13512345678").count() == 1


def _red_request_dispatched_to_grid(cast: Cast) -> Matter:
    tree = cast.tree
    grid_worker = testing.person("grid-w", role="grid_worker", unit_=tree.grid_a1, phone="13312345678")
    matter = cast.matter(
        actor=grid_worker,
        intake_unit=tree.grid_a1,
        category="public_facility",
        risk="red",
        description="井盖丢失有人掉进去的危险",
        at=T,
    )
    matter = actions.perform(
        matter, "dispatched", actor=grid_worker, system=True, data={"lead_unit": tree.grid_a1.pk}, at=T
    )
    return actions.perform(matter, "accepted", actor=grid_worker, at=T)


@pytest.mark.django_db
def test_the_sweep_warns_once_then_escalates_once_per_level_up_to_the_top(cast: Cast) -> None:
    tree = cast.tree
    matter = _red_request_dispatched_to_grid(cast)
    assert matter.due_at == T + hours(24)

    assert sweep(now=T + hours(19)).warned == 1  # three quarters of the day gone
    assert sweep(now=T + hours(19.5)).warned == 0
    assert Notification.objects.filter(purpose="matter_deadline", recipient="13312345678").count() == 1

    climbed, now = [], T + hours(24)
    for _level in range(4):
        now += hours(25)
        report = sweep(now=now)
        assert report.escalated == 1
        assert sweep(now=now).escalated == 0  # the same instant again: nothing more
        climbed.append(Matter.objects.get(pk=matter.pk).lead_unit_id)
    assert climbed == [tree.community_a1.pk, tree.township_a1.pk, tree.county_a.pk, tree.city.pk]

    now += hours(25)
    assert sweep(now=now).overdue_at_top == 1
    assert sweep(now=now + hours(1)).overdue_at_top == 0
    matter.refresh_from_db()
    assert matter.overdue_at == now and matter.escalations == 4
    assert list(matter.events.filter(kind__in=["escalated", "overdue"]).values_list("kind", flat=True)) == [
        "escalated"
    ] * 4 + ["overdue"]
    assert all(e.source == "worker" for e in matter.events.filter(kind="escalated"))


@pytest.mark.django_db
def test_nothing_happens_before_the_deadline_and_closed_matters_are_left_alone(cast: Cast) -> None:
    matter = _red_request_dispatched_to_grid(cast)
    assert sweep(now=T + hours(1)).escalated == 0
    matter = actions.perform(matter, "answered", actor=matter.owner, reason="已修复", at=T + hours(2))
    assert matter.due_at is None
    assert sweep(now=T + hours(100)).escalated == 0


@pytest.mark.django_db(transaction=True)
def test_two_workers_sweeping_at_once_escalate_once(tree: testing.Tree) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; concurrent sweeps need PostgreSQL")
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    cast = Cast(tree, clerk, clerk, clerk, clerk, clerk)
    matter = _red_request_dispatched_to_grid(cast)
    results = testing.race(2, lambda: sweep(now=T + hours(30)).escalated)
    assert sorted(results) == [0, 1]
    assert Matter.objects.get(pk=matter.pk).escalations == 1


@pytest.mark.django_db
def test_petition_extension_within_the_statutory_thirty_days(cast: Cast) -> None:
    leader = cast.leader
    matter = cast.matter(category="petition_matter", description="对征收补偿决定不服", at=T)
    assert matter.due_rule == "petition-register"
    matter = actions.perform(matter, "dispatched", actor=cast.clerk, data={"lead_unit": cast.tree.county_a.pk}, at=T)
    matter = actions.perform(matter, "accepted", actor=leader, system=True, at=T)
    assert matter.due_rule == "petition-decide"
    due = matter.due_at
    with pytest.raises(DomainError) as error:
        actions.perform(
            matter, "extension_requested", actor=leader, system=True, reason="案情复杂", data={"amount": 40}
        )
    assert error.value.code == "deadline_extension_too_long"
    matter = actions.perform(
        matter, "extension_requested", actor=leader, system=True, reason="案情复杂", data={"amount": 20}
    )
    matter = actions.perform(matter, "extension_approved", actor=leader, system=True)
    assert matter.extension_granted == 20
    assert (matter.due_at - due).days >= 20


@pytest.mark.django_db
def test_waiting_on_the_resident_pauses_a_pausable_clock(cast: Cast) -> None:
    matter = cast.matter(category="legal_aid", description="申请法律援助，讨要工伤赔偿", at=T)
    assert matter.due_rule == "legal-aid-decide"
    matter = actions.perform(matter, "dispatched", actor=cast.clerk, data={"lead_unit": cast.tree.township_a1.pk}, at=T)
    matter = actions.perform(matter, "accepted", actor=cast.clerk, system=True, at=T)
    due = matter.due_at
    assert matter.due_rule == "legal-aid-decide" and due is not None
    matter = actions.perform(
        matter, "waiting", actor=cast.clerk, system=True, reason="请补充收入证明", at=T + hours(24)
    )
    matter = actions.perform(matter, "resumed", actor=cast.clerk, system=True, at=T + hours(24 * 4))
    assert matter.paused_seconds == 3 * 24 * 3600
    assert matter.due_at == due + datetime.timedelta(days=3)


@pytest.mark.django_db
def test_a_clock_that_may_not_pause_keeps_running(cast: Cast) -> None:
    matter = _red_request_dispatched_to_grid(cast)
    due = matter.due_at
    matter = actions.perform(matter, "waiting", actor=matter.owner, reason="等待群众确认", at=T + hours(1))
    matter = actions.perform(matter, "resumed", actor=matter.owner, at=T + hours(5))
    assert matter.due_at == due


@pytest.mark.django_db
def test_loading_a_years_schedule_recomputes_the_open_deadlines_reaching_into_it(
    cast: Cast, django_capture_on_commit_callbacks: Any
) -> None:
    from zhili.deadlines import services
    from zhili.deadlines.schedule_file import Schedule, ScheduleDay

    # 2027 is not shipped: a day-counted deadline into it counts Monday to Friday, so a request
    # received on New Year's Eve must be answered by Friday 1 January.
    received = datetime.datetime(2026, 12, 31, 10, tzinfo=BEIJING)
    reaching = cast.matter(category="public_facility", description="路灯不亮", at=received)
    before_year = cast.matter(
        category="public_facility", description="路灯不亮", at=datetime.datetime(2026, 12, 21, 10, tzinfo=BEIJING)
    )
    closed = cast.matter(category="public_facility", description="路灯不亮", at=received)
    Matter.objects.filter(pk=closed.pk).update(status="closed")
    assert reaching.due_at == end_of(datetime.date(2027, 1, 1))
    due_before_year = before_year.due_at
    with django_capture_on_commit_callbacks(execute=True):
        services.load_schedule(
            Schedule(
                year=2027,
                notice="测试",
                days=(ScheduleDay(date=datetime.date(2027, 1, 1), kind="holiday", name="元旦"),),
            )
        )
    # New Year's Day is a holiday now: the next working day is Monday 4 January.
    reaching.refresh_from_db()
    assert reaching.due_at == end_of(datetime.date(2027, 1, 4))
    assert reaching.warn_at is not None and reaching.warn_at < reaching.due_at
    before_year.refresh_from_db()
    assert before_year.due_at == due_before_year
    # Closed matters have no running deadline to recompute.
    assert Matter.objects.get(pk=closed.pk).due_at == end_of(datetime.date(2027, 1, 1))
