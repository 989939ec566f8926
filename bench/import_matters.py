"""Benchmark: bulk import of matters from a 100,000-row CSV (zhili.matters.importing).

    .venv/bin/python bench/import_matters.py            # SQLite in a temporary folder
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_zhili .venv/bin/python bench/import_matters.py
    .venv/bin/python bench/import_matters.py --rows 20000 --profile   # where the time goes (cProfile)
    .venv/bin/python bench/import_matters.py --batch-size 5000

Generates the file in a temporary folder (UTF-8 with BOM, as Excel saves it; every row with an
external id, 80% with parties, half with a map point to locate, some with a jurisdiction code),
then times `import_matters()` itself, not the CLI: reading, checking and writing, committed.
Then imports the same file again, which must import nothing. The file and the temporary SQLite
database are removed afterwards. Target: >= 20,000 rows/s.

Besides the wall-clock rate it prints the CPU time this process spent per row (Python, and on
SQLite the database engine too; not the PostgreSQL server's): on a shared machine the rate moves
with the other work, the CPU time much less. Run benchmarks one at a time on a shared machine:
`flock /tmp/zhili-bench.lock .venv/bin/python bench/import_matters.py`.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import os
import pstats
import random
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
TEMPORARY_VAR = "" if "DATABASE_URL" in os.environ else tempfile.mkdtemp(prefix="zhili-bench-")
if TEMPORARY_VAR:
    os.environ["ZHILI_VAR_DIR"] = TEMPORARY_VAR
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402

from zhili import testing  # noqa: E402
from zhili.accounts.models import User  # noqa: E402
from zhili.accounts.services import grant_role  # noqa: E402
from zhili.core.context import acting_as  # noqa: E402
from zhili.matters.importing import BATCH_SIZE, import_matters  # noqa: E402
from zhili.matters.models import Matter  # noqa: E402
from zhili.org import services as org  # noqa: E402
from zhili.org.models import Unit  # noqa: E402

TARGET = 20_000
CATEGORIES = ["neighbor", "marriage_family", "labor_wage", "property_management", "public_facility", "consumer"]
CATEGORY_NAMES = ["邻里纠纷", "物业纠纷", "城市管理"]
HEADER = ["编号", "渠道", "类别", "风险", "内容", "地址", "经度", "纬度", "属地单位代码"]
HEADER += ["反映人", "反映人电话", "当事人姓名", "当事人电话"]
TEXTS = [
    "楼上邻居装修每天早上七点就开始电钻，家里老人睡不好觉，多次沟通无果，希望社区出面协调。",
    "工地拖欠农民工工资三个月，共十二人，包工头联系不上，请求劳动监察部门帮助追讨。",
    "小区物业费上涨但服务没有改善，电梯经常停运，业主委员会与物业公司协商未果。",
    "路口路灯坏了一个多星期，晚上经过很危险，已经有老人摔倒，希望尽快维修。",
    "在培训机构办了预付卡，机构突然关门，剩余课时费用无法退还，涉及学员较多。",
]


def build_tree() -> tuple[Unit, list[Unit]]:
    """A city with two counties, four townships and eight communities, each with a boundary."""
    city = Unit.objects.filter(code="IMP-C").first()
    if city is None:
        city = org.create_unit(
            parent=None, unit_type="city", name="导入市", code="IMP-C", boundary=testing.square(110.0, 30.0, 4.0)
        )
        for c in range(2):
            county = org.create_unit(
                parent=city,
                unit_type="county",
                name=f"导入县{c}",
                code=f"IMP-{c}",
                boundary=testing.square(110.0 + 2 * c, 30.0, 2.0),
            )
            for t in range(2):
                township = org.create_unit(
                    parent=county,
                    unit_type="township",
                    name=f"导入镇{c}{t}",
                    code=f"IMP-{c}-{t}",
                    boundary=testing.square(110.0 + 2 * c + t, 30.0, 1.0),
                )
                for m in range(2):
                    org.create_unit(
                        parent=township,
                        unit_type="community",
                        name=f"导入社区{c}{t}{m}",
                        code=f"IMP-{c}-{t}-{m}",
                        boundary=testing.square(110.0 + 2 * c + t, 30.0 + 0.5 * m, 0.5),
                    )
    return city, list(Unit.objects.filter(code__startswith="IMP-").exclude(pk=city.pk))


def importer(city: Unit) -> User:
    user, created = User.objects.get_or_create(username="bench-importer", defaults={"full_name": "导入员"})
    if created:
        grant_role(user, city, "clerk")
    return user


def write_csv(path: Path, rows: int, units: list[Unit], tag: str) -> None:
    rng = random.Random(7)
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(HEADER)
        for i in range(rows):
            point = rng.random() < 0.5
            jurisdiction = not point and rng.random() < 0.3
            party = rng.random() < 0.8
            writer.writerow(
                [
                    f"RX-{tag}-{i:07d}",
                    rng.choice(["热线", "来访", "hotline", ""]),
                    rng.choice(CATEGORIES + CATEGORY_NAMES),
                    rng.choice(["", "", "", "green", "yellow", "黄色"]),
                    rng.choice(TEXTS) + f"（第{i}号）",
                    f"导入市某区某街道{rng.randint(1, 300)}号",
                    f"{110 + rng.random() * 4:.5f}" if point else "",
                    f"{30 + rng.random():.5f}" if point else "",
                    rng.choice(units).code if jurisdiction else "",
                    rng.choice(["张三", "李四", "王五", ""]),
                    f"139{rng.randint(0, 99_999_999):08d}",
                    "赵六；钱七" if party and rng.random() < 0.2 else ("赵六" if party else ""),
                    f"137{rng.randint(0, 99_999_999):08d}" if party else "",
                ]
            )


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--batch-size", type=int, default=BATCH_SIZE)
    parser.add_argument("--profile", action="store_true", help="print where the time goes (cProfile)")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    city, units = build_tree()
    user = importer(city)
    folder = Path(tempfile.mkdtemp(prefix="zhili-import-"))
    try:
        run(args, user, units, folder / "matters.csv")
    finally:
        connection.close()
        for created in (str(folder), TEMPORARY_VAR):
            if created:
                shutil.rmtree(created, ignore_errors=True)


def run(args: argparse.Namespace, user: User, units: list[Unit], path: Path) -> None:
    write_csv(path, args.rows, units, tag=f"{time.time():.0f}")
    before = Matter.objects.count()
    print(f"{args.rows} rows, {path.stat().st_size / 1e6:.1f} MB, on {connection.vendor}; {before} matters before")
    profiler = cProfile.Profile() if args.profile else None
    for attempt in ("first import", "same file again"):
        started, cpu = time.perf_counter(), time.process_time()
        with acting_as(user, source="cli"):
            if profiler is not None and attempt == "first import":
                report = profiler.runcall(import_matters, path, actor=user, batch_size=args.batch_size)
            else:
                report = import_matters(path, actor=user, batch_size=args.batch_size)
        seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
        print(
            f"{attempt:<16} {seconds:6.2f} s  {report.rows / seconds:8.0f} rows/s  "
            f"({cpu * 1e6 / report.rows:.0f} µs CPU a row in this process)  "
            f"imported {len(report.accepted)}, already {len(report.already)}, rejected {len(report.rejected)}"
        )
    assert Matter.objects.count() == before + args.rows, "every row imported once"
    print(f"target >= {TARGET} rows/s")
    if profiler is not None:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(40)
        pstats.Stats(profiler).sort_stats("tottime").print_stats(30)


if __name__ == "__main__":
    main()
