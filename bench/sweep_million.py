"""Benchmark: the deadline sweep (zhili.matters.sweep) over 1,000,000 open matters.

    .venv/bin/python bench/sweep_million.py                       # SQLite in a temporary folder
    psql -h 127.0.0.1 -U postgres -c "DROP DATABASE IF EXISTS bench_sweep" -c "CREATE DATABASE bench_sweep"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_sweep .venv/bin/python bench/sweep_million.py
    … --profile          # then reset the fixture and run the full sweep once more under cProfile
    … --rows 100000      # a smaller fixture

Fixture (bulk-loaded, not through the domain: COPY on PostgreSQL, executemany in batches of
10,000 rows on SQLite, then ANALYZE): `--rows` open matters on a small tree (zhili.testing.tree),
30 % dispatched and 70 % in progress (with an owner who has a phone), most with a reporter's phone,
the lead unit spread over the tree from the grid to the city. Kinds with a deadline for their
handling stage: requests (70 %, 7 working days green, 3 yellow), labour-wage disputes (mediation
ends in 15 days), petitions (decided in 60 days), legal aid (decided in 7 days). Each deadline is
the one timing.refresh() computes from the stage's start (checked on the first 200 rows), because the
sweep recomputes it whenever it touches a matter; day-counted deadlines end at 24:00. The stages
started so that due_at is spread over the next 30 days (over the stage, when shorter); warn_at is
three quarters into the stage, and cleared where that time has passed (warned already, as the
sweep leaves it). On top of that, relative to the sweep's `now` (a Monday, 10:00):

    0.5 %  past their warning time and not warned yet   -> the sweep warns them
    0.1 %  overdue (due up to 2 days ago), not handled   -> the sweep escalates them (or marks
                                                           them overdue at the top, at the city)
    0.1 %  overdue at the top and already marked          -> the sweep must skip them

The matters the sweep will touch also get their MatterUnit rows and their `created` event
(the others need neither for the sweep). Then:

(a) selection: the queries the sweep uses to find what is due (escalation, then warning), as it
    issues them (whether any is due; the first batch of 500, locked) and unlimited (every due id),
    median of repeated runs;
(b) the full sweep(now=...) over the backlog: selection plus escalating / warning every due
    matter, in batches of 500 locked rows, one transaction each, with their events, new deadlines
    and notices (committed); with the time in queries, in commits and in Python;
(c) sweep(now) again when nothing is due (median of 5): the worker's sweep, every minute, over
    1M open matters; and how many matters the busiest minute of the next day and the first
    minute after midnight hold (deadlines end at 24:00), with the time (b) implies for them.

The fixture is restored afterwards (rows, events, links, notices), so the database can be reused
with the same arguments. Target: the sweep over 1,000,000 open matters < 2 s.
"""

from __future__ import annotations

import argparse
import contextlib
import cProfile
import datetime
import io
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Always a temporary var folder: the task queue (huey, SQLite) and the secret key live there too.
os.environ.setdefault("ZHILI_VAR_DIR", tempfile.mkdtemp(prefix="zhili-sweep-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Q, QuerySet  # noqa: E402
from django.utils import timezone  # noqa: E402

from zhili import testing  # noqa: E402
from zhili.deadlines import services as deadlines  # noqa: E402
from zhili.deadlines.models import DeadlineRule  # noqa: E402
from zhili.matters import sweep as sweeping  # noqa: E402
from zhili.matters import timing  # noqa: E402
from zhili.matters.models import Matter, MatterEvent, MatterUnit  # noqa: E402
from zhili.notify.models import Notification  # noqa: E402
from zhili.org.models import Unit  # noqa: E402

BEIJING = ZoneInfo("Asia/Shanghai")
NOW = datetime.datetime(2026, 11, 23, 10, 0, tzinfo=BEIJING)  # a Monday morning
HORIZON = datetime.timedelta(days=30)
WARN_BACKLOG, OVERDUE, MARKED_TOP = 0.005, 0.001, 0.001
TARGET_S = 2.0
CHUNK = 10_000
TEXT = "小区{n}号楼门口路灯不亮，晚上出行不便，老人孩子容易摔倒，希望尽快维修。"
# kind, category, risk: each with a deadline for its handling stage (zhili/deadlines/defaults.py).
COMBOS = (
    [("request", "public_facility", "green")] * 4
    + [("request", "urban_management", "green")] * 3
    + [("request", "safety_hazard", "green"), ("request", "public_facility", "yellow")]
    + [("dispute", "labor_wage", "green")] * 2  # mediation ends within 15 days
    + [("petition", "petition_matter", "green")] * 2  # decided within 60 days
    + [("legal_service", "legal_aid", "green")]  # decided within 7 days
)


def mark(message: str) -> None:
    print(message, flush=True)


@contextlib.contextmanager
def stopwatch(label: str) -> Iterator[None]:
    started = time.perf_counter()
    yield
    mark(f"  {label}: {time.perf_counter() - started:.1f} s")


# --- fixture ------------------------------------------------------------------------------------


def people_and_units() -> tuple[testing.Tree, list[int], list[int]]:
    tree = testing.tree()
    owners = [
        testing.person(f"sweep-handler-{n}", role="handler", unit_=tree.township_a1, phone=f"1391234{n:04d}").pk
        for n in range(5)
    ]
    leads = [
        u.pk
        for u in (
            tree.grid_a1,
            tree.community_a1,
            tree.township_a1,
            tree.township_a2,
            tree.judicial_office_a1,
            tree.police_a,
            tree.county_a,
            tree.county_b,
            tree.city,
        )
    ]
    return tree, owners, leads


def generate(rows: int, tree: testing.Tree, owners: list[int], leads: list[int]) -> tuple[list[str], Iterator[list]]:
    """Column names and an iterator of rows in that order (database values). Every deadline is
    the one timing.refresh() computes from the row (the sweep recomputes it when it touches one)."""
    adapt = connection.ops.adapt_datetimefield_value
    fields = [f for f in Matter._meta.concrete_fields if not f.primary_key]
    columns = [f.column for f in fields]
    template: list[Any] = []
    for f in fields:
        if f.has_default():
            value = f.get_default()
            template.append("[]" if value == [] else value)
        else:
            template.append(None if f.null else "")
    at = {name: columns.index(name) for name in columns}
    rules: dict[tuple[str, str, str], tuple[str, DeadlineRule]] = {}
    for kind, category, risk in set(COMBOS):
        stage, rule = timing.stage_rule(Matter(status="in_progress", kind_id=kind, category_id=category, risk_id=risk))
        assert rule is not None, (kind, category, risk)
        rules[kind, category, risk] = (stage, rule)
    # Day-counted deadlines end at 24:00 of a day that depends only on the day the stage started:
    # computed here for every day a stage may have started, as the rows are written (COPY) no
    # query may run on the connection.
    cache: dict[tuple[str, datetime.date], datetime.datetime] = {}
    today = timezone.localtime(NOW)
    for _stage, rule in rules.values():
        for back in range(150):
            started = today - datetime.timedelta(days=back)
            cache[rule.code, started.date()] = deadlines.due_at(
                rule, started, datetime.timedelta(), extended=0, now=NOW
            )

    def due_for(rule: DeadlineRule, started: datetime.datetime) -> datetime.datetime:
        return cache[rule.code, timezone.localtime(started).date()]

    spans = {combo: due_for(rule, NOW) - NOW for combo, (_stage, rule) in rules.items()}
    rng = random.Random(20261122)
    warned_backlog = int(rows * WARN_BACKLOG)
    overdue = int(rows * OVERDUE)
    marked = int(rows * MARKED_TOP)
    # Which rows are special: spread over the table, not clustered at its end.
    special = rng.sample(range(rows), warned_backlog + overdue + marked)
    role = dict.fromkeys(special[:warned_backlog], "warn")
    role.update(dict.fromkeys(special[warned_backlog : warned_backlog + overdue], "overdue"))
    role.update(dict.fromkeys(special[warned_backlog + overdue :], "top"))

    def clock(what: str, rule: DeadlineRule, span: datetime.timedelta) -> tuple[datetime.datetime, ...]:
        """When the stage started, is due, and is to be warned: drawn until it fits `what`."""
        for _attempt in range(10_000):
            if what == "warn":  # weekends and holidays stretch a stage: draw from a wide window
                started = NOW - span * rng.uniform(0.5, 2.0)
            elif what:  # overdue: due up to two days ago
                started = NOW - span - datetime.timedelta(seconds=rng.uniform(0, 2 * 86400))
            else:  # due within the next 30 days, or within the stage when it is shorter
                started = NOW - span + min(span, HORIZON) * rng.random()
            due = due_for(rule, started)
            warn = started + (due - started) * timing.WARN_AT
            if (
                (what == "warn" and warn <= NOW < due)
                or (what and what != "warn" and due < NOW)
                or (not what and due > NOW)
            ):
                return started, due, warn
        raise RuntimeError(f"no stage start fits {what!r} under {rule.code}")

    def produce() -> Iterator[list]:
        for n in range(rows):
            row = list(template)
            kind, category, risk = COMBOS[n % len(COMBOS)]
            stage, rule = rules[kind, category, risk]
            what = role.get(n, "")
            started, due, warn = clock(what, rule, spans[kind, category, risk])
            in_progress = n % 10 < 7
            row[at["number"]] = f"SW-2026-{n + 1:07d}"
            row[at["channel"]] = "hotline"
            row[at["kind_id"]] = kind
            row[at["category_id"]] = category
            row[at["risk_id"]] = risk
            row[at["description"]] = TEXT.format(n=n % 500)
            row[at["title"]] = row[at["description"]][:40]
            row[at["reporter_name"]] = "王五"
            row[at["reporter_phone"]] = f"138{n % 100_000_000:08d}" if n % 5 else ""
            row[at["received_at"]] = adapt(started - datetime.timedelta(hours=2))
            row[at["updated_at"]] = adapt(started)
            row[at["status"]] = "in_progress" if in_progress else "dispatched"
            row[at["intake_unit_id"]] = tree.township_a1.pk
            row[at["jurisdiction_id"]] = tree.township_a1.pk
            row[at["lead_unit_id"]] = tree.city.pk if what == "top" else leads[n % len(leads)]
            row[at["owner_id"]] = owners[n % len(owners)] if in_progress else None
            row[at["stage_started"]] = adapt(started)
            row[at["due_stage"]] = stage
            row[at["due_rule"]] = rule.code
            row[at["due_at"]] = adapt(due)
            # Warned already when the warning time has passed, except the backlog.
            row[at["warn_at"]] = adapt(warn) if warn > NOW or what == "warn" else None
            row[at["overdue_at"]] = adapt(due + datetime.timedelta(minutes=1)) if what == "top" else None
            if n < 200:
                SAMPLE.append(
                    (
                        Matter(
                            status=row[at["status"]],
                            kind_id=kind,
                            category_id=category,
                            risk_id=risk,
                            stage_started=started,
                        ),
                        due,
                    )
                )
            yield row

    return columns, produce()


SAMPLE: list[tuple[Matter, datetime.datetime]] = []  # rows to check against timing.refresh() after the load


def check_deadlines() -> None:
    """The fixture's deadlines are the platform's: timing.refresh() computes the same."""
    for probe, due in SAMPLE:
        timing.refresh(probe, NOW)
        assert probe.due_at == due, (probe.kind_id, probe.stage_started, probe.due_at, due)


def load(rows: int) -> None:
    tree, owners, leads = people_and_units()
    columns, produced = generate(rows, tree, owners, leads)
    with stopwatch(f"loaded {rows:,} matters"), transaction.atomic():
        if connection.vendor == "postgresql":
            sql = f"COPY matters_matter ({', '.join(columns)}) FROM STDIN"
            with connection.cursor() as cursor, cursor.copy(sql) as copy:
                for row in produced:
                    copy.write_row(row)
        else:
            marks = ", ".join(["%s"] * len(columns))
            sql = f"INSERT INTO matters_matter ({', '.join(columns)}) VALUES ({marks})"  # noqa: S608 - our columns
            with connection.cursor() as cursor:
                batch: list[list] = []
                for row in produced:
                    batch.append(row)
                    if len(batch) == CHUNK:
                        cursor.executemany(sql, batch)
                        batch = []
                if batch:
                    cursor.executemany(sql, batch)
    check_deadlines()
    with stopwatch("links and created events of the matters the sweep will touch"), transaction.atomic():
        due = list(
            Matter.objects.filter(sweep_filters()["escalate"] | sweep_filters()["warn"]).values_list(
                "pk", "intake_unit_id", "lead_unit_id", "received_at"
            )
        )
        MatterUnit.objects.bulk_create(
            [MatterUnit(matter_id=pk, unit_id=u) for pk, intake, lead, _ in due for u in {intake, lead}],
            batch_size=5000,
        )
        MatterEvent.objects.bulk_create(
            [
                MatterEvent(matter_id=pk, seq=1, kind="created", time=at, data={"intake_unit": intake})
                for pk, intake, _lead, at in due
            ],
            batch_size=5000,
        )
        Matter.objects.filter(pk__in=[d[0] for d in due]).update(last_event_seq=1)
    with stopwatch("ANALYZE"), connection.cursor() as cursor:
        cursor.execute("ANALYZE")


# --- measuring ----------------------------------------------------------------------------------


def sweep_filters(now: datetime.datetime = NOW) -> dict[str, Q]:
    """What sweep.py selects at `now`."""
    return {"escalate": sweeping.overdue(now), "warn": sweeping.warning_due(now)}


def selection_queries(limit: int | None) -> dict[str, QuerySet[Matter, Any]]:
    """The sweep's own selection queries (sweep.py): the first batch, locked as the sweep locks
    it (run them in a transaction), or every due id."""
    filters = sweep_filters()
    if limit:
        return {
            name: Matter.objects.filter(filters[key])
            .select_for_update(of=("self",), skip_locked=True)
            .order_by(order)[:limit]
            for name, key, order in (("escalation", "escalate", "due_at"), ("warning", "warn", "warn_at"))
        }
    return {
        "escalation": Matter.objects.filter(filters["escalate"]).order_by("due_at").values_list("pk", flat=True),
        "warning": Matter.objects.filter(filters["warn"]).order_by("warn_at").values_list("pk", flat=True),
    }


def in_transaction(query: QuerySet[Matter, Any]) -> list[Any]:
    with transaction.atomic():
        return list(query.all())


def timed(fn: Callable[[], Any], runs: int) -> tuple[float, Any]:
    timings, result = [], None
    for _ in range(runs):
        started = time.perf_counter()
        result = fn()
        timings.append(time.perf_counter() - started)
    return statistics.median(timings), result


class QueryLog:
    """Where the sweep's time goes: every query timed (grouped by statement, table and locking),
    the selection queries apart, and the commits."""

    SHAPE = re.compile(r'^(UPDATE|\w+\b.*?\b(?:FROM|INTO))\s+"?(\w+)"?', re.S)
    # Whether any is due (exists(), LIMIT 1) and the locked batch (LIMIT 500), on the matter table alone.
    SELECTION = re.compile(r'^SELECT [^;]*? FROM "matters_matter" WHERE [^;]* LIMIT', re.S)

    def __init__(self) -> None:
        self.groups: dict[str, list[float]] = {}
        self.selection = [0, 0.0]
        self.commits = [0, 0.0]

    def __call__(self, execute: Any, sql: str, params: Any, many: bool, context: Any) -> Any:
        started = time.perf_counter()
        try:
            return execute(sql, params, many, context)
        finally:
            spent = time.perf_counter() - started
            if self.SELECTION.match(sql) and " JOIN " not in sql:
                self.selection[0] += 1
                self.selection[1] += spent
            found = self.SHAPE.match(sql)
            key = f"{sql.split()[0]} {found.group(2)}" if found else sql.split()[0]
            key += " FOR UPDATE" if sql.rstrip().endswith("FOR UPDATE") or " FOR UPDATE OF " in sql else ""
            entry = self.groups.setdefault(key, [0, 0.0])
            entry[0] += 1
            entry[1] += spent

    @contextlib.contextmanager
    def watching(self) -> Iterator[None]:
        commit = connection._commit

        def timed_commit() -> Any:
            started = time.perf_counter()
            try:
                return commit()
            finally:
                self.commits[0] += 1
                self.commits[1] += time.perf_counter() - started

        connection._commit = timed_commit  # type: ignore[method-assign]
        try:
            with connection.execute_wrapper(self):
                yield
        finally:
            del connection._commit

    @property
    def queries(self) -> int:
        return sum(int(count) for count, _spent in self.groups.values())

    @property
    def seconds(self) -> float:
        return sum(spent for _count, spent in self.groups.values())

    def top(self, n: int) -> list[str]:
        ranked = sorted(self.groups.items(), key=lambda item: -item[1][1])[:n]
        return [f"{key} ×{int(count):,} {spent:.1f} s" for key, (count, spent) in ranked]


class Snapshot:
    """The rows the sweep touches and the high-water marks of what it adds, to undo a sweep."""

    def __init__(self, now: datetime.datetime) -> None:
        filters = sweep_filters(now)
        self.rows = list(Matter.objects.filter(filters["escalate"] | filters["warn"]))
        self.event = MatterEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.link = MatterUnit.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
        self.notice = Notification.objects.order_by("-pk").values_list("pk", flat=True).first() or 0

    def restore(self) -> None:
        fields = [f for f in Matter._meta.concrete_fields if not f.primary_key]
        assignments = ", ".join(f"{f.column} = %s" for f in fields)
        sql = f"UPDATE matters_matter SET {assignments} WHERE id = %s"  # noqa: S608 - our columns
        values = [[f.get_db_prep_save(getattr(m, f.attname), connection) for f in fields] + [m.pk] for m in self.rows]
        with transaction.atomic():
            MatterEvent.objects.filter(pk__gt=self.event).delete()
            MatterUnit.objects.filter(pk__gt=self.link).delete()
            Notification.objects.filter(pk__gt=self.notice).delete()
            with connection.cursor() as cursor:
                cursor.executemany(sql, values)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--profile", action="store_true", help="profile a second full sweep (cProfile)")
    args = parser.parse_args()
    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    existing = Matter.objects.count()
    mark(f"{connection.vendor}: {args.rows:,} open matters, now = {NOW.isoformat()}")
    if existing == 0:
        load(args.rows)
    elif existing != args.rows or not Unit.objects.filter(name="测试市").exists():
        sys.exit(f"the database holds {existing:,} other matters; use a fresh database")
    else:
        mark("  reusing the fixture already in the database")
    filters = sweep_filters()
    due_escalate = Matter.objects.filter(filters["escalate"]).count()
    due_warn = Matter.objects.filter(filters["warn"]).count()
    mark(
        f"  open: {Matter.objects.filter(status__in=sweeping.OPEN).count():,}; due now: {due_escalate:,} to escalate, "
        f"{due_warn:,} to warn; already marked overdue at the top: "
        f"{Matter.objects.filter(overdue_at__isnull=False).count():,}"
    )

    mark("(a) selection: the sweep's queries over the whole table")
    for name, key in (("escalation", "escalate"), ("warning", "warn")):
        any_due = Matter.objects.filter(filters[key])
        seconds, found = timed(any_due.exists, 20)
        mark(f"  {name:<10} {'any due?':<20} {found!s:>10}  median {seconds * 1000:8.1f} ms (20 runs)")
    for limit, runs in ((sweeping.BATCH, 20), (None, 5)):
        for name, query in selection_queries(limit).items():
            seconds, rows = timed(lambda query=query: in_transaction(query), runs)
            shown = f"first {limit}, locked" if limit else "every due id"
            mark(f"  {name:<10} {shown:<20} {len(rows):>6,} rows median {seconds * 1000:8.1f} ms ({runs} runs)")
    for name, query in selection_queries(sweeping.BATCH).items():
        with transaction.atomic():
            plan = " | ".join(line.strip() for line in query.explain().splitlines())
        mark(f"  plan ({name}): {plan}")

    snapshot = Snapshot(NOW)
    mark(f"(b) full sweep: sweep(now) over {args.rows:,} open matters, {due_escalate + due_warn:,} of them due")
    log = QueryLog()
    with log.watching():
        began = time.perf_counter()
        report = sweeping.sweep(now=NOW)
        full = time.perf_counter() - began
    handled = report.escalated + report.overdue_at_top + report.warned
    per_matter = (full - log.selection[1]) / max(handled, 1)
    verdict = "met" if full < TARGET_S else "MISSED"
    mark(f"  {report}")
    mark(
        f"  full sweep: {full:.2f} s (target < {TARGET_S:.0f} s: {verdict}); of which {log.selection[0]} selection "
        f"queries {log.selection[1] * 1000:.0f} ms; handling {handled:,} matters "
        f"{per_matter * 1000:.2f} ms each"
    )
    mark(
        f"  where it goes: {log.queries:,} queries {log.seconds:.1f} s ({log.queries / max(handled, 1):.1f} a matter), "
        f"{log.commits[0]:,} commits {log.commits[1]:.1f} s, the rest in Python (Django, the sweep) "
        f"{full - log.seconds - log.commits[1]:.1f} s"
    )
    mark(f"  slowest query groups: {'; '.join(log.top(6))}")

    idle_reports: list[sweeping.SweepReport] = []
    idle, _report = timed(lambda: idle_reports.append(sweeping.sweep(now=NOW)), 5)
    touched = sum(r.escalated + r.overdue_at_top + r.warned for r in idle_reports)
    verdict = "met" if idle < TARGET_S else "MISSED"
    mark(
        f"  sweep(now) again, 5 times, {touched} matters due in all: median {idle * 1000:.1f} ms "
        f"(target < {TARGET_S:.0f} s: {verdict})"
    )
    # The steady state: what the worker's sweep, a minute apart, meets at the busiest minute of
    # the next day (warning times fall in bands: deadlines end at 24:00) and right after midnight.
    warnings = Matter.objects.filter(
        status__in=sweeping.OPEN, warn_at__gt=NOW, warn_at__lte=NOW + datetime.timedelta(days=1)
    ).values_list("warn_at", flat=True)
    per_minute = Counter(timezone.localtime(t).replace(second=0, microsecond=0) for t in warnings)
    busiest, most = per_minute.most_common(1)[0] if per_minute else (NOW, 0)
    mark(
        f"  warnings due in the next 24 h: {sum(per_minute.values()):,}, in {len(per_minute):,} distinct minutes; "
        f"the busiest minute ({busiest:%H:%M}) has {most}: about {most * per_matter * 1000:.0f} ms of sweep "
        f"at {per_matter * 1000:.1f} ms a matter (estimate)"
    )
    midnight = timezone.localtime(NOW).replace(hour=23, minute=59, second=59, microsecond=999999)
    tonight = Matter.objects.filter(status__in=sweeping.OPEN, due_at=midnight, overdue_at__isnull=True).count()
    mark(
        f"  day-counted deadlines end at 24:00: {tonight:,} matters are due at {midnight:%Y-%m-%d %H:%M} tonight, "
        f"and the first sweep after midnight escalates every one still open (at {per_matter * 1000:.1f} ms each, "
        f"as above: about {tonight * per_matter:.0f} s if none is handled before)"
    )
    with stopwatch("fixture restored"):
        snapshot.restore()
    if args.profile:
        profiler = cProfile.Profile()
        profiler.enable()
        sweeping.sweep(now=NOW)
        profiler.disable()
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats("cumulative").print_stats(r"zhili/", 25)  # the platform's own functions
        stats.sort_stats("tottime").print_stats(20)
        mark(out.getvalue())
        with stopwatch("fixture restored"):
            snapshot.restore()
    mark(f"total {time.perf_counter() - started:.0f} s")


if __name__ == "__main__":
    main()
