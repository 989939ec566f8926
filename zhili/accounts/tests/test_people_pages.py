"""People pages: the list and its exports stay inside the viewer's jurisdiction and keep personal
data masked; seeing a number in full takes a reason, the permission, and leaves an audit event."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts import services
from zhili.accounts.models import User
from zhili.audit.models import AuditEvent

pytestmark = pytest.mark.django_db
PHONE = "13812345678"
ID_NUMBER = "11010519491231002X"


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def people(tree: testing.Tree) -> dict[str, User]:
    """A clerk of 甲一镇, a grid worker below it, someone in 乙县, and a person in both counties."""
    both = testing.person("both", role="mediator", unit_=tree.community_a1, phone="13900001111")
    services.grant_role(both, tree.county_b, "handler")
    return {
        "clerk": testing.person("clerk", role="clerk", unit_=tree.township_a1),
        "grid": testing.person("grid", role="grid_worker", unit_=tree.grid_a1, phone=PHONE, id_number=ID_NUMBER),
        "outside": testing.person("outside", role="clerk", unit_=tree.county_b, phone="13700002222"),
        "both": both,
        "auditor": testing.person("auditor", role="auditor", unit_=tree.township_a1),
    }


def test_the_list_shows_only_people_in_reach_with_masked_phones(people: dict[str, User]) -> None:
    html = signed_in(people["clerk"]).get(reverse("accounts:person_list")).content.decode()
    for name in ("clerk", "grid", "both", "auditor"):
        assert reverse("accounts:person_detail", args=[people[name].pk]) in html
    assert reverse("accounts:person_detail", args=[people["outside"].pk]) not in html
    assert "138****5678" in html and PHONE not in html
    # A visible person's role in a unit outside the viewer's reach stays hidden.
    assert "甲一社区 · 调解员" in html and "乙县" not in html


def test_the_list_filters_by_name(people: dict[str, User]) -> None:
    html = signed_in(people["clerk"]).get(reverse("accounts:person_list"), {"q": "gri"}).content.decode()
    assert reverse("accounts:person_detail", args=[people["grid"].pk]) in html
    assert reverse("accounts:person_detail", args=[people["both"].pk]) not in html


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_only_people_in_reach_and_mask_phones(people: dict[str, User], fmt: str) -> None:
    response = signed_in(people["clerk"]).get(reverse("accounts:person_list"), {"export": fmt})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        table = [[("" if c is None else str(c)) for c in row] for row in sheet.iter_rows(values_only=True)]
    header, rows = table[0], table[1:]
    assert header[:3] == ["账号", "姓名", "手机号码"]
    assert sorted(r[0] for r in rows) == ["auditor", "both", "clerk", "grid"]
    flat = "\n".join(",".join(r) for r in table)
    assert "138****5678" in flat and PHONE not in flat and "13700002222" not in flat
    assert "乙县" not in flat  # memberships outside reach are not exported either
    export = AuditEvent.objects.get(kind=AuditEvent.Kind.EXPORT)
    assert export.data["rows"] == 4 and export.data["format"] == fmt


def test_the_detail_page_masks_phone_and_id_number(people: dict[str, User]) -> None:
    grid = people["grid"]
    html = signed_in(people["clerk"]).get(reverse("accounts:person_detail", args=[grid.pk])).content.decode()
    assert "138****5678" in html and "1101**********002X" in html
    assert PHONE not in html and ID_NUMBER not in html
    assert "甲一社区第一网格" in html and "网格员" in html
    assert 'for="id_reason"' in html and 'for="id_field"' in html


@pytest.mark.parametrize("viewer", ["clerk", "auditor"])
def test_people_outside_reach_answer_404(people: dict[str, User], viewer: str) -> None:
    client = signed_in(people[viewer])
    outside = people["outside"].pk
    assert client.get(reverse("accounts:person_detail", args=[outside])).status_code == 404
    response = client.post(
        reverse("accounts:person_reveal", args=[outside]), {"field": "phone", "reason": "回访当事人"}
    )
    assert response.status_code == 404
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REVEAL).exists()


def test_residents_see_no_one(people: dict[str, User]) -> None:
    client = signed_in(testing.person("resident"))
    response = client.get(reverse("accounts:person_list"))
    assert response.status_code == 200 and list(response.context["object_list"]) == []
    assert client.get(reverse("accounts:person_detail", args=[people["grid"].pk])).status_code == 404


def test_reveal_needs_a_reason(people: dict[str, User]) -> None:
    grid = people["grid"]
    response = signed_in(people["clerk"]).post(
        reverse("accounts:person_reveal", args=[grid.pk]), {"field": "phone", "reason": " "}
    )
    assert response.status_code == 400
    html = response.content.decode()
    assert PHONE not in html and 'aria-invalid="true"' in html
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REVEAL).exists()


def test_reveal_shows_the_full_value_once_and_is_audited(people: dict[str, User]) -> None:
    clerk, grid = people["clerk"], people["grid"]
    client = signed_in(clerk)
    response = client.post(
        reverse("accounts:person_reveal", args=[grid.pk]), {"field": "phone", "reason": "回访当事人需要联系"}
    )
    assert response.status_code == 200
    assert PHONE in response.content.decode()
    assert "no-store" in response["Cache-Control"]
    event = AuditEvent.objects.get(kind=AuditEvent.Kind.REVEAL)
    assert event.actor == clerk and event.object_id == str(grid.pk)
    assert event.reason == "回访当事人需要联系" and event.data == {"field": "phone"}
    # The value is not in any URL, and the next visit of the page shows it masked again.
    assert PHONE not in client.get(reverse("accounts:person_detail", args=[grid.pk])).content.decode()

    response = client.post(
        reverse("accounts:person_reveal", args=[grid.pk]), {"field": "id_number", "reason": "核实身份"}
    )
    assert ID_NUMBER in response.content.decode()


def test_reveal_without_the_permission_is_forbidden(people: dict[str, User]) -> None:
    client = signed_in(people["auditor"])  # sees people, may not reveal
    grid = people["grid"]
    page = client.get(reverse("accounts:person_detail", args=[grid.pk])).content.decode()
    assert 'name="reason"' not in page
    response = client.post(reverse("accounts:person_reveal", args=[grid.pk]), {"field": "phone", "reason": "想看看"})
    assert response.status_code == 403
    assert "没有权限" in response.content.decode() and PHONE not in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REVEAL).exists()


def test_reveal_is_post_only_for_changes(people: dict[str, User]) -> None:
    grid = people["grid"]
    response = signed_in(people["clerk"]).get(reverse("accounts:person_reveal", args=[grid.pk]))
    assert response.status_code == 200 and PHONE not in response.content.decode()
    assert not AuditEvent.objects.filter(kind=AuditEvent.Kind.REVEAL).exists()
