"""The fast writing of a bulk import (bulk_insert.py): COPY on PostgreSQL, INSERT with the batch's
shared columns as literals on SQLite. Both must store exactly what actions.receive() stores. This
file runs on either database; run it with DATABASE_URL=postgres://… for the COPY path."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path
from typing import Any

import pytest
from django.db import connection

from zhili.core.context import acting_as
from zhili.matters import actions
from zhili.matters.bulk_insert import copy_text, sql_literal
from zhili.matters.importing import import_matters
from zhili.matters.models import IntakeKey, Matter
from zhili.matters.tests.conftest import Cast
from zhili.matters.tests.test_importing import assert_same

# Text that COPY and SQL literals must escape: quotes, %s, backslashes, tabs, line breaks.
TRICKY = "楼上'装修'100%s噪音 \\N 反斜杠\\ 制表\t符\n第二行\r\n第三行 %%"
HEADER = ["编号", "类别", "风险", "标题", "内容", "地址", "反映人", "反映人电话", "匿名", "经度", "纬度"]
HEADER += ["当事人姓名", "当事人电话", "当事人身份", "当事人人数"]


def write_csv(path: Path, rows: list[list[Any]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        csv.writer(handle).writerows([HEADER, *rows])
    return path


def received_twin(cast: Cast, cells: list[Any]) -> Matter:
    """The matter receive() registers for the same row."""
    values = dict(zip(HEADER, cells, strict=True))
    names, phones = values["当事人姓名"].split("；"), values["当事人电话"].split("；")
    roles, counts = values["当事人身份"].split("；"), values["当事人人数"].split("；")
    parties = [
        {"name": n, "phone": p, "role": r, "head_count": int(c or 1)}
        for n, p, r, c in zip(names, phones, roles, counts, strict=True)
        if n
    ]
    lon, lat = (float(values[k]) if values[k] else None for k in ("经度", "纬度"))
    return cast.matter(
        channel="import",
        category=values["类别"],
        risk={"黄色": "yellow", "": "green"}.get(values["风险"], values["风险"]),
        title=values["标题"],
        description=values["内容"],
        address=values["地址"],
        reporter_name=values["反映人"],
        reporter_phone=values["反映人电话"],
        anonymous=values["匿名"] == "是",
        lon=lon,
        lat=lat,
        parties=parties,
    )


@pytest.mark.django_db
def test_a_batch_of_different_matters_is_stored_as_receive_stores_each(cast: Cast, tmp_path: Path) -> None:
    # Rows of several shapes in one batch (category, risk, located or not, parties or none), so
    # that columns shared by the batch and columns differing between its rows are both written.
    # (Not red: receive() alerts leaders of a red matter, an import only with notify=True.)
    rows = [
        [
            "X-1",
            "neighbor",
            "",
            "",
            TRICKY,
            "幸福路1号'",
            "张三",
            "13912345678",
            "否",
            "103.05",
            "29.05",
            "李四；王五",
            "13712345678；",
            "applicant；respondent",
            "；",
        ],
        ["X-2", "labor_wage", "黄色", "欠薪", "工地欠薪三个月", "", "", "", "是", "", "", "农民工", "", "group", "12"],
        ["X-3", "public_facility", "yellow", "", "路灯坏了", "100% 路口", "", "", "", "103.7", "29.2", "", "", "", ""],
        ["X-4", "neighbor", "green", "噪音", "深夜噪音\\t扰民", "", "李\\四", "", "", "0.1", "0.1", "", "", "", ""],
    ]
    path = write_csv(tmp_path / "bulk.csv", rows)

    with acting_as(cast.clerk, source="cli"):
        report = import_matters(path, actor=cast.clerk, intake_unit=cast.tree.township_a1)

    assert not report.rejected and len(report.accepted) == len(rows)
    for cells, (_row, number) in zip(rows, report.accepted, strict=True):
        imported = Matter.objects.get(number=number)
        with acting_as(cast.clerk, source="cli"):
            received = received_twin(cast, cells)
        assert_same(imported, received)
        assert actions.state_of(imported).status == "new"
    assert Matter.objects.get(number=report.accepted[0][1]).description == TRICKY
    assert IntakeKey.objects.filter(matter__number__in=[n for _r, n in report.accepted]).count() == len(rows)


@pytest.mark.django_db
def test_imported_ids_follow_the_numbers_and_later_matters_come_after(cast: Cast, tmp_path: Path) -> None:
    before = cast.matter()
    path = write_csv(
        tmp_path / "ids.csv",
        [[f"I-{i}", "neighbor", "", "", f"事项{i}", "", "", "", "", "", "", "", "", "", ""] for i in range(7)],
    )

    with acting_as(cast.clerk, source="cli"):
        report = import_matters(path, actor=cast.clerk, intake_unit=cast.tree.township_a1, batch_size=3)

    imported = [Matter.objects.get(number=number) for _row, number in report.accepted]
    assert [m.pk for m in imported] == sorted(m.pk for m in imported) and imported[0].pk > before.pk
    after = cast.matter()  # the ORM's own next id is after the ids the import reserved
    assert after.pk > imported[-1].pk
    assert sorted(Matter.objects.values_list("number", flat=True)) == sorted(
        [before.number, after.number, *(m.number for m in imported)]
    )


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "\\N"),
        (True, "t"),
        (False, "f"),
        (7, "7"),
        (103.05, "103.05"),
        ("a\\b\tc\nd\re", "a\\\\b\\tc\\nd\\re"),
        ("普通文字", "普通文字"),
        (datetime.datetime(2026, 3, 1, 8, 30, tzinfo=datetime.UTC), "2026-03-01T08:30:00+00:00"),
    ],
)
def test_copy_text(value: Any, text: str) -> None:
    assert copy_text(value) == text


@pytest.mark.parametrize(
    ("value", "literal"),
    [
        (None, "NULL"),
        (True, "1"),
        (3, "3"),
        (0.5, "0.5"),
        (float("inf"), None),
        ("it's 100%", "'it''s 100%%'"),
        ("nul\x00", None),
        (b"bytes", None),
    ],
)
def test_sql_literal(value: Any, literal: str | None) -> None:
    assert sql_literal(value) == literal


@pytest.mark.django_db
def test_sql_literals_read_back_as_written() -> None:
    if connection.vendor != "sqlite":
        pytest.skip("literals are the SQLite path")
    values = ["it's 100%", "%s", "%%s", "反斜杠\\", 3, 0.1, None]
    with connection.cursor() as cursor:
        # With parameters, as executemany: Django's cursor then turns %% into %.
        cursor.execute("SELECT " + ", ".join(str(sql_literal(v)) for v in values), [])
        assert list(cursor.fetchone()) == values
