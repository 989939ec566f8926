"""Jurisdiction resolution (属地): point, address and text → the territorial unit."""

from __future__ import annotations

import time
from collections.abc import Iterator
from typing import Any

import pytest
from django.db import transaction
from django.test import override_settings

from zhili import testing
from zhili.demo import data, loader
from zhili.org import services as org
from zhili.org.models import Unit
from zhili.triage import jurisdiction
from zhili.triage.jurisdiction import Jurisdiction, resolve, short_forms

pytestmark = pytest.mark.django_db

TERRITORIAL = {"city", "county", "township", "community", "grid"}
COUNTIES = [(code, name, short) for code, name, short, _place, _townships in data.COUNTIES]
TOWNSHIPS = [
    (f"{code}{number:03d}", county, short, township)
    for code, county, short, _place, townships in data.COUNTIES
    for number, township in enumerate(townships, start=1)
]
SPECS = {spec.code: spec for spec in data.units()}


@pytest.fixture(scope="class")
def demo(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """The demo organisation of 乐山市, loaded once per class; each test runs in a savepoint."""
    hasher = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hasher), transaction.atomic():
        loader.load()
        yield
        transaction.set_rollback(True)


def code_of(found: Jurisdiction | None) -> str | None:
    return found.code if found else None


@pytest.mark.parametrize(
    ("name", "forms"),
    [
        ("滨江街道", {"滨江"}),
        ("青平镇", {"青平"}),
        ("云岭乡", {"云岭"}),
        ("五通桥区", {"五通桥"}),
        ("犍为县", {"犍为"}),
        ("乐山市", {"乐山"}),
        ("峨眉山市", {"峨眉山", "峨眉"}),
        ("峨边彝族自治县", {"峨边", "峨边县"}),
        ("马边彝族自治县", {"马边", "马边县"}),
        ("和平彝族乡", {"和平彝族", "和平"}),
        ("和平社区", set()),
        ("新民村", set()),
        ("和平社区第一网格", set()),
        ("市中区", {"市中"}),
    ],
)
def test_short_forms(name: str, forms: set[str]) -> None:
    assert short_forms(name) == forms


@pytest.mark.usefixtures("demo")
class TestTheDemoOrganisation:
    @pytest.mark.parametrize(("code", "name", "short"), COUNTIES)
    def test_a_county_from_its_full_address(self, code: str, name: str, short: str) -> None:
        found = resolve(address=f"四川省乐山市{name}人民路12号")
        assert found is not None
        assert (found.code, found.name, found.level, found.how) == (code, name, "county", "address")
        assert name in found.matched
        assert found.confidence >= 0.9

    @pytest.mark.parametrize(("code", "name", "short"), COUNTIES)
    def test_a_county_from_its_short_form_in_a_text(self, code: str, name: str, short: str) -> None:
        found = resolve(text=f"我在{short}这边，隔壁装修天天半夜打电钻，说了好几次都不听")
        assert found is not None
        assert (found.code, found.how, found.matched) == (code, "text", short)
        assert 0.5 <= found.confidence < 0.8  # a short form is less sure than a full name

    def test_emei_by_its_shortest_name(self) -> None:
        assert code_of(resolve(text="峨眉这边的民宿老板不退押金")) == "511181"

    @pytest.mark.parametrize(("code", "county", "county_short", "township"), TOWNSHIPS)
    def test_a_township_by_full_and_short_names(self, code: str, county: str, county_short: str, township: str) -> None:
        stem = SPECS[code].short_name
        full = resolve(address=f"{county}{township}")
        assert full is not None
        assert (full.code, full.level, full.matched, full.confidence) == (code, "township", county + township, 0.95)
        assert code_of(resolve(text=f"{township}的王大爷说邻居占了他家的地")) == code
        short = resolve(text=f"{county_short}{stem}那边有人在河边倒垃圾")
        assert short is not None
        assert (short.code, short.matched) == (code, county_short + stem)
        assert code_of(resolve(text=f"{stem}那边有人在河边倒垃圾")) == code  # every demo township name is unique

    def test_the_address_in_the_issue(self) -> None:
        found = resolve(address="五通桥区盐井街道")
        assert found == Jurisdiction(
            Unit.objects.get(code="511112001").pk,
            "511112001",
            "盐井街道",
            "township",
            "address",
            "五通桥区盐井街道",
            0.95,
        )

    def test_every_community_and_a_grid(self) -> None:
        for spec in data.units():
            if spec.unit_type == "community":
                assert code_of(resolve(text=f"{spec.name}的低保户反映补贴没到账")) == spec.code
        found = resolve(address="乐山市市中区滨江街道和平社区第一网格")
        assert found is not None
        assert (found.code, found.level) == ("511102001001001", "grid")

    def test_the_city_and_its_county_written_together(self) -> None:
        assert code_of(resolve(address="乐山市中区")) == "511102"  # 乐山市 + 市中区 share a character

    def test_a_point_inside_a_boundary_wins(self) -> None:
        grid = SPECS["511102001001001"]
        assert grid.boundary is not None
        found = resolve(text="犍为县文昌镇", address="沐川县", point=data.centre(grid.boundary))
        assert found is not None
        assert (found.code, found.level, found.how, found.confidence) == (grid.code, "grid", "point", 0.95)

    def test_a_point_outside_every_boundary_falls_back_to_the_address(self) -> None:
        found = resolve(address="沐川县竹海镇", point=(116.4, 39.9))
        assert found is not None
        assert (found.code, found.how) == ("511129001", "address")

    def test_the_address_wins_over_the_text(self) -> None:
        found = resolve(text="我老家在井研县", address="夹江县")
        assert (code_of(found), found and found.how) == ("511126", "address")

    def test_the_text_refines_the_address(self) -> None:
        found = resolve(text="滨江那边的夜市油烟太大", address="市中区")
        assert found is not None
        assert (found.code, found.how, found.matched) == ("511102001", "text", "市中区滨江")

    def test_a_township_of_another_county_leaves_the_county(self) -> None:
        found = resolve(address="犍为县榕溪镇")  # 榕溪镇 is 五通桥's in the demo
        assert found is not None
        assert (found.code, found.level) == ("511123", "county")
        assert found.confidence < 0.9

    def test_a_department_is_never_returned(self) -> None:
        for spec in data.units():
            if spec.unit_type in TERRITORIAL:
                continue
            found = resolve(text=f"我去{spec.name}反映过", address=spec.address)
            assert found is not None, spec.name
            assert found.level in TERRITORIAL
        judicial = resolve(text="市中区滨江司法所的调解员来过")
        assert (code_of(judicial), judicial and judicial.level) == ("511102001", "township")
        court = resolve(text="已经在乐山市中级人民法院起诉")
        assert (code_of(court), court and court.level) == ("511100", "city")  # not 市中区

    def test_common_words_and_streets_are_not_places(self) -> None:
        assert resolve(text="城市中心的广场舞太吵了") is None
        assert resolve(text="去市中级人民法院起诉") is None
        assert code_of(resolve(address="市中区滨江路8号")) == "511102"  # a street, not 滨江街道
        assert code_of(resolve(address="市中区滨江街道")) == "511102001"

    def test_two_counties_give_the_city_with_low_confidence(self) -> None:
        found = resolve(text="我住犍为，在沙湾上班，两边都有人欠我工钱")
        assert found is not None
        assert (found.code, found.level) == ("511100", "city")
        assert found.confidence <= 0.4

    def test_an_unknown_place_gives_nothing(self) -> None:
        assert resolve(text="小区门口的垃圾三天没人收了") is None
        assert resolve(address="北京市朝阳区建国路88号") is None
        assert resolve() is None

    def test_a_homonymous_county_elsewhere_is_not_ours(self) -> None:
        assert resolve(address="山东省济南市市中区经十路") is None
        assert resolve(text="我是山东济南市市中区的，来这边旅游被宰") is None
        assert code_of(resolve(address="市中区经十路")) == "511102"

    def test_a_county_level_city_elsewhere_inside_a_township_name_is_ignored(self) -> None:
        # cpca reads 文昌 as 海南's 文昌市; only a county written in full or after its city counts.
        assert code_of(resolve(address="文昌镇工业园区")) == "511123001"
        assert code_of(resolve(text="四川省乐山市犍为县文昌镇人民路5号")) == "511123001"

    def test_cpca_is_not_asked_about_ordinary_texts(self, monkeypatch: pytest.MonkeyPatch) -> None:
        def refuse() -> None:
            raise AssertionError("cpca asked")

        monkeypatch.setattr(jurisdiction, "_cpca", refuse)
        assert code_of(resolve(text="市中区张公桥那边超市里有人打架", address="乐山市犍为县文昌镇")) == "511123001"

    def test_the_index_is_built_once(self, django_assert_num_queries: Any) -> None:
        resolve(text="犍为")
        with django_assert_num_queries(0):
            assert code_of(resolve(text="犍为县文昌镇")) == "511123001"

    def test_a_long_text_resolves_in_well_under_a_millisecond(self) -> None:
        text = ("邻居家装修把我家墙震裂了，找物业也不管，" * 10)[:180] + "五通桥区盐井街道"
        assert len(text) > 180
        assert code_of(resolve(text=text)) == "511112001"
        runs = 200
        start = time.perf_counter()
        for _ in range(runs):
            resolve(text=text)
        assert (time.perf_counter() - start) / runs < 0.0005


def test_an_empty_tree_gives_nothing() -> None:
    assert not Unit.objects.exists()
    assert resolve(text="四川省乐山市犍为县文昌镇", address="犍为县", point=(103.9, 29.2)) is None


def test_a_tree_without_short_names(tree: testing.Tree) -> None:
    emei = testing.unit(tree.city, "county", "峨眉山市")
    ebian = testing.unit(tree.city, "county", "峨边彝族自治县")
    town = testing.unit(emei, "township", "绥山镇")
    assert code_of(resolve(text="峨眉那边")) == emei.code
    assert code_of(resolve(text="峨边县的亲戚")) == ebian.code
    assert code_of(resolve(text="绥山那边")) == town.code
    assert code_of(resolve(text="甲县城关派出所")) == tree.county_a.code  # a department: the unit it serves


def test_numeric_codes_that_are_no_division_codes(tree: testing.Tree) -> None:
    county = testing.unit(tree.city, "county", "丙县", code="100001")
    assert code_of(resolve(address="四川省成都市丙县人民路1号")) == county.code


def test_a_township_named_in_two_counties(tree: testing.Tree) -> None:
    twin = testing.unit(tree.county_b, "township", "甲一镇")
    alone = resolve(text="甲一镇的集市上有人卖假药")
    assert alone is not None
    assert (alone.unit_id, alone.level) == (tree.city.pk, "city")  # their deepest common ancestor
    assert alone.confidence <= 0.4
    assert code_of(resolve(text="乙县甲一镇的集市上有人卖假药")) == twin.code
    assert code_of(resolve(address="甲县甲一镇")) == tree.township_a1.code
    assert code_of(resolve(text="甲一社区")) == tree.community_a1.code  # below the name, unique again


def test_a_point_in_a_department_boundary_gives_the_unit_it_serves(tree: testing.Tree) -> None:
    org.update_unit(tree.police_a, boundary=testing.square(103.6, 29.6, 0.1))
    found = resolve(point=(103.65, 29.65))
    assert found is not None
    assert (found.unit_id, found.how) == (tree.county_a.pk, "point")


def test_the_index_sees_a_renamed_unit(tree: testing.Tree) -> None:
    assert code_of(resolve(text="甲二镇")) == tree.township_a2.code
    org.update_unit(tree.township_a2, name="丙镇")
    assert code_of(resolve(text="丙镇")) == tree.township_a2.code
    assert resolve(text="甲二镇") is None
    testing.unit(tree.township_a2, "community", "丙一村")
    assert code_of(resolve(text="丙一村")) is not None
