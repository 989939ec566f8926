"""Bulk import (CSV with or without BOM, GB18030, XLSX): the rules of receive(), in batches."""

from __future__ import annotations

import csv
import datetime
import hashlib
import io
import threading
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection
from openpyxl import Workbook

from zhili import testing
from zhili.core.context import acting_as
from zhili.matters import actions, lifecycle
from zhili.matters.importing import ImportFileError, ImportReport, import_matters, open_rows
from zhili.matters.models import IntakeKey, Matter, MatterEvent, MatterReach
from zhili.matters.tests.conftest import Cast
from zhili.notify.models import Notification
from zhili.org import services as org

HEADER = ["编号", "类别", "风险", "内容", "受理单位代码", "反映人", "反映人电话", "当事人姓名", "当事人电话"]
NOISE = "楼上邻居装修每天早上七点就开始电钻，老人睡不好觉"


def write_csv(path: Path, rows: list[list[Any]], encoding: str = "utf-8-sig") -> Path:
    with path.open("w", encoding=encoding, newline="") as handle:
        csv.writer(handle).writerows(rows)
    return path


def run(path: Path, actor: Any, **options: Any) -> ImportReport:
    with acting_as(actor, source="cli"):
        return import_matters(path, actor=actor, **options)


def rejected(report: ImportReport) -> list[tuple[int, str, str]]:
    return [(r.row, r.field, r.code) for r in report.rejected]


def replayed(matter: Matter) -> lifecycle.MatterState:
    events = [lifecycle.Recorded(e.kind, e.data, e.time, e.actor_id) for e in matter.events.order_by("seq")]
    return lifecycle.replay(events)


def sequence(number: str) -> int:
    return int(number.rsplit("-", 1)[1])


@pytest.mark.django_db
def test_a_csv_with_bom_commits_the_good_rows_and_reports_the_others(cast: Cast, tmp_path: Path) -> None:
    a1 = cast.tree.township_a1.code
    path = write_csv(
        tmp_path / "matters.csv",
        [
            HEADER,
            ["A-1", "邻里纠纷", "", NOISE, a1, "张三", "139 1234 5678", "李四；王五", "13712345678；"],
            ["A-2", "不存在的类别", "", "路灯坏了", a1, "", "", "", ""],
            ["A-3", "neighbor", "", NOISE, a1, "张三", "12", "", ""],
            ["A-4", "neighbor", "", "   ", a1, "", "", "", ""],
            ["", "", "", "", "", "", "", "", ""],
            ["A-5", "neighbor", "", NOISE, a1, "", "", "李四；王五", "13712345678；12"],
            ["A-6", "public_facility", "黄色", "小区门口路灯坏了一个星期", a1, "", "", "", ""],
        ],
    )

    report = run(path, cast.clerk)

    assert report.encoding == "utf-8-sig" and report.rows == 6
    assert [row for row, _number in report.accepted] == [2, 8]
    assert rejected(report) == [
        (3, "类别", "category_unknown"),
        (4, "反映人电话", "phone_invalid"),
        (5, "内容", "description_required"),
        (7, "当事人电话（第2位）", "phone_invalid"),
    ]
    assert report.rejected[0].reason == "类别“不存在的类别”不存在。"
    assert report.rejected[0].values[0] == "A-2"  # the row as read, for correcting and importing again
    matter = Matter.objects.get(number=report.accepted[0][1])
    assert (matter.channel, matter.kind_id, matter.category_id, matter.risk_id) == (
        "import",
        "dispute",
        "neighbor",
        "green",
    )
    assert matter.intake_unit == cast.tree.township_a1 and matter.status == "new" and matter.received_by == cast.clerk
    assert (matter.reporter_name, matter.reporter_phone, matter.title) == ("张三", "13912345678", NOISE)
    assert sorted(matter.parties.values_list("name", "phone")) == [("李四", "13712345678"), ("王五", "")]
    event = matter.events.get()
    assert (event.seq, event.kind, event.actor, event.source) == (1, "created", cast.clerk, "cli")
    assert "matters.csv 第2行" in event.reason and "A-1" in event.reason
    assert IntakeKey.objects.get(matter=matter).key == "import:" + hashlib.sha256(b"A-1").hexdigest()
    assert Matter.objects.get(number=report.accepted[1][1]).risk_id == "yellow"
    assert Matter.objects.count() == 2
    assert not Notification.objects.exists()  # importing history texts nobody


@pytest.mark.django_db
def test_a_gb18030_csv_is_recognised(cast: Cast, tmp_path: Path) -> None:
    text = "村里的宅基地边界争议，两户人家已经吵了三个月"
    path = write_csv(
        tmp_path / "gbk.csv",
        [["内容", "类别", "受理单位代码"], [text, "房屋宅基地纠纷", cast.tree.township_a1.code]],
        encoding="gb18030",
    )

    report = run(path, cast.clerk)

    assert report.encoding == "gb18030" and not report.rejected
    matter = Matter.objects.get()
    assert matter.description == text and matter.category_id == "homestead_housing"


@pytest.mark.django_db
def test_a_csv_without_bom_and_with_english_headers(cast: Cast, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "plain.csv",
        [["description", "category", "channel", "intake_unit"], ["井盖丢了", "public_facility", "热线", "T"]],
        encoding="utf-8",
    )
    path.write_text(path.read_text().replace(",T", "," + cast.tree.township_a1.code), encoding="utf-8")

    report = run(path, cast.clerk)

    assert report.encoding == "utf-8" and len(report.accepted) == 1
    assert Matter.objects.get().channel == "hotline"


@pytest.mark.django_db
def test_an_xlsx_with_numbers_in_cells_and_a_map_point(cast: Cast, tmp_path: Path) -> None:
    workbook = Workbook()
    sheet = workbook.active
    assert sheet is not None
    sheet.append(["编号", "类型", "类别", "内容", "经度", "纬度", "受理单位代码", "反映人电话", "匿名", "备注"])
    sheet.append([1001, "矛盾纠纷", "", NOISE, 103.05, 29.05, cast.tree.township_a1.code, 13912345678, "是", "x"])
    sheet.append([1002, "dispute", "labor_wage", "欠薪", 103.05, 291.0, cast.tree.township_a1.code, None, "否", ""])
    workbook.save(tmp_path / "matters.xlsx")

    report = run(tmp_path / "matters.xlsx", cast.clerk)

    assert report.encoding == "xlsx" and report.ignored_columns == ["备注"]
    assert rejected(report) == [(3, "纬度", "coordinate_invalid")]
    matter = Matter.objects.get()
    assert matter.reporter_phone == "13912345678" and matter.anonymous and matter.kind_id == "dispute"
    # The jurisdiction from the map point, as receive() finds it.
    assert matter.jurisdiction == org.locate(103.05, 29.05) == cast.tree.grid_a1
    assert set(matter.units.values_list("unit_id", flat=True)) == {cast.tree.township_a1.pk, cast.tree.grid_a1.pk}


@pytest.mark.django_db
def test_map_points_find_the_jurisdiction_receive_would_find(cast: Cast, tmp_path: Path) -> None:
    points = [(103.05, 29.05), (103.2, 29.2), (103.3, 29.7), (103.7, 29.2), (104.5, 29.5), (120.0, 40.0), (103.0, 29.0)]
    rows = [[f"{NOISE}{lon},{lat}", "neighbor", lon, lat] for lon, lat in points]
    path = write_csv(tmp_path / "points.csv", [["内容", "类别", "经度", "纬度"], *rows])

    report = run(path, cast.clerk, intake_unit=cast.tree.township_a1)

    assert len(report.accepted) == len(points)
    for (lon, lat), (_row, number) in zip(points, report.accepted, strict=True):
        assert Matter.objects.get(number=number).jurisdiction == org.locate(lon, lat), (lon, lat)


@pytest.mark.django_db
def test_importing_the_same_file_again_imports_nothing(cast: Cast, tmp_path: Path) -> None:
    a1 = cast.tree.township_a1.code
    rows = [
        ["编号", "内容", "类别", "受理单位代码"],
        ["B-1", NOISE, "neighbor", a1],
        ["", "路灯坏了", "public_facility", a1],
        ["", "路灯坏了", "public_facility", a1],  # the same row twice, without an id: one matter
        ["B-2", "欠薪", "nope", a1],
    ]
    path = write_csv(tmp_path / "matters.csv", rows)
    first = run(path, cast.clerk)
    assert [row for row, _n in first.accepted] == [2, 3] and first.already == [(4, first.accepted[1][1])]

    again = run(path, cast.clerk)

    assert not again.accepted
    assert again.already == [(2, first.accepted[0][1]), (3, first.accepted[1][1]), (4, first.accepted[1][1])]
    assert rejected(again) == [(5, "类别", "category_unknown")]
    assert Matter.objects.count() == 2 and IntakeKey.objects.count() == 2

    # The same external id with other content is refused, as receive() refuses a reused key.
    rows[1][1] = "另一件事"
    changed = run(write_csv(tmp_path / "changed.csv", rows), cast.clerk)
    assert rejected(changed)[0] == (2, "编号", "external_id_reused")
    assert Matter.objects.count() == 2


@pytest.mark.django_db
def test_an_imported_matter_is_what_receive_writes_and_replays_to_its_state(cast: Cast, tmp_path: Path) -> None:
    fields = {
        "category": "neighbor",
        "risk": "yellow",
        "title": "噪音",
        "address": "幸福路1号",
        "reporter_name": "张三",
    }
    path = write_csv(
        tmp_path / "one.csv",
        [
            ["类别", "风险", "标题", "内容", "地址", "反映人", "经度", "纬度", "当事人姓名", "当事人身份"],
            [
                "neighbor",
                "yellow",
                "噪音",
                NOISE,
                "幸福路1号",
                "张三",
                "103.05",
                "29.05",
                "李四；王五",
                "申请人；被申请人",
            ],
        ],
    )
    report = run(path, cast.clerk, intake_unit=cast.tree.township_a1)
    imported = Matter.objects.get(number=report.accepted[0][1])
    with acting_as(cast.clerk, source="cli"):  # as the import command runs
        received = cast.matter(
            channel="import",
            description=NOISE,
            lon=103.05,
            lat=29.05,
            parties=[{"name": "李四", "role": "applicant"}, {"name": "王五", "role": "respondent"}],
            **fields,
        )

    assert replayed(imported) == actions.state_of(imported)
    assert replayed(imported).status == "new" and imported.last_event_seq == 1
    assert_same(imported, received)


def assert_same(imported: Matter, received: Matter) -> None:
    """An imported matter is stored as receive() stores the same report."""
    for f in Matter._meta.concrete_fields:
        if f.attname in {"id", "number", "received_at", "updated_at"}:
            continue
        mine, theirs = getattr(imported, f.attname), getattr(received, f.attname)
        if isinstance(mine, datetime.datetime) or isinstance(theirs, datetime.datetime):
            # Times derived from the registration time (the deadline): the same distance from it.
            assert (mine is None) == (theirs is None), f.attname
            if mine is not None:
                offset = (mine - imported.received_at) - (theirs - received.received_at)
                assert abs(offset) < datetime.timedelta(minutes=1), f.attname
        else:
            assert mine == theirs, (f.attname, mine, theirs)
    ours, theirs_event = imported.events.get(), received.events.get()
    assert (ours.kind, ours.seq, ours.data, ours.actor_id, ours.actor_name, ours.source) == (
        theirs_event.kind,
        theirs_event.seq,
        theirs_event.data,
        theirs_event.actor_id,
        theirs_event.actor_name,
        theirs_event.source,
    )
    party_fields = ("role", "name", "phone", "id_number", "head_count")
    assert list(imported.parties.order_by("id").values_list(*party_fields)) == list(
        received.parties.order_by("id").values_list(*party_fields)
    )
    assert list(imported.units.order_by("id").values_list("unit_id", flat=True)) == list(
        received.units.order_by("id").values_list("unit_id", flat=True)
    )
    assert sorted(MatterReach.objects.filter(matter=imported).values_list("unit_id", flat=True)) == sorted(
        MatterReach.objects.filter(matter=received).values_list("unit_id", flat=True)
    )


@pytest.mark.django_db
def test_intake_units_outside_the_importers_reach_are_rejected_rows(cast: Cast, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "scope.csv",
        [
            ["内容", "类别", "受理单位代码"],
            [NOISE, "neighbor", cast.tree.grid_a1.code],  # below township A1: in reach
            [NOISE, "neighbor", cast.tree.township_a2.code],  # the neighbouring township
            [NOISE, "neighbor", "NO-SUCH-UNIT"],
            [NOISE, "neighbor", ""],  # the default, the city's centre: above the clerk
        ],
    )

    report = run(path, cast.clerk)

    assert [row for row, _n in report.accepted] == [2]
    assert rejected(report) == [(n, "受理单位代码", "intake_unit_not_found") for n in (3, 4, 5)]
    # An unknown unit and one out of reach read the same, as everywhere else.
    assert len({r.reason for r in report.rejected}) == 1
    assert Matter.objects.get().intake_unit == cast.tree.grid_a1


@pytest.mark.django_db
def test_numbers_stay_unique_and_gap_free_when_intake_runs_between_batches(cast: Cast, tmp_path: Path) -> None:
    a1 = cast.tree.township_a1.code
    path = write_csv(
        tmp_path / "m.csv", [["内容", "类别", "受理单位代码"]] + [[f"{NOISE}{i}", "neighbor", a1] for i in range(7)]
    )
    between = []

    report = run(path, cast.clerk, batch_size=3, progress=lambda n: between.append(cast.matter().number))

    imported = [number for _row, number in report.accepted]
    assert len(imported) == 7 and len(between) == 3
    numbers = sorted(map(sequence, imported + between))
    assert numbers == list(range(numbers[0], numbers[0] + 10))
    assert sequence(between[0]) == sequence(imported[2]) + 1  # receive() takes the number after the block


@pytest.mark.django_db(transaction=True)
def test_an_import_racing_receive_gives_unique_numbers(tree: testing.Tree, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL's concurrent transactions")
    clerk = testing.person("racer", role="clerk", unit_=tree.township_a1)
    path = write_csv(
        tmp_path / "m.csv",
        [["内容", "类别", "受理单位代码"]] + [[f"事项{i}", "neighbor", tree.township_a1.code] for i in range(200)],
    )
    errors: list[BaseException] = []
    received: list[str] = []

    def intake() -> None:
        try:
            for _ in range(20):
                received.append(
                    actions.receive(
                        actor=clerk,
                        channel="walk_in",
                        description="路灯坏了",
                        category="public_facility",
                        intake_unit=tree.township_a1,
                    )[0].number
                )
        except BaseException as exc:
            errors.append(exc)
        finally:
            connection.close()

    thread = threading.Thread(target=intake)
    thread.start()
    report = run(path, clerk, batch_size=10)
    thread.join()

    assert not errors, errors
    numbers = sorted(map(sequence, [n for _row, n in report.accepted] + received))
    assert numbers == list(range(1, 221))
    assert Matter.objects.count() == 220


@pytest.mark.django_db(transaction=True)
def test_two_imports_of_one_file_at_once_import_each_row_once(tree: testing.Tree, tmp_path: Path) -> None:
    if connection.vendor != "postgresql":
        pytest.skip("SQLite runs one writer at a time; the race needs PostgreSQL's concurrent transactions")
    clerk = testing.person("racer", role="clerk", unit_=tree.township_a1)
    rows = [[f"R-{i}", f"事项{i}", "neighbor", tree.township_a1.code] for i in range(300)]
    path = write_csv(tmp_path / "m.csv", [["编号", "内容", "类别", "受理单位代码"], *rows])
    reports = testing.race(2, lambda: run(path, clerk, batch_size=50))
    assert sorted(row for r in reports for row, _n in r.accepted + r.already) == sorted(list(range(2, 302)) * 2)
    assert sum(len(r.accepted) for r in reports) == 300 == Matter.objects.count() == IntakeKey.objects.count()
    numbers = sorted(sequence(n) for r in reports for _row, n in r.accepted)
    assert numbers == list(range(1, 301))  # the loser's rolled-back batches gave their numbers back


@pytest.mark.django_db
def test_notify_sends_what_receive_sends(cast: Cast, tmp_path: Path) -> None:
    leader = testing.person("leader-city", role="leader", unit_=cast.tree.city, phone="13512345678")
    path = write_csv(
        tmp_path / "m.csv",
        [
            ["内容", "类别", "风险", "反映人电话"],
            [NOISE, "neighbor", "red", "13612345678"],
            ["欠薪", "labor_wage", "", ""],
        ],
    )

    report = run(path, leader, notify=True)

    assert len(report.accepted) == 2
    red = Matter.objects.get(risk_id="red")
    assert Notification.objects.filter(purpose="matter_received", recipient="13612345678").count() == 1
    assert red.events.filter(kind="leader_alerted").exists() and red.last_event_seq == 2
    assert replayed(red) == actions.state_of(red)


@pytest.mark.django_db
def test_files_that_cannot_be_read(cast: Cast, tmp_path: Path) -> None:
    (tmp_path / "bad.csv").write_bytes("内容\n".encode() + b"\xff\xfe\xff\n")
    (tmp_path / "nodesc.csv").write_text("标题,类别\n甲,乙\n", encoding="utf-8")
    for name, code in (
        ("bad.csv", "file_encoding"),
        ("nodesc.csv", "description_column_missing"),
        ("none.csv", "file_unreadable"),
    ):
        with pytest.raises(ImportFileError) as error:
            run(tmp_path / name, cast.clerk)
        assert error.value.code == code
    assert open_rows(write_csv(tmp_path / "ok.csv", [["内容"], ["甲"]])).header == ["内容"]


@pytest.mark.django_db
def test_the_command_reports_rejected_rows_and_exits_zero(cast: Cast, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["内容", "类别"], [NOISE, "neighbor"], ["路灯坏了", "nope"]])
    out = io.StringIO()

    call_command(
        "import_matters", str(path), "--as", cast.clerk.username, "--unit", cast.tree.township_a1.code,
        "--report", str(tmp_path / "rejected.csv"), stdout=out,
    )  # fmt: skip

    assert "2 rows read" in out.getvalue() and "1 imported, 0 already imported, 1 rejected" in out.getvalue()
    with (tmp_path / "rejected.csv").open(encoding="utf-8-sig") as handle:
        assert list(csv.reader(handle)) == [
            ["错误行号", "错误列", "错误代码", "错误原因", "内容", "类别"],
            ["3", "类别", "category_unknown", "类别“nope”不存在。", "路灯坏了", "nope"],
        ]
    # The report, corrected, is a file that imports as it is.
    fixed = (tmp_path / "rejected.csv").read_bytes().replace(b",nope\r\n", b",public_facility\r\n")
    (tmp_path / "fixed.csv").write_bytes(fixed)
    again = run(tmp_path / "fixed.csv", cast.clerk, intake_unit=cast.tree.township_a1)
    assert len(again.accepted) == 1 and Matter.objects.count() == 2


@pytest.mark.django_db
def test_the_command_dry_run_and_its_errors(cast: Cast, tmp_path: Path) -> None:
    path = write_csv(tmp_path / "m.csv", [["内容", "类别"], [NOISE, "neighbor"], [NOISE, "nope"]])
    out = io.StringIO()
    call_command(
        "import_matters",
        str(path),
        "--as",
        cast.clerk.username,
        "--unit",
        cast.tree.grid_a1.code,
        "--dry-run",
        stdout=out,
    )
    assert "1 would import" in out.getvalue() and "row 3: 类别: 类别“nope”不存在。 (category_unknown)" in out.getvalue()
    assert not Matter.objects.exists() and not MatterEvent.objects.exists()

    for argv, message in (
        ([str(tmp_path / "missing.csv"), "--as", cast.clerk.username], "无法打开文件"),
        ([str(path), "--as", "nobody"], "no active account"),
        ([str(path), "--as", cast.clerk.username, "--unit", cast.tree.township_a2.code], "intake scope"),
        ([str(path), "--as", cast.resident.username], "没有登记事项的权限"),
    ):
        with pytest.raises(CommandError, match=message):
            call_command("import_matters", *argv, stdout=io.StringIO())
