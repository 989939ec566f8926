"""The deadline sweep handles due matters in batches: the outcome is exactly what perform(), one
matter at a time, wrote before (rows, events, unit links, notices); its queries do not grow with
the number of due matters; two sweeps at once still handle each matter once."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from typing import Any
from zoneinfo import ZoneInfo

import pytest
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils.translation import gettext as _

from zhili import testing
from zhili.core.context import ActingContext, acting
from zhili.matters import actions, notices
from zhili.matters.choices import EventKind
from zhili.matters.models import Matter, MatterEvent, MatterReach, MatterUnit
from zhili.matters.sweep import OPEN, SweepReport, sweep
from zhili.notify.models import Notification

BEIJING = ZoneInfo("Asia/Shanghai")
T = datetime.datetime(2026, 11, 2, 9, 0, tzinfo=BEIJING)  # a Monday


def hours(n: float) -> datetime.timedelta:
    return datetime.timedelta(hours=n)


# --- the sweep as it was: each matter through perform(), in its own transaction ------------------


def sweep_one_by_one(now: datetime.datetime) -> SweepReport:
    report = SweepReport()
    with acting(ActingContext(source="worker", reason=_("办理期限到期自动处理"))):
        due = Matter.objects.filter(status__in=OPEN, due_at__lt=now, overdue_at__isnull=True).order_by("due_at")
        for pk in list(due.values_list("pk", flat=True)):
            with transaction.atomic():
                matter = Matter.objects.select_for_update(of=("self",)).select_related("lead_unit", "intake_unit")
                matter = matter.get(pk=pk)
                if actions.escalation_target(matter) is not None:
                    reason = _("超过办理时限未办结，自动上报上一级")
                    actions.perform(matter, EventKind.ESCALATED, actor=None, system=True, at=now, reason=reason)
                    report.escalated += 1
                else:
                    reason = _("已超期，且已在最高层级")
                    actions.perform(matter, EventKind.OVERDUE, actor=None, system=True, at=now, reason=reason)
                    Matter.objects.filter(pk=pk).update(overdue_at=now)
                    report.overdue_at_top += 1
        warn = Matter.objects.filter(status__in=OPEN, warn_at__lte=now, due_at__gte=now).order_by("warn_at")
        for pk in list(warn.values_list("pk", flat=True)):
            with transaction.atomic():
                matter = Matter.objects.select_for_update(of=("self",)).select_related("owner").get(pk=pk)
                actions.perform(
                    matter, EventKind.DEADLINE_WARNED, actor=None, system=True, at=now, reason=_("即将到期")
                )
                notices.deadline_warning(matter, matter.owner)
                Matter.objects.filter(pk=pk).update(warn_at=None)
                report.warned += 1
    return report


# --- a mix of matters -----------------------------------------------------------------------------


@dataclass
class People:
    tree: testing.Tree
    clerk: Any
    grid_worker: Any  # has a phone: told when a matter of theirs is near its deadline
    resident: Any  # reports with an account, no phone typed in: notices go to the account's phone


@pytest.fixture
def people(tree: testing.Tree) -> People:
    testing.person("leader-county-a", role="leader", unit_=tree.county_a, phone="13512345678")
    testing.person("leader-city", role="leader", unit_=tree.city, phone="13512345679")
    return People(
        tree=tree,
        clerk=testing.person("clerk-a1", role="clerk", unit_=tree.township_a1),
        grid_worker=testing.person("grid-w", role="grid_worker", unit_=tree.grid_a1, phone="13312345678"),
        resident=testing.person("resident", phone="13612345678"),
    )


def a_matter(
    people: People,
    lead: Any,
    *,
    at: datetime.datetime,
    risk: str = "red",
    accept: bool = True,
    phone: str = "13812345678",
    reporter: Any = None,
) -> Matter:
    """A request on public facilities, dispatched to `lead` at `at` (and accepted by the grid
    worker): red ones are due 24 hours later, warned at 18."""
    matter, _created = actions.receive(
        actor=people.clerk,
        channel="hotline",
        description="小区路灯不亮，晚上出行不便",
        category="public_facility",
        risk=risk,
        intake_unit=people.tree.township_a1,
        reporter_phone=phone,
        reporter=reporter,
        at=at - hours(1),
    )
    matter = actions.perform(matter, "dispatched", actor=people.clerk, system=True, data={"lead_unit": lead.pk}, at=at)
    if accept:
        matter = actions.perform(matter, "accepted", actor=people.grid_worker, system=True, at=at)
    return matter


def the_mix(people: People, copies: int = 1) -> None:
    """Matters the sweep at T + 25 h escalates, marks overdue at the top, warns or leaves alone."""
    tree = people.tree
    for _copy in range(copies):
        a_matter(people, tree.grid_a1, at=T)  # escalated; in progress → dispatched: the resident is told
        a_matter(people, tree.community_a1, at=T, accept=False)  # escalated, still dispatched: no notice
        a_matter(people, tree.grid_a1, at=T, phone="", reporter=people.resident)  # told on the account's phone
        a_matter(people, tree.grid_a1, at=T, phone="")  # nobody to tell
        a_matter(people, tree.police_a, at=T)  # a department: escalated above its county, to the city
        a_matter(people, tree.city, at=T)  # overdue at the top
        marked = a_matter(people, tree.city, at=T - hours(30))  # at the top and marked already: left alone
        Matter.objects.filter(pk=marked.pk).update(overdue_at=T - hours(5))
        a_matter(people, tree.grid_a1, at=T + hours(6))  # warned: the handler is told
        a_matter(people, tree.community_a1, at=T + hours(6), accept=False)  # warned: no handler yet
        a_matter(people, tree.grid_a1, at=T + hours(20))  # not due yet
        a_matter(people, tree.grid_a1, at=T - hours(2), risk="green")  # not due for days
        answered = a_matter(people, tree.grid_a1, at=T)
        actions.perform(answered, "answered", actor=people.grid_worker, reason="已修复", at=T + hours(2))


def outcome() -> dict[str, Any]:
    """Every matter's row, events, unit links and notices, by number (ids and times of the run
    itself left out)."""
    skip = {"id", "updated_at"}
    result: dict[str, Any] = {}
    for matter in Matter.objects.order_by("number"):
        row = {f.attname: getattr(matter, f.attname) for f in Matter._meta.concrete_fields if f.attname not in skip}
        events = [
            (e.seq, e.kind, e.time, e.actor_id, e.actor_name, e.reason, e.data, e.source, e.address)
            for e in MatterEvent.objects.filter(matter=matter).order_by("seq")
        ]
        links = sorted(MatterUnit.objects.filter(matter=matter).values_list("unit_id", flat=True))
        reach = sorted(MatterReach.objects.filter(matter=matter).values_list("unit_id", flat=True))
        notices_ = sorted(
            Notification.objects.about(matter).values_list("channel", "recipient", "subject", "body", "purpose")
        )
        result[matter.number] = {"row": row, "events": events, "links": links, "reach": reach, "notices": notices_}
    return result


class Discard(Exception):
    pass


def swept(people: People, run: Any, copies: int = 1) -> tuple[list[SweepReport], dict[str, Any]]:
    """Build the mix, sweep it at T + 25 h and T + 50 h with `run`, and give back what happened;
    the database is as it was before."""
    try:
        with transaction.atomic():
            the_mix(people, copies)
            reports = [run(T + hours(25)), run(T + hours(50))]
            result = outcome()
            raise Discard
    except Discard:
        pass
    return reports, result


# --- the tests ------------------------------------------------------------------------------------


@pytest.mark.django_db
def test_sweeping_in_batches_writes_what_perform_wrote_one_matter_at_a_time(people: People) -> None:
    expected_reports, expected = swept(people, sweep_one_by_one)
    # Batches of 3: several batches per phase, the last one short.
    reports, found = swept(people, lambda now: sweep(now=now, batch=3))
    assert reports == expected_reports
    assert reports[0] == SweepReport(escalated=5, overdue_at_top=1, warned=2)
    assert found.keys() == expected.keys()
    for number, what in expected.items():
        assert found[number] == what, number


@pytest.mark.django_db
def test_a_batch_escalates_marks_warns_and_leaves_alone(people: People) -> None:
    tree = people.tree
    escalated = a_matter(people, tree.grid_a1, at=T)
    department = a_matter(people, tree.police_a, at=T)
    top = a_matter(people, tree.city, at=T)
    warned = a_matter(people, tree.grid_a1, at=T + hours(6))
    quiet = a_matter(people, tree.grid_a1, at=T + hours(20))
    notices_before = Notification.objects.count()

    report = sweep(now=T + hours(25))

    assert report == SweepReport(escalated=2, overdue_at_top=1, warned=1)
    escalated.refresh_from_db()
    assert (escalated.status, escalated.lead_unit_id, escalated.owner_id) == ("dispatched", tree.community_a1.pk, None)
    assert escalated.escalations == 1 and escalated.stage_started == T + hours(25)
    assert escalated.due_at == T + hours(49) and escalated.overdue_at is None
    last = escalated.events.order_by("-seq").first()
    assert last is not None and last.seq == escalated.last_event_seq
    assert (last.kind, last.data, last.source) == (
        "escalated",
        {"unit": tree.community_a1.pk, "from": tree.grid_a1.pk},
        "worker",
    )
    assert set(escalated.units.values_list("unit_id", flat=True)) >= {tree.grid_a1.pk, tree.community_a1.pk}
    department.refresh_from_db()
    assert department.lead_unit_id == tree.city.pk  # a department's own county is its level, not above it
    top.refresh_from_db()
    assert top.overdue_at == T + hours(25) and top.events.order_by("-seq")[0].kind == "overdue"
    warned.refresh_from_db()
    assert warned.warn_at is None and warned.events.order_by("-seq")[0].kind == "deadline_warned"
    quiet.refresh_from_db()
    assert quiet.events.order_by("-seq")[0].kind == "accepted"
    new = Notification.objects.order_by("pk")[notices_before:]
    assert sorted((n.purpose, n.recipient) for n in new) == [
        ("matter_deadline", "13312345678"),  # the grid worker, about `warned`
        ("matter_status", "13812345678"),  # the resident of `department`: transferred to the city
        ("matter_status", "13812345678"),  # … and of `escalated`
    ]
    assert sweep(now=T + hours(25)) == SweepReport()  # the same minute again: nothing left


@pytest.mark.django_db
def test_red_matters_are_alerted_once_when_they_turn_red_not_again_when_escalated(people: People) -> None:
    matter = a_matter(people, people.tree.grid_a1, at=T)
    assert matter.events.filter(kind="leader_alerted").count() == 1  # at intake, to county A's leader
    alerts = Notification.objects.filter(purpose="matter_red_alert").count()
    sweep(now=T + hours(25))
    sweep(now=T + hours(50))
    matter.refresh_from_db()
    assert matter.escalations == 2
    assert matter.events.filter(kind="leader_alerted").count() == 1
    assert Notification.objects.filter(purpose="matter_red_alert").count() == alerts


@pytest.mark.django_db
def test_the_sweep_reads_a_batch_with_the_same_queries_however_many_are_due(people: People) -> None:
    def queries(copies: int) -> int:
        try:
            with transaction.atomic():
                the_mix(people, copies)
                with CaptureQueriesContext(connection) as captured:
                    report = sweep(now=T + hours(25))
                assert report.escalated == 5 * copies and report.warned == 2 * copies
                raise Discard
        except Discard:
            pass
        return len(captured)

    assert queries(1) == queries(4)


@pytest.mark.django_db
def test_states_and_escalation_targets_for_a_batch_are_those_of_one_matter(people: People) -> None:
    tree = people.tree
    leads = [tree.grid_a1, tree.community_a1, tree.township_a1, tree.county_a, tree.city, tree.police_a]
    matters = [a_matter(people, lead, at=T, accept=n % 2 == 0) for n, lead in enumerate(leads)]
    matters.append(
        actions.receive(actor=people.clerk, channel="web", description="噪音扰民", category="neighbor", at=T)[0]
    )  # no lead
    matters = list(Matter.objects.filter(pk__in=[m.pk for m in matters]))
    states = actions.states_of(matters)
    targets = actions.escalation_targets(matters)
    for matter in matters:
        assert states[matter.pk] == actions.state_of(matter)
        assert targets[matter.pk] == actions.escalation_target(matter)


@pytest.mark.django_db(transaction=True)
def test_two_sweeps_at_once_escalate_every_matter_exactly_once(tree: testing.Tree) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; concurrent sweeps need PostgreSQL")
    people = People(
        tree=tree,
        clerk=testing.person("clerk", role="clerk", unit_=tree.township_a1),
        grid_worker=testing.person("grid-w", role="grid_worker", unit_=tree.grid_a1, phone="13312345678"),
        resident=testing.person("resident", phone="13612345678"),
    )
    matters = [a_matter(people, tree.grid_a1, at=T) for _n in range(24)]
    reports = testing.race(2, lambda: sweep(now=T + hours(25), batch=4))
    assert sum(report.escalated for report in reports) == 24
    for matter in Matter.objects.filter(pk__in=[m.pk for m in matters]):
        assert matter.escalations == 1 and matter.lead_unit_id == tree.community_a1.pk
        assert matter.events.filter(kind="escalated").count() == 1
        kinds = list(matter.events.order_by("seq").values_list("kind", flat=True))
        assert kinds[-1] == "escalated" and len(kinds) == matter.last_event_seq
    status_notices = Notification.objects.filter(purpose="matter_status", body__contains="已转交甲一社区办理")
    assert status_notices.count() == 24
