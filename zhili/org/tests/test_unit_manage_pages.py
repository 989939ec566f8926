"""单位管理 pages: an administrator creates, edits, moves and deletes units in their subtree through
the services (audited); refusals and invalid input show on the form and change nothing; others see
no buttons and are refused (403 inside their view scope, 404 outside)."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts.models import User
from zhili.audit.models import AuditEvent
from zhili.org.models import Unit

pytestmark = pytest.mark.django_db

MANAGE_URLS = ("org:unit_create", "org:unit_update", "org:unit_move", "org:unit_delete")


def signed_in(user: User) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


def post(client: Client, name: str, unit: Unit, data: dict[str, object]) -> Any:
    """POST as the page does, with a CSRF token (taken from the unit list, which every signed-in
    person may open, so that refusals are tested as such and not as a missing token)."""
    token = client.get(reverse("org:unit_list")).context["csrf_token"]
    return client.post(reverse(name, args=[unit.pk]), {**data, "csrfmiddlewaretoken": str(token)})


def county_admin(tree: testing.Tree) -> User:
    return testing.person("admin-a", role="admin", unit_=tree.county_a)


def unit_events(unit: Unit) -> list[AuditEvent]:
    return list(AuditEvent.objects.filter(object_id=str(unit.pk), content_type__model="unit").order_by("id"))


def test_the_admin_sees_the_buttons_and_a_clerk_does_not(tree: testing.Tree) -> None:
    html = signed_in(county_admin(tree)).get(reverse("org:unit_detail", args=[tree.township_a1.pk])).content.decode()
    for name in MANAGE_URLS:
        assert reverse(name, args=[tree.township_a1.pk]) in html
    assert "新建下级单位" in html and "编辑" in html and "移动" in html and "删除" in html
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    html = signed_in(clerk).get(reverse("org:unit_detail", args=[tree.township_a1.pk])).content.decode()
    for name in MANAGE_URLS:
        assert reverse(name, args=[tree.township_a1.pk]) not in html
    assert "新建下级单位" not in html


def test_no_child_can_be_added_under_a_department(tree: testing.Tree) -> None:
    client = signed_in(county_admin(tree))
    html = client.get(reverse("org:unit_detail", args=[tree.police_a.pk])).content.decode()
    assert reverse("org:unit_update", args=[tree.police_a.pk]) in html
    assert reverse("org:unit_create", args=[tree.police_a.pk]) not in html


def test_the_admin_creates_a_child_unit(tree: testing.Tree) -> None:
    client = signed_in(county_admin(tree))
    page = client.get(reverse("org:unit_create", args=[tree.township_a1.pk]))
    assert page.status_code == 200
    offered = {str(code) for code, _label in page.context["form"].fields["unit_type"].choices if code}
    assert "community" in offered and "judicial_office" in offered and "grid" not in offered
    boundary = testing.square(103.25, 29.25, 0.1)
    response = post(
        client,
        "org:unit_create",
        tree.township_a1,
        {
            "name": "甲一新社区",
            "short_name": "新社区",
            "code": "510101001099",
            "unit_type": "community",
            "contact_phone": "0833-7654321",
            "address": "甲一镇新街 1 号",
            "working_hours": "工作日 9:00-17:00",
            "boundary": json.dumps(boundary),
            "reason": "新设社区",
        },
    )
    created = Unit.objects.get(code="510101001099")
    assert response.status_code == 302 and response["Location"] == reverse("org:unit_detail", args=[created.pk])
    assert Unit.objects.get_parent(created) == tree.township_a1
    assert created.unit_type_id == "community" and created.boundary == boundary and created.min_lon == 103.25
    event = unit_events(created)[0]
    assert event.kind == "create" and event.reason == "新设社区" and event.actor.username == "admin-a"
    html = client.get(response["Location"]).content.decode()
    assert "已新建单位“甲一新社区”。" in html


def test_the_admin_edits_a_unit(tree: testing.Tree) -> None:
    client = signed_in(county_admin(tree))
    page = client.get(reverse("org:unit_update", args=[tree.township_a1.pk]))
    form = page.context["form"]
    assert form["name"].value() == "甲一镇" and json.loads(form["boundary"].value())["type"] == "Polygon"
    data = {name: form[name].value() or "" for name in form.fields}
    data.update(name="甲一街道", contact_phone="0833-1111111", reason="更名")
    response = post(client, "org:unit_update", tree.township_a1, data)
    assert response.status_code == 302
    unit = Unit.objects.get(pk=tree.township_a1.pk)
    assert unit.name == "甲一街道" and unit.contact_phone == "0833-1111111" and unit.boundary is not None
    event = unit_events(unit)[-1]
    assert event.kind == "update" and event.reason == "更名"
    assert event.changes["name"] == ("甲一镇", "甲一街道")
    assert "boundary" not in event.changes
    assert "已保存“甲一街道”的修改。" in client.get(response["Location"]).content.decode()


def test_the_admin_moves_a_unit_within_their_scope(tree: testing.Tree) -> None:
    client = signed_in(county_admin(tree))
    page = client.get(reverse("org:unit_move", args=[tree.community_a1.pk]))
    offered = [pk for pk, _label in page.context["form"].fields["parent"].choices if pk]
    assert offered == [tree.township_a2.pk]  # not its own parent, not county B's townships
    response = post(client, "org:unit_move", tree.community_a1, {"parent": tree.township_a2.pk, "reason": "区划调整"})
    assert response.status_code == 302
    assert Unit.objects.get_parent(Unit.objects.get(pk=tree.community_a1.pk)) == tree.township_a2
    event = AuditEvent.objects.get(object_id=str(tree.community_a1.pk), data__op="move")
    assert event.reason == "区划调整" and event.after == {"parent": tree.township_a2.pk}
    assert "已将“甲一社区”移到“甲二镇”之下。" in client.get(response["Location"]).content.decode()


def test_moving_to_a_parent_outside_the_manage_scope_is_refused(tree: testing.Tree) -> None:
    township_b = testing.unit(tree.county_b, "township", "乙一镇")
    client = signed_in(county_admin(tree))
    response = post(client, "org:unit_move", tree.community_a1, {"parent": township_b.pk, "reason": "区划调整"})
    assert response.status_code == 400
    assert "请选择列表中的上级单位。" in response.content.decode()
    assert Unit.objects.get_parent(Unit.objects.get(pk=tree.community_a1.pk)) == tree.township_a1


def test_the_admin_deletes_an_empty_unit_after_confirming(tree: testing.Tree) -> None:
    client = signed_in(county_admin(tree))
    page = client.get(reverse("org:unit_delete", args=[tree.judicial_office_a1.pk]))
    assert page.status_code == 200 and "确定要删除“甲一镇司法所”吗？" in page.content.decode()
    assert Unit.objects.filter(pk=tree.judicial_office_a1.pk).exists()  # GET changes nothing
    missing_reason = post(client, "org:unit_delete", tree.judicial_office_a1, {"reason": ""})
    assert missing_reason.status_code == 400 and "请填写原因。" in missing_reason.content.decode()
    assert Unit.objects.filter(pk=tree.judicial_office_a1.pk).exists()
    response = post(client, "org:unit_delete", tree.judicial_office_a1, {"reason": "机构撤并"})
    assert response.status_code == 302
    assert response["Location"] == reverse("org:unit_detail", args=[tree.township_a1.pk])
    assert not Unit.objects.filter(pk=tree.judicial_office_a1.pk).exists()
    event = AuditEvent.objects.get(kind="delete", object_id=str(tree.judicial_office_a1.pk))
    assert event.reason == "机构撤并" and event.before["name"] == "甲一镇司法所"
    assert "已删除单位“甲一镇司法所”。" in client.get(response["Location"]).content.decode()


def test_a_unit_holding_people_is_neither_deleted_nor_moved(tree: testing.Tree) -> None:
    testing.person("worker", role="grid_worker", unit_=tree.grid_a1)
    client = signed_in(county_admin(tree))
    before = AuditEvent.objects.count()
    deleted = post(client, "org:unit_delete", tree.grid_a1, {"reason": "撤销网格"})
    assert deleted.status_code == 409
    assert "“甲一社区第一网格”及其下级单位仍有" in deleted.content.decode()
    assert "不能删除；请先移交。" in deleted.content.decode()
    assert Unit.objects.filter(pk=tree.grid_a1.pk).exists()
    moved = post(client, "org:unit_move", tree.community_a1, {"parent": tree.township_a2.pk, "reason": "区划调整"})
    assert moved.status_code == 409 and "不能移动；请先移交。" in moved.content.decode()
    assert Unit.objects.get_parent(Unit.objects.get(pk=tree.community_a1.pk)) == tree.township_a1
    assert AuditEvent.objects.count() == before


def test_a_unit_holding_matters_is_neither_moved_nor_deleted(tree: testing.Tree) -> None:
    from zhili.matters import actions

    actions.receive(
        actor=testing.person("clerk-a2", role="clerk", unit_=tree.township_a2),
        channel="walk_in",
        description="楼上邻居装修每天早上七点就开始电钻，老人睡不好觉",
        category="neighbor",
        intake_unit=tree.township_a2,
    )
    client = signed_in(testing.person("admin-city", role="admin", unit_=tree.city))
    events = AuditEvent.objects.count()
    moved = post(client, "org:unit_move", tree.township_a2, {"parent": tree.county_b.pk, "reason": "区划调整"})
    assert moved.status_code == 409
    html = moved.content.decode()
    assert "“甲二镇”及其下级单位仍有" in html and "事项" in html and "不能移动；请先移交。" in html
    assert Unit.objects.get_parent(Unit.objects.get(pk=tree.township_a2.pk)) == tree.county_a
    deleted = post(client, "org:unit_delete", tree.township_a2, {"reason": "撤并"})
    assert deleted.status_code == 409 and "不能删除；请先移交。" in deleted.content.decode()
    assert Unit.objects.filter(pk=tree.township_a2.pk).exists()
    assert AuditEvent.objects.count() == events


def test_a_clerk_is_refused_with_403_and_nothing_changes(tree: testing.Tree) -> None:
    clerk = signed_in(testing.person(role="clerk", unit_=tree.township_a1))
    for name in MANAGE_URLS:
        assert clerk.get(reverse(name, args=[tree.community_a1.pk])).status_code == 403
    before = AuditEvent.objects.count()
    created = post(
        clerk, "org:unit_create", tree.township_a1, {"name": "新社区", "code": "X1", "unit_type": "community"}
    )
    edited = post(clerk, "org:unit_update", tree.community_a1, {"name": "改名", "code": tree.community_a1.code})
    moved = post(clerk, "org:unit_move", tree.community_a1, {"parent": tree.township_a2.pk, "reason": "调整"})
    deleted = post(clerk, "org:unit_delete", tree.judicial_office_a1, {"reason": "撤并"})
    assert [r.status_code for r in (created, edited, moved, deleted)] == [403, 403, 403, 403]
    assert not Unit.objects.filter(code="X1").exists()
    assert Unit.objects.get(pk=tree.community_a1.pk).name == "甲一社区"
    assert Unit.objects.filter(pk=tree.judicial_office_a1.pk).exists()
    assert AuditEvent.objects.count() == before


def test_an_admin_of_another_county_gets_404(tree: testing.Tree) -> None:
    other = signed_in(testing.person("admin-b", role="admin", unit_=tree.county_b))
    for name in MANAGE_URLS:
        assert other.get(reverse(name, args=[tree.township_a1.pk])).status_code == 404
    response = post(other, "org:unit_delete", tree.judicial_office_a1, {"reason": "撤并"})
    assert response.status_code == 404
    assert Unit.objects.filter(pk=tree.judicial_office_a1.pk).exists()


def test_posting_without_the_csrf_token_is_refused(tree: testing.Tree) -> None:
    client = signed_in(county_admin(tree))
    response = client.post(reverse("org:unit_delete", args=[tree.judicial_office_a1.pk]), {"reason": "撤并"})
    assert response.status_code == 403
    assert Unit.objects.filter(pk=tree.judicial_office_a1.pk).exists()


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"name": ""}, "请填写单位名称。"),
        ({"code": "TAKEN"}, "单位代码“TAKEN”已被使用。"),
        ({"unit_type": "city"}, "请选择列表中的单位类型。"),
        ({"boundary": "{not json"}, "边界须为有效的 JSON。"),
        ({"boundary": json.dumps({"type": "Point", "coordinates": [103.1, 29.1]})}, "边界须为 GeoJSON 的 Polygon"),
    ],
)
def test_invalid_input_is_shown_and_nothing_is_written(
    tree: testing.Tree, change: dict[str, str], message: str
) -> None:
    testing.unit(tree.county_b, "township", "乙一镇", code="TAKEN")
    client = signed_in(county_admin(tree))
    units, events = Unit.objects.count(), AuditEvent.objects.count()
    data = {"name": "新社区", "code": "NEW1", "unit_type": "community", "reason": "", **change}
    response = post(client, "org:unit_create", tree.township_a1, data)
    assert response.status_code == 400
    html = response.content.decode()
    assert message in html and "is-invalid" in html
    assert Unit.objects.count() == units and AuditEvent.objects.count() == events


def test_editing_to_a_taken_code_or_an_empty_name_is_refused(tree: testing.Tree) -> None:
    client = signed_in(county_admin(tree))
    events = AuditEvent.objects.count()
    taken = post(client, "org:unit_update", tree.community_a1, {"name": "甲一社区", "code": tree.grid_a1.code})
    assert taken.status_code == 400
    assert f"单位代码“{tree.grid_a1.code}”已被使用。" in taken.content.decode()
    empty = post(client, "org:unit_update", tree.community_a1, {"name": " ", "code": tree.community_a1.code})
    assert empty.status_code == 400 and "请填写单位名称。" in empty.content.decode()
    assert Unit.objects.get(pk=tree.community_a1.pk).code == tree.community_a1.code
    assert AuditEvent.objects.count() == events
