"""Loading the shipped taxonomy and guarding its codes."""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path
from typing import Any

from django.db import models, transaction
from django.utils.translation import gettext as _

from zhili.core.errors import DomainError
from zhili.taxonomy.models import Category, CoHandlingRule, Kind, RiskLevel, Term, UnitType

DATA = Path(__file__).resolve().parent / "data" / "taxonomy.json"
RISK_RANKS = {"red": 3, "yellow": 2, "green": 1}


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
        ensure(UnitType, code, name_zh=term["zh"], name_en=term.get("en", ""), level=term.get("level"))
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
