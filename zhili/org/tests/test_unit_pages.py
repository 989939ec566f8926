"""Unit pages: list, detail and exports stay inside the viewer's subtree; the list does not
grow its query count with the number of units."""

from __future__ import annotations

import csv
import io

import openpyxl
import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts.models import User

pytestmark = pytest.mark.django_db


def signed_in(user: User) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_list_shows_the_subtree_only(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    response = signed_in(clerk).get(reverse("org:unit_list"))
    names = {unit.name for unit in response.context["object_list"]}
    assert names == {"甲一镇", "甲一社区", "甲一社区第一网格", "甲一镇司法所"}
    html = response.content.decode()
    assert "乙县" not in html and "甲县城关派出所" not in html


def test_the_list_filters_by_keyword_and_parent(tree: testing.Tree) -> None:
    leader = testing.person(role="leader", unit_=tree.county_a)
    client = signed_in(leader)
    found = client.get(reverse("org:unit_list"), {"q": "司法所"}).context["object_list"]
    assert [u.name for u in found] == ["甲一镇司法所"]
    children = client.get(reverse("org:unit_list"), {"parent": tree.county_a.pk}).context["object_list"]
    assert {u.name for u in children} == {"甲一镇", "甲二镇", "甲县城关派出所"}


def test_the_list_pages_through_many_units_with_a_fixed_number_of_queries(
    tree: testing.Tree, django_assert_max_num_queries
) -> None:
    admin = testing.person(role="admin", unit_=tree.city)
    client = signed_in(admin)
    client.get(reverse("org:unit_list"))  # warm caches (content types, session)
    for number in range(60):
        testing.unit(tree.community_a1, "grid", f"网格{number:02d}")
    with django_assert_max_num_queries(12):
        response = client.get(reverse("org:unit_list"))
    assert len(response.context["object_list"]) == 50
    assert response.context["paginator"].count == 69
    html = response.content.decode()
    assert "共 69 条，第 1/2 页" in html and "page=2" in html


def test_units_outside_the_subtree_answer_404(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    client = signed_in(clerk)
    for unit in (tree.county_b, tree.county_a, tree.city, tree.township_a2):
        assert client.get(reverse("org:unit_detail", args=[unit.pk])).status_code == 404
    resident = signed_in(testing.person("resident"))
    assert resident.get(reverse("org:unit_detail", args=[tree.township_a1.pk])).status_code == 404
    assert list(resident.get(reverse("org:unit_list")).context["object_list"]) == []


def test_the_detail_links_only_ancestors_in_reach(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    html = signed_in(clerk).get(reverse("org:unit_detail", args=[tree.community_a1.pk])).content.decode()
    for ancestor in (tree.city, tree.county_a):
        assert ancestor.name in html
        assert reverse("org:unit_detail", args=[ancestor.pk]) not in html
    assert reverse("org:unit_detail", args=[tree.township_a1.pk]) in html
    assert reverse("org:unit_detail", args=[tree.grid_a1.pk]) in html  # the child


def test_the_detail_shows_contact_hours_boundary_children_and_people(tree: testing.Tree) -> None:
    from zhili.org import services

    services.update_unit(tree.township_a1, contact_phone="0833-1234567", working_hours="工作日 9:00-17:00")
    leader = testing.person(role="leader", unit_=tree.county_a)
    testing.person("mediator", role="mediator", unit_=tree.township_a1, full_name="张调解")
    testing.person("elsewhere", role="clerk", unit_=tree.county_b, full_name="李乙县")
    html = signed_in(leader).get(reverse("org:unit_detail", args=[tree.township_a1.pk])).content.decode()
    assert "0833-1234567" in html and "工作日 9:00-17:00" in html
    assert "已设置" in html  # the test tree gives 甲一镇 a boundary
    assert "甲一社区" in html and "甲一镇司法所" in html
    assert "张调解" in html and "调解员" in html and "李乙县" not in html
    police = signed_in(leader).get(reverse("org:unit_detail", args=[tree.police_a.pk])).content.decode()
    assert "未设置" in police and "没有下级单位" in police


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
def test_exports_hold_only_units_in_reach(tree: testing.Tree, fmt: str) -> None:
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    response = signed_in(clerk).get(reverse("org:unit_list"), {"export": fmt, "q": "甲一"})
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if fmt == "csv":
        table = list(csv.reader(io.StringIO(body.decode("utf-8-sig"))))
    else:
        sheet = openpyxl.load_workbook(io.BytesIO(body)).active
        table = [list(row) for row in sheet.iter_rows(values_only=True)]
    assert table[0][:2] == ["代码", "名称"]
    assert sorted(row[1] for row in table[1:]) == sorted(["甲一镇", "甲一社区", "甲一社区第一网格", "甲一镇司法所"])


def test_the_export_links_keep_the_filters(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.township_a1)
    html = signed_in(clerk).get(reverse("org:unit_list"), {"q": "社区", "page": "1"}).content.decode()
    assert 'href="?q=%E7%A4%BE%E5%8C%BA&amp;export=csv"' in html
    assert 'href="?q=%E7%A4%BE%E5%8C%BA&amp;export=xlsx"' in html


def test_unit_types_are_labelled_in_english_on_english_pages(tree: testing.Tree) -> None:
    leader = testing.person(role="leader", unit_=tree.county_a)
    html = signed_in(leader).get(reverse("org:unit_list"), HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Units" in html and "Unit type" in html
