"""Loading the shipped taxonomy and guarding its codes."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from zhili.core.errors import DomainError
from zhili.core.memo import ProcessCache
from zhili.taxonomy.models import Category, CoHandlingRule, Kind, RiskLevel, Term, UnitType

DATA = Path(__file__).resolve().parent / "data" / "taxonomy.json"
RISK_RANKS = {"red": 3, "yellow": 2, "green": 1}
# The contract names unit types in Chinese only; English labels for the English interface.
UNIT_TYPES_EN = {
    "grid": "Grid",
    "community": "Village / community",
    "township": "Township / street",
    "county": "County / district",
    "city": "City",
    "judicial_office": "Judicial office (people's mediation committee)",
    "police_station": "Police station",
    "traffic_police": "Traffic police brigade",
    "human_resources": "Human resources and social security (labour inspection)",
    "housing": "Housing and urban-rural development",
    "natural_resources": "Natural resources",
    "agriculture": "Agriculture and rural affairs",
    "ecology": "Ecology and environment",
    "health": "Health commission (medical dispute mediation)",
    "market_regulation": "Market regulation",
    "culture_tourism": "Culture, radio, TV and tourism",
    "urban_management": "Urban management and law enforcement",
    "emergency_management": "Emergency management (fire)",
    "civil_affairs": "Civil affairs",
    "women_federation": "Women's federation",
    "court": "People's court (litigation-mediation link)",
    "petition_bureau": "Petition bureau",
    "legal_aid_center": "Legal aid centre",
    "notary_office": "Notary office",
    "arbitration_commission": "Arbitration commission",
    "appraisal_institution": "Forensic appraisal institution",
}


@cache
def shipped() -> dict[str, Any]:
    """The reference taxonomy as shipped in the package (never edited at run time)."""
    with DATA.open(encoding="utf-8") as handle:
        data: dict[str, Any] = json.load(handle)
    return data


@transaction.atomic
def sync_builtin() -> int:
    """Create every shipped term that is missing; keep labels administrators have edited.

    Returns how many terms were created. Running it twice creates nothing.
    """
    data = shipped()
    created = 0

    def ensure(model: type[Term], code: str, **fields: Any) -> Any:
        nonlocal created
        obj, was_created = model._default_manager.get_or_create(code=code, defaults={**fields, "builtin": True})
        if not was_created and not obj.builtin:
            model._default_manager.filter(pk=code).update(builtin=True)
        created += was_created
        return obj

    for code, term in data["kinds"].items():
        ensure(Kind, code, name_zh=term["zh"], name_en=term["en"])
    for code, term in data["unit_types"].items():
        name_en = term.get("en") or UNIT_TYPES_EN.get(code, "")
        ensure(UnitType, code, name_zh=term["zh"], name_en=name_en, level=term.get("level"))
    for code, term in data["categories"].items():
        ensure(Category, code, name_zh=term["zh"], name_en=term["en"], kind_id=term["kind"], lead_id=term["lead"])
    for code, term in data["risk_levels"].items():
        ensure(RiskLevel, code, name_zh=term["zh"], name_en=code, definition=term["en"], rank=RISK_RANKS[code])
    for code, unit_types in data["co_handling"].items():
        if code == "about":
            continue
        rule = ensure(CoHandlingRule, code, name_zh=code, name_en=code.replace("_", " "))
        if not rule.unit_types.exists():
            rule.unit_types.set(unit_types)
    return created


def sync_after_migrate(**kwargs: Any) -> None:
    if kwargs.get("plan") == [] and Kind.objects.exists():
        return
    sync_builtin()


def delete_term(term: Term) -> None:
    """Delete an administrator's own term; shipped codes and codes in use stay."""
    if term.builtin:
        raise DomainError(
            "taxonomy_builtin", _("“%(code)s”是内置代码，不能删除；如不再使用，可停用。") % {"code": term.code}
        )
    try:
        with transaction.atomic():
            term.delete()
    except models.ProtectedError:
        raise DomainError(
            "taxonomy_in_use", _("“%(code)s”正在使用中，不能删除；可停用。") % {"code": term.code}
        ) from None


@dataclass(frozen=True)
class ActiveCodes:
    """The codes intake accepts: active kinds, active categories with their kind, risk levels."""

    kinds: frozenset[str]
    categories: dict[str, str]
    risks: frozenset[str]


def _load_codes() -> ActiveCodes:
    return ActiveCodes(
        kinds=frozenset(Kind.objects.filter(active=True).values_list("code", flat=True)),
        categories=dict(Category.objects.filter(active=True).values_list("code", "kind_id")),
        risks=frozenset(RiskLevel.objects.values_list("code", flat=True)),
    )


_codes = ProcessCache(_load_codes)
_codes.clear_on_change(Kind, Category, RiskLevel)


def active_codes() -> ActiveCodes:
    """Read for every matter registered; kept per process (zhili.core.memo)."""
    return _codes.get()


def _load_terms() -> dict[str, list[tuple[str, str, str]]]:
    """(code, Chinese name, English name) of the terms in use, by model, in pick-list order."""
    return {
        "kind": list(Kind.objects.filter(active=True).order_by("code").values_list("code", "name_zh", "name_en")),
        "category": list(
            Category.objects.filter(active=True).order_by("kind_id", "code").values_list("code", "name_zh", "name_en")
        ),
        # Every risk level: they cannot be switched off.
        "risk": list(RiskLevel.objects.order_by("-rank").values_list("code", "name_zh", "name_en")),
    }


_terms = ProcessCache(_load_terms)
_terms.clear_on_change(Kind, Category, RiskLevel)


def choices(taxonomy: str) -> list[tuple[str, str]]:
    """(code, label) of a taxonomy's terms in use ("kind", "category" or "risk"), labelled in the
    active language as Term.label: the pick-lists of every filter form; kept per process."""
    english = (get_language() or "").startswith("en")
    return [(code, (name_en if english and name_en else name_zh)) for code, name_zh, name_en in _terms.get()[taxonomy]]


_risk_ranks = ProcessCache(lambda: dict(RiskLevel.objects.values_list("code", "rank")))
_risk_ranks.clear_on_change(RiskLevel)


def risk_ranks() -> dict[str, int]:
    """Each risk level's rank (larger is more serious), for ordering lists red first without a
    join; kept per process."""
    return _risk_ranks.get()
