from __future__ import annotations

import csv
import io

import pytest
from django.db import DatabaseError, connection, transaction
from openpyxl import load_workbook

from zhili import testing
from zhili.accounts import services as people
from zhili.audit.models import AuditEvent
from zhili.audit.recording import record
from zhili.core.context import acting_as, because
from zhili.org import services as org

pytestmark = pytest.mark.django_db


api = testing.api_client


def test_create_update_delete_are_recorded_with_before_after_actor_and_reason(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    with acting_as(admin, source="cli"):
        unit = org.create_unit(parent=tree.township_a2, unit_type="community", name="新村", code="NEW-1")
        org.update_unit(unit, name="新村社区", contact_phone="0833-1234567", reason="更名")
        org.delete_unit(unit, reason="撤销")
    events = list(AuditEvent.objects.filter(content_type__model="unit", object_id=str(unit.pk)).order_by("id"))
    assert [e.kind for e in events] == ["create", "update", "delete"]
    assert all(e.actor == admin and e.source == "cli" for e in events)
    update = events[1]
    assert update.reason == "更名"
    assert update.changes == {"name": ("新村", "新村社区"), "contact_phone": ("", "0833-1234567")}
    assert events[2].before["name"] == "新村社区" and events[2].after is None
    assert all(e.unit_path.startswith(tree.township_a2.path) for e in events)


def test_a_save_that_changes_nothing_is_not_recorded(tree: testing.Tree) -> None:
    before = AuditEvent.objects.count()
    org.update_unit(tree.grid_a1, name=tree.grid_a1.name)
    assert AuditEvent.objects.count() == before


def test_permission_changes_on_accounts_are_recorded_as_such(tree: testing.Tree) -> None:
    person = testing.person("p", role="clerk", unit_=tree.township_a1)
    people.update_person(person, is_active=False, reason="离职")
    event = AuditEvent.objects.filter(content_type__model="user", object_id=str(person.pk)).latest("id")
    assert event.kind == "permission" and event.reason == "离职"
    assert event.changes == {"is_active": (True, False)}


def test_the_log_is_append_only_in_the_application_and_the_database(tree: testing.Tree) -> None:
    event = AuditEvent.objects.first()
    assert event is not None
    with pytest.raises(PermissionError):
        event.save()
    with pytest.raises(PermissionError):
        event.delete()
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().update(reason="x")
    with pytest.raises(PermissionError):
        AuditEvent.objects.all().delete()
    with pytest.raises(DatabaseError), transaction.atomic(), connection.cursor() as cursor:
        cursor.execute("UPDATE audit_auditevent SET reason = 'tampered'")
    assert not AuditEvent.objects.filter(reason="tampered").exists()


def test_nested_reasons_and_request_context(tree: testing.Tree) -> None:
    with acting_as(None, source="worker", reason="outer"):
        assert record("export").reason == "outer"
        with because("inner"):
            assert record("export").reason == "inner"
        with because(""):
            assert record("export").reason == "outer"


def test_auditors_read_and_filter_the_log_of_their_subtree(tree: testing.Tree) -> None:
    auditor = testing.person(role="auditor", unit_=tree.township_a1)
    org.update_unit(tree.grid_a1, name="改名网格")
    org.update_unit(tree.county_b, name="改名乙县")
    body = api(auditor).get("/api/v1/audit-events/?kind=update&page_size=500").json()
    names = [e["object_repr"] for e in body["results"]]
    assert "改名网格" in names and "改名乙县" not in names
    since = api(auditor).get("/api/v1/audit-events/?object_type=org.unit&q=改名").json()
    assert [e["object_repr"] for e in since["results"]] == ["改名网格"]


def test_events_without_a_unit_are_seen_only_from_the_top(tree: testing.Tree) -> None:
    top = testing.person(role="auditor", unit_=tree.city)
    county = testing.person(role="auditor", unit_=tree.county_a)
    event = record("login_failed", actor_name="nobody", data={"username": "nobody"})
    assert event.unit_path == ""
    assert AuditEvent.objects.restrict(top).filter(pk=event.pk).exists()
    assert not AuditEvent.objects.restrict(county).filter(pk=event.pk).exists()


def test_people_without_audit_permission_see_no_log(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.city)
    assert api(clerk).get("/api/v1/audit-events/").json()["count"] == 0
    export = api(clerk).get("/api/v1/audit-events/export/?format=csv")
    assert b"".join(export.streaming_content).decode("utf-8-sig").count("\n") == 1  # the header only


def test_export_csv_and_xlsx_of_the_filtered_log_is_itself_logged(tree: testing.Tree) -> None:
    auditor = testing.person(role="auditor", unit_=tree.county_a)
    org.update_unit(tree.grid_a1, name='=HYPERLINK("x")')
    response = api(auditor).get("/api/v1/audit-events/export/?format=csv&kind=update")
    assert response.status_code == 200 and response["Content-Type"].startswith("text/csv")
    table = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert table[0][:3] == ["时间", "类型", "操作人账号"]
    assert len(table) == 2 and table[1][1] == "修改"
    assert table[1][7].startswith("'=")  # no formula injection into spreadsheets
    xlsx = api(auditor).get("/api/v1/audit-events/export/?format=xlsx&kind=update")
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert sheet.max_row == 2
    export = AuditEvent.objects.filter(kind="export").latest("id")
    assert export.actor == auditor and export.data["rows"] == 1 and export.data["filters"] == {"kind": "update"}
    bad = api(auditor).get("/api/v1/audit-events/export/?format=pdf")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "format"


def test_request_address_and_id_are_recorded(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    client = api(admin)
    response = client.patch(
        f"/api/v1/units/{tree.grid_a1.pk}/",
        {"name": "二号网格"},
        format="json",
        REMOTE_ADDR="10.1.2.3",
        HTTP_X_REQUEST_ID="req-42",
    )
    assert response.status_code == 200 and response["X-Request-Id"] == "req-42"
    event = AuditEvent.objects.filter(kind="update").latest("id")
    assert (event.address, event.request_id, event.source, event.actor) == ("10.1.2.3", "req-42", "api", admin)


def test_failed_sign_ins_and_exports_are_seen_by_the_auditors_of_the_accounts_unit(tree: testing.Tree) -> None:
    from django.contrib.auth import authenticate
    from django.test import RequestFactory

    county_auditor = testing.person(role="auditor", unit_=tree.county_a)
    clerk = testing.person("a1-clerk", role="clerk", unit_=tree.township_a1)
    assert authenticate(RequestFactory().post("/"), username=clerk.username, password="wrong") is None
    failed = AuditEvent.objects.filter(kind="login_failed").latest("id")
    assert failed.unit_path == tree.township_a1.path and failed.actor is None
    with acting_as(clerk):
        export = record("export", data={"rows": 0})
    assert export.unit_path == tree.township_a1.path
    visible = AuditEvent.objects.restrict(county_auditor)
    assert visible.filter(pk__in=[failed.pk, export.pk]).count() == 2
