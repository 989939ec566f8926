"""Benchmark: the search page (搜索事项) with 100,000 matters.

    DATABASE_URL=sqlite:////tmp/search-bench.sqlite3 .venv/bin/python bench/search_pages.py
    psql -h 127.0.0.1 -U postgres -c 'create database search_bench'
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/search_bench .venv/bin/python bench/search_pages.py
    … --matters 20000        a smaller database (the first run of a database loads it)
    … --runs 50 --profile    more runs; where the time of each URL goes (cProfile, top 25)

The first run migrates the database and loads a city with 4 counties of 5 townships each, and the
matters through the bulk import (zhili.matters.importing, which indexes them as it writes):
texts from the triage corpus (zhili/triage/data/corpus/*.jsonl), each with a piece of another
appended, an address, a reporter with a phone and, for a third of them, parties. Later runs
reuse the database. On PostgreSQL it runs ANALYZE after the load, as autovacuum would.

Then clerks of the city (every matter), of one county (a quarter) and of one township (1/20)
request each search URL `--runs` times through Django's test client (the middleware, the scope,
the FilterSet and the index, ranking, highlighting, the template; no network), after one warm-up
request. It prints p50 / p95 server time, the queries per request and the number of results.
Target: p50 < 100 ms. Run it alone on a shared machine: `flock /tmp/zhili-bench.lock …`.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import glob
import json
import os
import pstats
import random
import re
import statistics
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
if "DATABASE_URL" not in os.environ:
    sys.exit("set DATABASE_URL (sqlite:////tmp/search-bench.sqlite3 or postgres://…/search_bench)")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from zhili.accounts.models import User  # noqa: E402
from zhili.accounts.services import grant_role  # noqa: E402
from zhili.core.context import acting_as  # noqa: E402
from zhili.matters.importing import import_matters  # noqa: E402
from zhili.matters.models import Matter  # noqa: E402
from zhili.org import services as org  # noqa: E402
from zhili.org.models import Unit  # noqa: E402

TARGET_MS = 100
FOUND = re.compile(r"找到 (\d+) 个事项")
COUNTIES, TOWNSHIPS = 4, 5
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英华"
HEADER = ["编号", "类别", "内容", "地址", "受理单位代码", "反映人", "反映人电话", "当事人姓名", "当事人电话"]
CATEGORIES = {
    "marriage_family": "marriage_family",
    "neighbor": "neighbor",
    "labor_wage": "labor_wage",
    "property_management": "property_management",
    "consumer": "consumer",
}


def build_tree() -> tuple[Unit, list[Unit]]:
    city = Unit.objects.filter(code="SB-C").first()
    if city is None:
        city = org.create_unit(parent=None, unit_type="city", name="检索市", code="SB-C")
        for c in range(COUNTIES):
            county = org.create_unit(parent=city, unit_type="county", name=f"检索{c}县", code=f"SB-{c}")
            for t in range(TOWNSHIPS):
                org.create_unit(parent=county, unit_type="township", name=f"检索{c}县{t}镇", code=f"SB-{c}-{t}")
    return city, list(Unit.objects.filter(code__startswith="SB-", unit_type="township").order_by("code"))


def clerk(name: str, unit: Unit) -> User:
    user, created = User.objects.get_or_create(username=f"search-bench-{name}", defaults={"full_name": name})
    if created:
        grant_role(user, unit, "clerk")
    return user


def corpus() -> list[dict[str, str]]:
    texts = []
    for name in sorted(glob.glob(str(ROOT / "zhili/triage/data/corpus/*.jsonl"))):
        with open(name, encoding="utf-8") as handle:
            texts.extend(json.loads(line) for line in handle if line.strip())
    return texts


def person(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def write_csv(path: Path, start: int, count: int, townships: list[Unit]) -> None:
    rng = random.Random(20261122 + start)
    texts = corpus()
    with path.open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(start, start + count):
            text = rng.choice(texts)
            other = rng.choice(texts)["text"]
            cut = rng.randint(10, 40)
            parties = [person(rng) for _ in range(rng.choice((0, 0, 1, 2)))]
            writer.writerow(
                [
                    f"SB-{i:07d}",
                    CATEGORIES.get(text.get("category", ""), "neighbor"),
                    f"{text['text']}另：{other[:cut]}",
                    text.get("address") or f"某区某街道{rng.randint(1, 300)}号",
                    townships[i % len(townships)].code,
                    person(rng),
                    f"1{rng.choice('3589')}{rng.randint(0, 999_999_999):09d}",
                    "；".join(parties),
                    "；".join(f"13{rng.randint(0, 999_999_999):09d}" for _ in parties),
                ]
            )


def load(count: int, city: Unit, townships: list[Unit]) -> None:
    have = Matter.objects.count()
    if have >= count:
        print(f"{have} matters on {connection.vendor} already")
        return
    importer = clerk("importer", city)
    with tempfile.TemporaryDirectory(prefix="zhili-search-bench-") as folder:
        path = Path(folder) / "matters.csv"
        write_csv(path, have, count - have, townships)
        started = time.perf_counter()
        with acting_as(importer, source="cli"):
            report = import_matters(path, actor=importer)
        seconds = time.perf_counter() - started
    print(f"imported {len(report.accepted)} matters (indexed as written) in {seconds:.1f} s on {connection.vendor}")
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")


def urls(sample: Matter) -> list[str]:
    phone = sample.reporter_phone
    name = sample.reporter_name
    searches = [
        {"q": "工资"},
        {"q": "拖欠工资"},
        {"q": "邻居 噪音"},
        {"q": "房"},
        {"q": "工资", "sort": "newest"},
        {"q": "工资", "category": "labor_wage", "status": "new"},
        {"q": "调解", "page": "3"},
        {"q": phone},
        {"q": name},
        {"q": sample.number},
        {"category": "neighbor"},
        {},  # the page as opened: the newest in reach
    ]
    return ["/matters/search/?" + urlencode(params) for params in searches]


def measure(client: Client, url: str, runs: int) -> tuple[float, float, int, int]:
    response = client.get(url)  # warm: the session, the scope, the caches
    assert response.status_code == 200, (url, response.status_code)
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as captured:
        client.get(url)
    timings.sort()
    count = FOUND.search(response.content.decode())
    found = int(count.group(1)) if count else -1
    return statistics.median(timings), timings[max(0, int(len(timings) * 0.95) - 1)], len(captured), found


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--matters", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=20)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    city, townships = build_tree()
    load(args.matters, city, townships)
    county = Unit.objects.get(code="SB-1")
    viewers = {
        "city": clerk("city", city),
        "county": clerk("county", county),
        "township": clerk("township", townships[7]),
    }
    sample = Matter.objects.filter(intake_unit=townships[7]).exclude(reporter_phone="").order_by("pk")[500]
    print(f"{Matter.objects.count()} matters; {connection.vendor}; {args.runs} runs each; target p50 < {TARGET_MS} ms")
    print(f"{'viewer':<9} {'url':<72} {'found':>7} {'queries':>7} {'p50 ms':>7} {'p95 ms':>7}")
    missed = 0
    for level, user in viewers.items():
        client = Client()
        client.force_login(user)
        for url in urls(sample):
            p50, p95, queries, found = measure(client, url, args.runs)
            missed += p50 >= TARGET_MS
            print(f"{level:<9} {url[:72]:<72} {found:>7} {queries:>7} {p50:>7.1f} {p95:>7.1f}")
            if args.profile:
                profiler = cProfile.Profile()
                profiler.runcall(client.get, url)
                pstats.Stats(profiler).sort_stats("cumulative").print_stats(25)
    print("target met" if not missed else f"target MISSED by {missed} URL(s)")


if __name__ == "__main__":
    main()
