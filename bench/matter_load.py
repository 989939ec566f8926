"""Benchmark: a matter with 200 events loads in < 50 ms (its detail and its timeline).

    .venv/bin/python bench/matter_load.py            # SQLite in a temporary folder
    psql -h 127.0.0.1 -U postgres -c "CREATE DATABASE bench_matter"
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/bench_matter .venv/bin/python bench/matter_load.py
    … --profile      # where the time of each request goes (cProfile, 50 requests each)

Builds the matter through the domain: `actions.receive()` at a township centre, then
`actions.perform()` step by step (dispatched to the judicial office with the police as co-handler,
accepted, then notes, contacts with the parties, co-handling units added, waiting on the resident
and resuming, supervision and its replies) until it has 200 events. Then two staff members, the
dispatching clerk of the township and the mediator who leads the matter, each request 200 times

    GET /api/v1/matters/{id}/          the detail, with its parties and the steps this viewer may take
    GET /api/v1/matters/{id}/events/   the whole timeline, 200 events

through Django's test client (the full middleware stack, authentication, the jurisdiction scope,
serialisation; no network), and the script prints p50 / p95 and the queries per request.
Target: p50 < 50 ms.
"""

from __future__ import annotations

import argparse
import cProfile
import io
import itertools
import os
import pstats
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
# Always a temporary var folder: the task queue (huey, SQLite) and the secret key live there too.
os.environ.setdefault("ZHILI_VAR_DIR", tempfile.mkdtemp(prefix="zhili-bench-"))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "zhili.settings")
os.environ.setdefault("LOG_LEVEL", "ERROR")

import django  # noqa: E402

django.setup()

from django.core.management import call_command  # noqa: E402
from django.db import connection  # noqa: E402
from django.test import Client  # noqa: E402
from django.test.utils import CaptureQueriesContext  # noqa: E402

from zhili import testing  # noqa: E402
from zhili.accounts.models import User  # noqa: E402
from zhili.matters import actions  # noqa: E402
from zhili.matters.models import Matter  # noqa: E402
from zhili.org.models import Unit  # noqa: E402

EVENTS = 200
REQUESTS = 200
TARGET_MS = 50.0
MARKER = "【基准测试二百条记录】"
REASONS = [
    "电话联系申请人，说明已与楼上住户约定周末上门协调，申请人表示同意。",
    "上门查看现场，墙面渗水痕迹明显，已拍照留存，约请物业一并到场。",
    "被申请人称装修工期还有两周，愿意调整施工时间为上午九点至下午五点。",
    "调解员组织双方在社区调解室面谈，初步达成意见，待书面确认。",
    "申请人补充提供了噪声检测记录和近两个月的照片。",
]


class Cast:
    def __init__(self) -> None:
        city = Unit.objects.filter(name="测试市").first()
        if city is None:
            testing.tree()
        self.township = Unit.objects.get(name="甲一镇")
        self.judicial_office = Unit.objects.get(name="甲一镇司法所")
        self.co_units = list(Unit.objects.filter(name__in=["甲县城关派出所", "甲一社区", "甲二镇", "乙县"]))
        self.clerk = self.person("bench-clerk", "clerk", self.township)
        self.mediator = self.person("bench-mediator", "mediator", self.judicial_office)
        self.leader = self.person("bench-leader", "leader", Unit.objects.get(name="甲县"))

    @staticmethod
    def person(username: str, role: str, unit: Unit) -> User:
        user = User.objects.filter(username=username).first()
        return user or testing.person(username, role=role, unit_=unit, phone="13912345678")


def build(cast: Cast) -> Matter:
    """A matter with EVENTS events, every one through actions.perform()."""
    existing = Matter.objects.filter(description__startswith=MARKER, last_event_seq=EVENTS).first()
    if existing is not None:
        return existing
    matter, _created = actions.receive(
        actor=cast.clerk,
        channel="walk_in",
        category="neighbor",
        description=MARKER + "楼上邻居装修每天早上七点就开始电钻，家里老人睡不好觉，多次沟通无果，希望社区出面协调。",
        address="甲一镇幸福路18号3栋2单元",
        intake_unit=cast.township,
        reporter_name="王五",
        reporter_phone="13812345678",
        parties=[
            {"name": "王五", "phone": "13812345678", "role": "applicant"},
            {"name": "赵六", "phone": "13712345678", "role": "respondent"},
        ],
    )
    co = cast.co_units[0].pk
    lead = cast.judicial_office.pk
    matter = actions.perform(matter, "dispatched", actor=cast.clerk, data={"lead_unit": lead, "co_units": [co]})
    matter = actions.perform(matter, "accepted", actor=cast.mediator)
    mediator, clerk, leader = cast.mediator, cast.clerk, cast.leader
    steps: list[tuple[str, Any, dict[str, Any]]] = [
        ("contacted", mediator, {}),
        ("note", mediator, {}),
        ("note", clerk, {}),
        ("waiting", mediator, {}),
        ("resumed", mediator, {}),
        ("co_handling_added", mediator, {"units": "next"}),
        ("contacted", mediator, {}),
        ("supervised", leader, {"due": "2026-12-01"}),
        ("supervision_replied", mediator, {}),
        ("note", leader, {}),
        ("contacted", mediator, {}),
    ]
    units = itertools.cycle(cast.co_units)
    reasons = itertools.cycle(REASONS)
    for kind, actor, data in itertools.cycle(steps):
        if matter.last_event_seq >= EVENTS:
            break
        if data.get("units") == "next":
            data = {"units": [next(units).pk]}
        matter = actions.perform(matter, kind, actor=actor, reason=next(reasons), data=data)
    assert matter.events.count() == EVENTS, matter.events.count()
    return matter


def measure(client: Client, url: str) -> tuple[float, float, int, int]:
    timings = []
    for _ in range(REQUESTS):
        started = time.perf_counter()
        response = client.get(url)
        timings.append((time.perf_counter() - started) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    body = response.json()
    size = len(body) if isinstance(body, list) else len(body["allowed_steps"])
    timings.sort()
    return statistics.median(timings), timings[int(len(timings) * 0.95) - 1], len(queries), size


def profile(client: Client, url: str) -> str:
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(50):
        client.get(url)
    profiler.disable()
    out = io.StringIO()
    pstats.Stats(profiler, stream=out).sort_stats("cumulative").print_stats(30)
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    call_command("migrate", verbosity=0)
    cast = Cast()
    started = time.perf_counter()
    matter = build(cast)
    print(
        f"{connection.vendor}: matter {matter.number} with {matter.events.count()} events, status {matter.status} "
        f"(built in {time.perf_counter() - started:.1f} s)"
    )
    print(f"{'viewer':<10} {'url':<34} {'p50 ms':>8} {'p95 ms':>8} {'queries':>8}  result")
    for name, user in (("clerk", cast.clerk), ("mediator", cast.mediator)):
        client = Client()
        client.force_login(user)
        detail, timeline = f"/api/v1/matters/{matter.pk}/", f"/api/v1/matters/{matter.pk}/events/"
        for url, what in ((detail, "allowed steps"), (timeline, "events")):
            p50, p95, queries, size = measure(client, url)
            verdict = "met" if p50 < TARGET_MS else "MISSED"
            print(f"{name:<10} {url:<34} {p50:>8.1f} {p95:>8.1f} {queries:>8}  {size} {what}; {verdict}")
            if args.profile:
                print(profile(client, url))


if __name__ == "__main__":
    main()
