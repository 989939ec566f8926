"""Test factories shared by every app's tests and the benchmarks (no test runner needed)."""

from __future__ import annotations

import itertools
import threading
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from django.db import connection

from zhili.accounts import services as people
from zhili.accounts.models import User
from zhili.org import services as org
from zhili.org.models import Unit

T = TypeVar("T")

PASSWORD = "Zhili-test-2026!"  # noqa: S105 - test accounts only
_codes = itertools.count(1)


def square(lon: float, lat: float, size: float) -> dict[str, Any]:
    """A square GeoJSON polygon with its south-west corner at (lon, lat)."""
    return {
        "type": "Polygon",
        "coordinates": [[[lon, lat], [lon + size, lat], [lon + size, lat + size], [lon, lat + size], [lon, lat]]],
    }


def unit(parent: Unit | None, unit_type: str, name: str | None = None, **fields: Any) -> Unit:
    number = next(_codes)
    fields.setdefault("code", f"T{number:06d}")
    return org.create_unit(parent=parent, unit_type=unit_type, name=name or f"{unit_type}-{number}", **fields)


def person(username: str | None = None, *, role: str | None = None, unit_: Unit | None = None, **fields: Any) -> User:
    username = username or f"user{next(_codes)}"
    fields.setdefault("full_name", username)
    user = people.create_person(username=username, password=PASSWORD, **fields)
    if role and unit_ is not None:
        people.grant_role(user, unit_, role)
    return user


@dataclass
class Tree:
    """city → two counties; county A → townships A1, A2; A1 → community → grid; departments."""

    city: Unit
    county_a: Unit
    county_b: Unit
    township_a1: Unit
    township_a2: Unit
    community_a1: Unit
    grid_a1: Unit
    judicial_office_a1: Unit
    police_a: Unit


def tree() -> Tree:
    city = unit(None, "city", "测试市", boundary=square(103.0, 29.0, 2.0))
    county_a = unit(city, "county", "甲县", boundary=square(103.0, 29.0, 1.0))
    county_b = unit(city, "county", "乙县", boundary=square(104.0, 29.0, 1.0))
    township_a1 = unit(county_a, "township", "甲一镇", boundary=square(103.0, 29.0, 0.5))
    township_a2 = unit(county_a, "township", "甲二镇", boundary=square(103.5, 29.0, 0.5))
    community_a1 = unit(township_a1, "community", "甲一社区", boundary=square(103.0, 29.0, 0.25))
    grid_a1 = unit(community_a1, "grid", "甲一社区第一网格", boundary=square(103.0, 29.0, 0.1))
    judicial_office_a1 = unit(township_a1, "judicial_office", "甲一镇司法所")
    police_a = unit(county_a, "police_station", "甲县城关派出所")
    return Tree(city, county_a, county_b, township_a1, township_a2, community_a1, grid_a1, judicial_office_a1, police_a)


def api_client(user: User | None) -> Any:
    """A REST client authenticated as `user` (anonymous for None)."""
    from rest_framework.test import APIClient

    client = APIClient()
    if user is not None:
        client.force_authenticate(user)
    return client


def race(threads: int, work: Callable[[], T]) -> list[T]:
    """Run `work` in this many threads at once (they start together), each with its own database
    connection, and return what each returned. An exception in any thread fails the caller, after
    all have finished. For tests of concurrent writers, on PostgreSQL (transaction=True)."""
    start = threading.Barrier(threads)
    results: list[T] = []
    errors: list[BaseException] = []
    lock = threading.Lock()

    def run() -> None:
        try:
            start.wait()
            result = work()
            with lock:
                results.append(result)
        except BaseException as exc:
            with lock:
                errors.append(exc)
        finally:
            connection.close()

    running = [threading.Thread(target=run) for _ in range(threads)]
    for thread in running:
        thread.start()
    for thread in running:
        thread.join()
    if errors:
        raise errors[0]
    return results
