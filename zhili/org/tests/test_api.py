from __future__ import annotations

from urllib.parse import quote

import pytest

from zhili import testing
from zhili.audit.models import AuditEvent
from zhili.org.models import Unit

pytestmark = pytest.mark.django_db


api = testing.api_client


def test_list_is_restricted_to_the_subtree_and_filterable(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    body = api(clerk).get("/api/v1/units/?page_size=100").json()
    names = {u["name"] for u in body["results"]}
    assert names == {"甲一镇", "甲一社区", "甲一社区第一网格", "甲一镇司法所"}
    assert body["count"] == 4
    children = api(clerk).get(f"/api/v1/units/?parent={tree.township_a1.pk}").json()["results"]
    assert {u["name"] for u in children} == {"甲一社区", "甲一镇司法所"}
    assert all(u["parent"] == tree.township_a1.pk for u in children)
    grids = api(clerk).get("/api/v1/units/?unit_type=grid").json()["results"]
    assert [u["name"] for u in grids] == ["甲一社区第一网格"]


def test_admin_creates_a_unit_under_a_parent_in_reach_with_a_reason(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    response = api(admin).post(
        "/api/v1/units/",
        {"parent": tree.township_a2.pk, "unit_type": "community", "name": "甲二村", "code": "A2-01"},
        format="json",
        HTTP_X_ZHILI_REASON=quote("新设行政村"),
    )
    assert response.status_code == 201, response.json()
    assert response.json()["parent"] == tree.township_a2.pk and response.json()["depth"] == 4
    event = AuditEvent.objects.get(kind="create", object_id=str(response.json()["id"]))
    assert event.actor == admin and event.reason == "新设行政村" and event.source == "api"


def test_creating_outside_reach_is_refused_without_revealing_the_parent(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    response = api(admin).post(
        "/api/v1/units/",
        {"parent": tree.county_b.pk, "unit_type": "township", "name": "乙一镇", "code": "B1"},
        format="json",
    )
    assert response.status_code == 400
    assert response.json()["errors"][0] == {
        "code": "unit_parent_not_found",
        "detail": "上级单位不存在或不在您的管辖范围内。",
        "attr": "parent",
    }
    assert not Unit.objects.filter(code="B1").exists()


def test_a_viewer_without_the_admin_role_cannot_write(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.county_a)
    response = api(clerk).patch(f"/api/v1/units/{tree.township_a1.pk}/", {"name": "改名"}, format="json")
    assert response.status_code == 403
    response = api(clerk).post(
        "/api/v1/units/",
        {"parent": tree.county_a.pk, "unit_type": "township", "name": "新镇", "code": "N1"},
        format="json",
    )
    assert response.status_code == 403
    assert not Unit.objects.filter(code="N1").exists()


def test_validation_errors_name_the_field(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    response = api(admin).post("/api/v1/units/", {"parent": tree.county_a.pk, "unit_type": "nope"}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["type"] == "validation_error"
    assert {e["attr"] for e in body["errors"]} >= {"unit_type", "name", "code"}


def test_move_through_patch_and_refusal_with_holdings(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    response = api(admin).patch(
        f"/api/v1/units/{tree.community_a1.pk}/", {"parent": tree.township_a2.pk}, format="json"
    )
    assert response.status_code == 200 and response.json()["parent"] == tree.township_a2.pk
    testing.person(role="grid_worker", unit_=tree.grid_a1)
    response = api(admin).patch(
        f"/api/v1/units/{tree.community_a1.pk}/", {"parent": tree.township_a1.pk}, format="json"
    )
    assert response.status_code == 409
    assert response.json()["errors"][0]["code"] == "unit_has_holdings"
    response = api(admin).delete(f"/api/v1/units/{tree.grid_a1.pk}/")
    assert response.status_code == 409


def test_locate_answers_within_reach_only(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    response = api(clerk).get("/api/v1/units/locate/?lon=103.05&lat=29.05")
    assert response.status_code == 200 and response.json()["id"] == tree.grid_a1.pk
    assert api(clerk).get("/api/v1/units/locate/?lon=104.5&lat=29.5").status_code == 404
    bad = api(clerk).get("/api/v1/units/locate/?lon=east&lat=29")
    assert bad.status_code == 400 and bad.json()["errors"][0]["attr"] == "lon"


def test_list_query_count_does_not_grow_with_rows(tree: testing.Tree, django_assert_max_num_queries) -> None:  # type: ignore[no-untyped-def]
    admin = testing.person(role="admin", unit_=tree.city)
    for number in range(30):
        testing.unit(tree.township_a2, "community", f"村{number}")
    client = api(admin)
    with django_assert_max_num_queries(6):
        assert client.get("/api/v1/units/?page_size=100").status_code == 200
