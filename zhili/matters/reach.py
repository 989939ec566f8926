"""Which units' subtrees hold a matter (MatterReach): written with the matter's unit links.

Every writer of MatterUnit rows (actions.perform and receive, the deadline sweep, the bulk import,
the demo) calls `extend` with the links it made, or, for rows it inserts itself, `reaching` for
the units to add. `fill` writes them all from the links in a few statements (the migration that
introduced them); `rebuild` does so again, from scratch.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import connection, transaction

from zhili.matters.models import MatterReach, MatterUnit
from zhili.org.models import Unit


def reaching(unit_ids: Iterable[int]) -> dict[int, tuple[int, ...]]:
    """Each unit with the units whose subtree holds it: its ancestors and itself, top first."""
    paths = dict(Unit.objects.filter(pk__in=set(unit_ids)).values_list("pk", "path"))
    step = Unit.steplen
    prefixes = {path[:end] for path in paths.values() for end in range(step, len(path) + 1, step)}
    ids = dict(Unit.objects.filter(path__in=prefixes).values_list("path", "pk"))
    return {unit: tuple(ids[path[:end]] for end in range(step, len(path) + 1, step)) for unit, path in paths.items()}


def extend(links: Iterable[tuple[int, int]]) -> None:
    """(matter, unit) links just made: the reach rows they add (those already there are kept)."""
    links = list(links)
    if not links:
        return
    up = reaching(unit for _matter, unit in links)
    rows = sorted({(unit, matter) for matter, linked in links for unit in up[linked]})
    MatterReach.objects.bulk_create(
        [MatterReach(unit_id=unit, matter_id=matter) for unit, matter in rows], ignore_conflicts=True
    )


@transaction.atomic
def rebuild() -> int:
    """Write every matter's reach again from its links; returns the number of rows."""
    MatterReach.objects.all().delete()
    depth = Unit.objects.order_by("-depth").values_list("depth", flat=True).first() or 0
    with connection.cursor() as cursor:
        fill(cursor, MatterReach._meta.db_table, MatterUnit._meta.db_table, Unit._meta.db_table, depth)
    return MatterReach.objects.count()


def fill(cursor: Any, reach: str, links: str, units: str, depth: int, step: int = Unit.steplen) -> None:
    """Insert the reach of every link (tables by name, so a migration can call it too): one
    statement per level, the ancestor at that level of each linked unit found by its path (an
    equality on the unique path index), for every matter linked below it."""
    for level in range(1, depth + 1):
        cursor.execute(
            f"INSERT INTO {reach} (unit_id, matter_id) "  # noqa: S608 (table names from the models)
            f"SELECT DISTINCT a.id, l.matter_id FROM {links} l "
            f"JOIN {units} u ON u.id = l.unit_id "
            f"JOIN {units} a ON a.path = SUBSTR(u.path, 1, %s) "
            f"WHERE u.depth >= %s",
            [level * step, level],
        )
