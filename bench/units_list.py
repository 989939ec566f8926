"""Benchmark: list of units restricted to a subtree, with 10,000+ units in the database.

    .venv/bin/python bench/units_list.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_zhili .venv/bin/python bench/units_list.py

Server time is measured in-process through Django's test client (the full middleware stack, the
scope, the filterset, pagination and serialisation; no network). Target: p50 < 50 ms.
"""

from __future__ import annotations

import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if "DATABASE_URL" not in os.environ:
    os.environ["ZHILI_VAR_DIR"] = tempfile.mkdtemp(prefix="zhili-bench-")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402

from zhili.accounts.models import User  # noqa: E402
from zhili.accounts.services import grant_role  # noqa: E402
from zhili.org.models import Unit  # noqa: E402

COUNTIES, TOWNSHIPS, COMMUNITIES, GRIDS = 10, 10, 10, 9  # 1 + 10 + 100 + 1,000 + 9,000 units
REQUESTS = 200


def build_tree() -> dict[str, Unit]:
    """Bulk-load the tree (paths computed like treebeard does; a fixture, not a domain flow)."""
    if Unit.objects.count() >= 10_000:
        return pick()
    Unit.objects.all().delete()
    rows: list[Unit] = []

    def add(parent_path: str, depth: int, step: int, unit_type: str, code: str, children: int) -> str:
        path = Unit._get_path(parent_path, depth, step)
        rows.append(
            Unit(path=path, depth=depth, numchild=children, code=code, name=f"单位{code}", unit_type_id=unit_type)
        )
        return path

    city = add("", 1, 1, "city", "B0", COUNTIES)
    for c in range(1, COUNTIES + 1):
        county = add(city, 2, c, "county", f"B{c}", TOWNSHIPS)
        for t in range(1, TOWNSHIPS + 1):
            township = add(county, 3, t, "township", f"B{c}-{t}", COMMUNITIES)
            for m in range(1, COMMUNITIES + 1):
                community = add(township, 4, m, "community", f"B{c}-{t}-{m}", GRIDS)
                for g in range(1, GRIDS + 1):
                    add(community, 5, g, "grid", f"B{c}-{t}-{m}-{g}", 0)
    Unit.objects.bulk_create(rows, batch_size=2000)
    with connection.cursor() as cursor:
        # Fresh planner statistics, as autovacuum would have after a real load.
        cursor.execute("ANALYZE")
    return pick()


def pick() -> dict[str, Unit]:
    return {
        "city": Unit.objects.get(code="B0"),
        "county": Unit.objects.get(code="B3"),
        "township": Unit.objects.get(code="B3-4"),
    }


def viewer(name: str, unit: Unit) -> User:
    user, created = User.objects.get_or_create(username=f"bench-{name}")
    if created:
        grant_role(user, unit, "clerk")
    return user


def measure(client: Client, url: str) -> tuple[float, float, int]:
    timings = []
    count = 0
    for _ in range(REQUESTS):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
        count = response.json()["count"] if url.startswith("/api/") else -1
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], count


def main() -> None:
    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    units = build_tree()
    print(f"{Unit.objects.count()} units on {connection.vendor} (built in {time.perf_counter() - started:.1f} s)")
    print(f"{'viewer':<10} {'url':<44} {'rows':>6} {'p50 ms':>8} {'p95 ms':>8}")
    for level, unit in units.items():
        client = Client()
        client.force_login(viewer(level, unit))
        for url in (
            "/api/v1/units/",
            "/api/v1/units/?page=2",
            "/api/v1/units/?q=单位B3-4&unit_type=grid",
            "/org/units/",
        ):
            p50, p95, rows = measure(client, url)
            shown = str(rows) if rows >= 0 else "page"
            print(f"{level:<10} {url:<44} {shown:>6} {p50:>8.1f} {p95:>8.1f}")


if __name__ == "__main__":
    main()
