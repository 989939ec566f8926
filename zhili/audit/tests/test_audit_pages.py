"""Audit log pages: an auditor reads and exports the events of their own subtree only."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts import services as people
from zhili.accounts.models import User
from zhili.audit.models import AuditEvent
from zhili.org import services as org

pytestmark = pytest.mark.django_db
Kind = AuditEvent.Kind


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def export_table(response) -> list[list[str]]:
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if response["Content-Type"].startswith("text/csv"):
        return list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    sheet = openpyxl.load_workbook(io.BytesIO(body)).active
    return [[("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)]


@pytest.fixture
def auditor(tree: testing.Tree) -> User:
    org.update_unit(tree.township_a1, contact_phone="0833-1111111", reason="更新值班电话")
    org.update_unit(tree.county_b, contact_phone="0833-2222222", reason="乙县电话")
    people.update_person(testing.person("grid", role="grid_worker", unit_=tree.grid_a1), phone="13812345678")
    return testing.person("auditor", role="auditor", unit_=tree.county_a)


def test_the_log_lists_events_of_the_auditors_subtree_only(tree: testing.Tree, auditor: User) -> None:
    response = signed_in(auditor).get(reverse("audit:event_list"))
    events = list(response.context["object_list"])
    assert events and all(e.unit_path.startswith(tree.county_a.path) for e in events)
    reasons = {e.reason for e in events}
    assert "更新值班电话" in reasons and "乙县电话" not in reasons
    assert "乙县电话" not in response.content.decode()


def test_users_without_the_audit_permission_see_an_empty_log(tree: testing.Tree, auditor: User) -> None:
    clerk = testing.person(role="clerk", unit_=tree.county_a)
    client = signed_in(clerk)
    response = client.get(reverse("audit:event_list"))
    assert response.status_code == 200 and list(response.context["object_list"]) == []
    event = AuditEvent.objects.filter(reason="更新值班电话").get()
    assert client.get(reverse("audit:event_detail", args=[event.pk])).status_code == 404


def test_events_outside_the_subtree_answer_404(tree: testing.Tree, auditor: User) -> None:
    outside = AuditEvent.objects.get(reason="乙县电话")
    assert signed_in(auditor).get(reverse("audit:event_detail", args=[outside.pk])).status_code == 404


def test_the_detail_shows_the_changed_fields(tree: testing.Tree, auditor: User) -> None:
    event = AuditEvent.objects.get(reason="更新值班电话")
    html = signed_in(auditor).get(reverse("audit:event_detail", args=[event.pk])).content.decode()
    assert "<code>contact_phone</code>" in html and "0833-1111111" in html
    assert "<code>name</code>" not in html  # unchanged fields are left out
    assert "更新值班电话" in html


def test_the_log_keeps_phone_numbers_masked(tree: testing.Tree, auditor: User) -> None:
    event = AuditEvent.objects.filter(kind=Kind.UPDATE, object_repr="grid").latest("id")
    html = signed_in(auditor).get(reverse("audit:event_detail", args=[event.pk])).content.decode()
    assert "138****5678" in html and "13812345678" not in html


def test_the_log_filters_by_kind_and_actor(tree: testing.Tree, auditor: User) -> None:
    client = signed_in(auditor)  # force_login records a login event for the auditor
    logins = client.get(reverse("audit:event_list"), {"kind": "login"}).context["object_list"]
    assert logins and {e.kind for e in logins} == {"login"}
    nobody = client.get(reverse("audit:event_list"), {"actor": "nobody"}).context["object_list"]
    assert list(nobody) == []


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_keep_the_filters_and_the_subtree(tree: testing.Tree, auditor: User, fmt: str) -> None:
    client = signed_in(auditor)
    page = client.get(reverse("audit:event_list"), {"kind": "update", "page": "1"}).content.decode()
    assert f'href="?kind=update&amp;export={fmt}"' in page
    response = client.get(reverse("audit:event_list"), {"kind": "update", "export": fmt})
    assert response.status_code == 200
    table = export_table(response)
    assert table[0][:3] == ["时间", "类型", "操作人账号"]
    rows = table[1:]
    assert rows and {row[1] for row in rows} == {"修改"}
    flat = "\n".join(",".join(row) for row in table)
    assert "更新值班电话" in flat and "乙县电话" not in flat
    assert "138****5678" in flat and "13812345678" not in flat
    export = AuditEvent.objects.filter(kind=Kind.EXPORT).latest("id")
    assert export.actor == auditor and export.data["filters"] == {"kind": "update"}


def test_a_bad_export_format_is_refused(tree: testing.Tree, auditor: User) -> None:
    response = signed_in(auditor).get(reverse("audit:event_list"), {"export": "pdf"})
    assert response.status_code == 400
