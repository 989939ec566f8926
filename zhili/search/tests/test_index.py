"""The index stays what a rebuild would make it: after intake, after a bulk import, after a
matter is deleted; `zhili search-reindex` rebuilds it."""

from __future__ import annotations

import csv
import datetime
from pathlib import Path

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from django.utils import timezone

from zhili.core.context import acting_as
from zhili.matters.importing import import_matters
from zhili.matters.models import Matter
from zhili.search import lookup, services
from zhili.search.models import MatterIndex
from zhili.search.tests.conftest import Desk

pytestmark = pytest.mark.django_db


def found(text: str) -> set[int]:
    return set(lookup.filter_matters(Matter.objects.all(), text).values_list("pk", flat=True))


def assert_index_is_a_rebuild(pks: list[int]) -> None:
    before = services.stored(pks)
    assert set(before) == set(pks)
    assert services.index_matters(pks) == len(pks)
    assert services.stored(pks) == before
    if connection.vendor == "sqlite":  # the FTS5 table agrees with the rows it indexes
        with connection.cursor() as cursor:
            cursor.execute("INSERT INTO search_matterindex(search_matterindex) VALUES ('integrity-check')")


def test_intake_indexes_each_matter_as_a_rebuild_would(desk: Desk) -> None:
    assert_index_is_a_rebuild([m.pk for m in desk.matters.values()])
    assert found("工资") == {desk.matters["wages"].pk, desk.matters["short"].pk}


def test_a_bulk_import_indexes_its_rows_as_a_rebuild_would(desk: Desk, tmp_path: Path) -> None:
    path = tmp_path / "matters.csv"
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(
            [
                "编号",
                "类别",
                "标题",
                "内容",
                "地址",
                "受理单位代码",
                "反映人",
                "反映人电话",
                "匿名",
                "当事人姓名",
                "当事人电话",
            ]
        )
        code = desk.tree.township_a1.code
        writer.writerow(["X-1", "邻里纠纷", "", "邻居家狗半夜叫", "", code, "赵六", "13511112222", "否", "", ""])
        writer.writerow(
            [
                "X-2",
                "劳动争议及欠薪纠纷",
                "讨薪",
                "饭店拖欠服务员工资",
                "幸福路",
                code,
                "",
                "",
                "",
                "钱七；孙八",
                "13633334444；",
            ]
        )
        writer.writerow(["X-3", "邻里纠纷", "", "漏水到楼下", "", code, "周九", "13755556666", "是", "", ""])
    with acting_as(desk.clerk, source="cli"):
        report = import_matters(path, actor=desk.clerk, batch_size=2)
    numbers = [number for _line, number in report.accepted]
    assert len(numbers) == 3
    imported = dict(Matter.objects.filter(number__in=numbers).values_list("number", "pk"))
    assert_index_is_a_rebuild(list(imported.values()))
    assert found("狗半夜") == {imported[numbers[0]]}
    assert found("讨薪") == found("钱七") == found("13633334444") == {imported[numbers[1]]}
    assert found("周九") == found("13755556666") == set()  # an anonymous reporter is not searchable


def test_a_deleted_matter_leaves_the_index(desk: Desk) -> None:
    lamp = desk.matters["lamp"]
    Matter.objects.filter(pk=lamp.pk).delete()
    assert services.stored([lamp.pk]) == {}
    assert found("路灯") == set()
    assert_index_is_a_rebuild([m.pk for m in desk.matters.values() if m.pk != lamp.pk])


def test_index_matters_writes_what_changed_and_drops_what_is_gone(desk: Desk) -> None:
    noise = desk.matters["noise"]
    # A writer that forgot the index:
    Matter.objects.filter(pk=noise.pk).update(title="楼下烧烤油烟", description="楼下烧烤油烟，晚上十点还在营业")
    assert found("油烟") == set()
    assert services.index_matters([noise.pk, 999_999]) == 1
    assert found("油烟") == {noise.pk} and found("噪音") == set()


def test_the_command_rebuilds_everything_or_what_changed_since(desk: Desk, capsys: pytest.CaptureFixture[str]) -> None:
    MatterIndex.objects.all().delete()
    assert found("工资") == set()
    call_command("search_reindex")
    assert found("工资") == {desk.matters["wages"].pk, desk.matters["short"].pk}
    assert "4" in capsys.readouterr().out

    MatterIndex.objects.filter(matter=desk.matters["noise"]).delete()
    long_ago = timezone.now() - datetime.timedelta(days=30)
    Matter.objects.exclude(pk=desk.matters["noise"].pk).update(updated_at=long_ago)
    call_command("search_reindex", since=(timezone.now() - datetime.timedelta(days=1)).date().isoformat())
    assert found("噪音") == {desk.matters["noise"].pk}
    assert "1" in capsys.readouterr().out


def test_the_command_refuses_a_since_that_is_not_a_date() -> None:
    with pytest.raises(CommandError, match="not a date"):
        call_command("search_reindex", since="yesterday")
