from __future__ import annotations

import json
from pathlib import Path

import pytest

from zhili.core.errors import DomainError
from zhili.org.models import Unit
from zhili.taxonomy import services
from zhili.taxonomy.models import Category, CoHandlingRule, Kind, RiskLevel, UnitType

CONTRACT = Path(__file__).resolve().parents[3].parent / "shared" / "contracts" / "taxonomy.json"


@pytest.mark.skipif(not CONTRACT.exists(), reason="../shared/contracts is absent (a user's own clone)")
def test_shipped_taxonomy_equals_the_contract() -> None:
    shipped = json.loads(services.DATA.read_text(encoding="utf-8"))
    assert shipped == json.loads(CONTRACT.read_text(encoding="utf-8"))


@pytest.mark.django_db
def test_database_holds_every_shipped_code() -> None:
    data = services.shipped()
    assert set(Kind.objects.values_list("code", flat=True)) >= set(data["kinds"])
    assert set(Category.objects.values_list("code", flat=True)) >= set(data["categories"])
    assert set(UnitType.objects.values_list("code", flat=True)) >= set(data["unit_types"])
    assert set(RiskLevel.objects.values_list("code", flat=True)) >= set(data["risk_levels"])
    assert set(CoHandlingRule.objects.values_list("code", flat=True)) == set(data["co_handling"]) - {"about"}
    assert Category.objects.get(code="labor_wage").lead_id == "human_resources"
    assert UnitType.objects.get(code="grid").level == 5
    assert set(CoHandlingRule.objects.get(code="domestic_violence").unit_types.values_list("code", flat=True)) == {
        "police_station",
        "women_federation",
    }
    assert list(RiskLevel.objects.values_list("code", flat=True)) == ["red", "yellow", "green"]


@pytest.mark.django_db
def test_sync_is_idempotent_and_keeps_edited_labels() -> None:
    Category.objects.filter(code="neighbor").update(name_zh="邻里矛盾")
    assert services.sync_builtin() == 0
    assert Category.objects.get(code="neighbor").name_zh == "邻里矛盾"


@pytest.mark.django_db
def test_shipped_codes_cannot_be_deleted() -> None:
    with pytest.raises(DomainError) as error:
        services.delete_term(Category.objects.get(code="neighbor"))
    assert error.value.code == "taxonomy_builtin"
    assert Category.objects.filter(code="neighbor").exists()


@pytest.mark.django_db
def test_an_added_code_in_use_cannot_be_deleted_but_an_unused_one_can(tree) -> None:  # type: ignore[no-untyped-def]
    station = UnitType.objects.create(code="mediation_station", name_zh="调解工作室")
    spare = UnitType.objects.create(code="spare", name_zh="备用")
    Unit.objects.add_child(tree.township_a1, instance=Unit(code="X1", name="老杨调解工作室", unit_type=station))
    with pytest.raises(DomainError) as error:
        services.delete_term(station)
    assert error.value.code == "taxonomy_in_use"
    services.delete_term(spare)
    assert not UnitType.objects.filter(code="spare").exists()
