"""Benchmark: the staff workbench over 100,000 demo matters — inbox, matter page and search.

    DATABASE_URL=sqlite:////tmp/zhili-bench-100k.sqlite3 .venv/bin/python bench/workbench_pages.py
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE bench100k"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench100k .venv/bin/python bench/workbench_pages.py
    … --explain          # also the slowest queries of each page, with their plans
    … --requests 50      # timed requests per URL (default 30)
    … --cold             # the cache emptied before each request: the inbox counts its queues each time
    … --viewer "city leader" --match queue=   # some of the pages only
    … --rows 3000        # another database, with fewer matters

The database is the caller's (DATABASE_URL), kept between runs: on the first run it is migrated
and seeded with the demo organisation and `--rows` demo matters (`zhili seed-demo --matters N`:
the batched stories of zhili/demo, over the last six months, in every state, channel, category
and colour); the seeding time is printed. A database holding another number of demo matters is
refused (drop it, or pass that --rows). The bench then runs ANALYZE (VACUUM ANALYZE on
PostgreSQL), as autovacuum leaves a PostgreSQL table soon after a load: statistics for the planner
and the visibility map for index-only scans (`--no-analyze` measures without it).

Three viewers, as they sign in on the workbench:

    county clerk    demo-clerk, clerk of 市中区 (the county where a third of the demo matters are)
    township clerk  bench-township-clerk, clerk of 滨江街道 in 市中区 (demo-grid's busy township)
    city leader     demo-staff-511100-leader, leader of the city centre: every matter in reach

each request, through Django's test client (the full middleware stack, the session, the scope,
the filters and the template; no network), after three warm-up requests, `--requests` times:

    /matters/                                 the inbox: 在办, first page, every queue counted
    /matters/?queue=dispatch|accept|overdue|due_soon|all
    /matters/?category=labor_wage             a filter
    /matters/<pk>/                            the two matters in reach with the most events
    /matters/search/?q=工资 (and 漏水, 噪音扰民, a matter's number)

and the script prints p50 / p95 server time and the queries of one request (a page slower than
10 s is timed once). A page that answers
anything but 200 is reported with its status (the search page is newer than this bench), and
one whose statement PostgreSQL cancels after `--timeout` seconds (default 60) as QueryCanceled.
Target: p50 < 100 ms for each.
"""

from __future__ import annotations

import argparse
import contextlib
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# A temporary var folder: the task queue (huey, SQLite) and the secret key live there too.
os.environ.setdefault("ZHILI_VAR_DIR", tempfile.mkdtemp(prefix="zhili-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.cache import cache  # noqa: E402
from django.core.management import call_command  # noqa: E402
from django.db import DatabaseError, connection  # noqa: E402
from django.db.backends.signals import connection_created  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from zhili.accounts import services as people  # noqa: E402
from zhili.accounts.models import User  # noqa: E402
from zhili.core.context import acting_as  # noqa: E402
from zhili.demo import loader  # noqa: E402
from zhili.demo import matters as demo_matters  # noqa: E402
from zhili.matters.models import IntakeKey, Matter  # noqa: E402
from zhili.org.models import Unit  # noqa: E402

TARGET_MS = 100.0
WARM_UP = 3
SLOW_S = 10  # a page this slow is timed once
SEARCHES = ("工资", "漏水", "噪音扰民")
CATEGORY = "labor_wage"


def seed(rows: int) -> None:
    call_command("migrate", verbosity=0)
    present = IntakeKey.objects.filter(key__startswith=demo_matters.KEY_PREFIX).count()
    if present and present != rows:
        sys.exit(f"this database holds {present:,} demo matters, not {rows:,}: drop it, or pass --rows {present}")
    with acting_as(None, source="cli"):
        loader.load()
    if not present:
        started = time.monotonic()

        def progress(done: int) -> None:
            print(f"  {done:>7,} matters, {time.monotonic() - started:6.1f} s", flush=True)

        report = demo_matters.load_matters(rows, progress=progress)
        print(f"seeded: {report.summary()} ({connection.vendor})")


def viewers() -> dict[str, User]:
    township_clerk = User.objects.filter(username="bench-township-clerk").first()
    if township_clerk is None:
        with acting_as(None, source="cli"):
            township_clerk = people.create_person(username="bench-township-clerk", full_name="滨江街道受理员")
            people.grant_role(township_clerk, Unit.objects.get(code="511102001"), "clerk", title="受理员")
    return {
        "county clerk": User.objects.get(username="demo-clerk"),
        "township clerk": township_clerk,
        "city leader": User.objects.get(username="demo-staff-511100-leader"),
    }


def urls(viewer: User) -> list[str]:
    # The matters with the most events among those attached to the viewer's unit (a join: the
    # scope's own IN (…) is what some of the pages measured here are slow at).
    unit_path = viewer.memberships.values_list("unit__path", flat=True)[0]
    attached = Matter.objects.filter(units__unit__path__startswith=unit_path).distinct()
    busiest = list(attached.order_by("-last_event_seq", "pk").values_list("pk", "number", "last_event_seq")[:2])
    number = busiest[0][1]
    return [
        "/matters/",
        "/matters/?queue=dispatch",
        "/matters/?queue=accept",
        "/matters/?queue=overdue",
        "/matters/?queue=due_soon",
        "/matters/?queue=all",
        f"/matters/?category={CATEGORY}",
        *(f"/matters/{pk}/" for pk, _number, _events in busiest),
        *(f"/matters/search/?q={q}" for q in (*SEARCHES, number)),
    ]


def measure(client: Client, url: str, requests: int, cold: bool = False) -> dict[str, Any]:
    """p50 / p95 of `requests` requests after the warm-up; a page slower than SLOW_S is timed
    once only (its first request). `cold`: the cache emptied before each request, so the queues
    are counted every time (as on the first page after a step or with new filters)."""
    timings: list[float] = []
    captured = CaptureQueriesContext(connection)  # the queries of the first request
    try:
        for attempt in range(WARM_UP + requests):
            if cold:
                cache.clear()
            started = time.perf_counter()
            with captured if attempt == 0 else contextlib.nullcontext():
                response = client.get(url)
            elapsed = (time.perf_counter() - started) * 1000
            if response.status_code != 200:
                return {"status": f"HTTP {response.status_code}"}
            if attempt == 0:
                queries = list(captured.captured_queries)  # read now: the next request clears the log
                if elapsed > SLOW_S * 1000:
                    timings = [elapsed]
                    break
            if attempt >= WARM_UP:
                timings.append(elapsed)
    except DatabaseError as error:  # PostgreSQL's statement_timeout (--timeout), or a broken page
        return {"status": type(error.__cause__ or error).__name__}
    timings.sort()
    return {
        "status": 200,
        "p50": statistics.median(timings),
        "p95": timings[max(int(len(timings) * 0.95) - 1, 0)],
        "once": len(timings) < requests,
        "queries": queries,
    }


def explain(queries: list[dict[str, str]], top: int = 3) -> None:
    """The slowest queries of one request and their plans (EXPLAIN QUERY PLAN on SQLite)."""
    slowest = sorted(queries, key=lambda q: float(q["time"]), reverse=True)[:top]
    prefix = "EXPLAIN ANALYZE " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
    for query in slowest:
        sql = query["sql"]
        print(f"      {float(query['time']) * 1000:7.1f} ms  {sql[:600]}")
        if not sql.lstrip().upper().startswith("SELECT"):
            continue
        with connection.cursor() as cursor:
            cursor.execute(prefix + sql)
            for row in cursor.fetchall():
                print("               | " + " ".join(str(cell) for cell in row))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=100_000, help="demo matters in the database")
    parser.add_argument("--requests", type=int, default=30, help="timed requests per URL")
    parser.add_argument("--explain", action="store_true", help="print the slowest queries and their plans")
    parser.add_argument("--no-analyze", action="store_true", help="leave the planner's statistics as they are")
    parser.add_argument("--timeout", type=int, default=60, help="PostgreSQL: seconds before a statement is cancelled")
    parser.add_argument("--viewer", choices=["county clerk", "township clerk", "city leader"], help="only this one")
    parser.add_argument("--match", default="", help="only the URLs containing this text")
    parser.add_argument(
        "--cold", action="store_true", help="empty the cache before each request: the queues counted every time"
    )
    options = parser.parse_args()

    seed(options.rows)
    logging.getLogger("django.request").setLevel(logging.CRITICAL)  # a failing page shows in the table
    if not options.no_analyze:
        with connection.cursor() as cursor:
            cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    if connection.vendor == "postgresql":

        def time_limit(sender: Any, connection: Any, **kwargs: Any) -> None:  # on every new connection
            with connection.cursor() as cursor:
                cursor.execute(f"SET statement_timeout = {options.timeout * 1000}")

        connection_created.connect(time_limit)
        connection.close()
    kept = "counted on every request (--cold)" if options.cold else "kept 30 s per person, as in use"
    print(f"{Matter.objects.count():,} matters on {connection.vendor}; {options.requests} requests per URL")
    print(f"the queues' counts: {kept}")
    print("| viewer | request | queries | p50 ms | p95 ms |\n| --- | --- | ---: | ---: | ---: |")
    missed = []
    for name, viewer in viewers().items():
        if options.viewer and name != options.viewer:
            continue
        client = Client()
        client.force_login(viewer)
        for url in (url for url in urls(viewer) if options.match in url):
            result = measure(client, url, options.requests, options.cold)
            if result["status"] != 200:
                print(f"| {name} | `{url}` | — | {result['status']} | |", flush=True)
                continue
            queries = result["queries"]
            once = " (1 request)" if result["once"] else ""
            line = f"| {name} | `{url}` | {len(queries)} | {result['p50']:.1f}{once} | {result['p95']:.1f} |"
            print(line, flush=True)
            if result["p50"] >= TARGET_MS:
                missed.append((name, url))
            if options.explain:
                explain(queries)
    print(f"target p50 < {TARGET_MS:.0f} ms: " + ("met" if not missed else f"missed by {len(missed)} of the pages"))


if __name__ == "__main__":
    main()
