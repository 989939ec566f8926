from __future__ import annotations

import pytest

from zhili import testing
from zhili.audit.models import AuditEvent
from zhili.core.errors import Conflict, DomainError
from zhili.org import services
from zhili.org.models import Unit

pytestmark = pytest.mark.django_db


def test_units_nest_one_territorial_level_at_a_time(tree: testing.Tree) -> None:
    with pytest.raises(DomainError) as error:
        services.create_unit(parent=tree.county_a, unit_type="grid", name="跳级网格", code="G-1")
    assert error.value.code == "unit_level_mismatch" and error.value.field == "parent"
    with pytest.raises(DomainError) as error:
        services.create_unit(parent=None, unit_type="county", name="孤县", code="C-1")
    assert error.value.code == "unit_needs_parent"
    with pytest.raises(DomainError) as error:
        services.create_unit(parent=tree.police_a, unit_type="community", name="警务社区", code="C-2")
    assert error.value.code == "unit_parent_is_department"
    with pytest.raises(DomainError) as error:
        services.create_unit(parent=tree.grid_a1, unit_type="police_station", name="网格警务室", code="P-1")
    assert error.value.code == "unit_department_under_grid"
    assert not Unit.objects.filter(code__in=["G-1", "C-1", "C-2", "P-1"]).exists()


def test_unit_codes_are_unique(tree: testing.Tree) -> None:
    with pytest.raises(DomainError) as error:
        services.create_unit(parent=tree.county_a, unit_type="township", name="重码镇", code=tree.township_a1.code)
    assert error.value.code == "unit_code_taken" and error.value.field == "code"


def test_a_code_taken_between_the_check_and_the_write_is_refused_the_same_way(
    tree: testing.Tree, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Two administrators saving the same new code at once both pass the check; the unique index
    # turns the second write away, and it is told so in the same words, with nothing written.
    monkeypatch.setattr(services, "_check_code", lambda code, exclude=None: None)
    with pytest.raises(DomainError) as error:
        services.create_unit(parent=tree.county_a, unit_type="township", name="重码镇", code=tree.township_a1.code)
    assert error.value.code == "unit_code_taken" and error.value.field == "code"
    with pytest.raises(DomainError) as error:
        services.update_unit(tree.township_a2, code=tree.township_a1.code)
    assert error.value.code == "unit_code_taken"
    assert not Unit.objects.filter(name="重码镇").exists()
    assert Unit.objects.get(pk=tree.township_a2.pk).code != tree.township_a1.code


def test_invalid_boundaries_are_refused(tree: testing.Tree) -> None:
    bowtie = {"type": "Polygon", "coordinates": [[[0, 0], [1, 1], [1, 0], [0, 1], [0, 0]]]}
    for boundary, code in (({"type": "Point", "coordinates": [1, 2]}, "boundary_type"), (bowtie, "boundary_invalid")):
        with pytest.raises(DomainError) as error:
            services.update_unit(tree.grid_a1, boundary=boundary)
        assert error.value.code == code and error.value.field == "boundary"


def test_point_lookup_finds_the_deepest_unit(tree: testing.Tree) -> None:
    assert services.locate(103.05, 29.05) == tree.grid_a1
    assert services.locate(103.2, 29.2) == tree.community_a1
    assert services.locate(103.4, 29.4) == tree.township_a1
    assert services.locate(103.7, 29.7) == tree.county_a
    assert services.locate(104.5, 29.5) == tree.county_b
    assert services.locate(120.0, 30.0) is None
    within = Unit.objects.filter(path__startswith=tree.county_b.path)
    assert services.locate(103.05, 29.05, within=within) is None


def test_boundary_change_is_seen_by_lookup(tree: testing.Tree) -> None:
    services.update_unit(tree.grid_a1, boundary=testing.square(103.2, 29.2, 0.05))
    assert services.locate(103.05, 29.05) == tree.community_a1
    assert services.locate(103.22, 29.22) == tree.grid_a1


def test_moving_a_unit_that_holds_people_is_refused(tree: testing.Tree) -> None:
    testing.person("worker", role="grid_worker", unit_=tree.grid_a1)
    with pytest.raises(Conflict) as error:
        services.move_unit(tree.community_a1, tree.township_a2)
    assert error.value.code == "unit_has_holdings"
    assert "任职" in error.value.message
    tree.community_a1.refresh_from_db()
    assert tree.community_a1.path.startswith(tree.township_a1.path)


def test_moving_an_empty_subtree_carries_its_descendants(tree: testing.Tree) -> None:
    services.move_unit(tree.community_a1, tree.township_a2, reason="区划调整")
    grid = Unit.objects.get(pk=tree.grid_a1.pk)
    assert grid.path.startswith(Unit.objects.get(pk=tree.township_a2.pk).path)
    assert Unit.objects.get_parent(Unit.objects.get(pk=tree.community_a1.pk)) == tree.township_a2
    event = AuditEvent.objects.filter(object_id=str(tree.community_a1.pk), data__op="move").get()
    assert event.reason == "区划调整"
    assert event.after == {"parent": tree.township_a2.pk}


def test_moving_under_itself_or_to_a_wrong_level_is_refused(tree: testing.Tree) -> None:
    with pytest.raises(DomainError) as error:
        services.move_unit(tree.township_a1, tree.grid_a1)
    assert error.value.code == "unit_move_cycle"
    with pytest.raises(DomainError) as error:
        services.move_unit(tree.community_a1, tree.county_b)
    assert error.value.code == "unit_level_mismatch"


def test_deleting_is_refused_with_children_or_holdings(tree: testing.Tree) -> None:
    with pytest.raises(Conflict) as error:
        services.delete_unit(tree.community_a1)
    assert error.value.code == "unit_has_children"
    testing.person("worker", role="grid_worker", unit_=tree.grid_a1)
    with pytest.raises(Conflict) as error:
        services.delete_unit(tree.grid_a1)
    assert error.value.code == "unit_has_holdings"
    assert Unit.objects.filter(pk=tree.grid_a1.pk).exists()


def test_deleting_an_empty_leaf_is_logged(tree: testing.Tree) -> None:
    services.delete_unit(tree.judicial_office_a1, reason="机构撤并")
    assert not Unit.objects.filter(pk=tree.judicial_office_a1.pk).exists()
    event = AuditEvent.objects.get(kind="delete", object_id=str(tree.judicial_office_a1.pk))
    assert event.reason == "机构撤并" and event.before["name"] == "甲一镇司法所"
    assert Unit.objects.get(pk=tree.township_a1.pk).numchild == 1
