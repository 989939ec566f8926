"""The current unit (当前单位): for people who work in several units, the one they are working for
now, kept in the session. It only narrows what the workbench shows by default (the inbox's unit
filter, the intake unit, the menu's counts); what a person may reach still comes from their
memberships through zhili.core.scope, so choosing a unit never widens anything.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhili.accounts.models import Membership
from zhili.core.scope import user_role_paths

SESSION_KEY = "zhili_current_unit"


@dataclass(frozen=True)
class CurrentUnit:
    pk: int
    path: str
    name: str


def has_several_units(user: Any) -> bool:
    """True for staff with memberships in more than one unit (no query beyond the scope's own)."""
    if not getattr(user, "is_authenticated", False):
        return False
    return len({path for _role, path in user_role_paths(user)}) > 1


def my_units(user: Any) -> list[CurrentUnit]:
    """The units the person holds a role in, in tree order."""
    rows = (
        Membership.objects.filter(user=user)
        .order_by("unit__path")
        .values_list("unit_id", "unit__path", "unit__name")
        .distinct()
    )
    return [CurrentUnit(pk, path, name) for pk, path, name in rows]


def current_unit(request: Any) -> CurrentUnit | None:
    """The unit chosen in this session, while the person still holds a role there."""
    user = getattr(request, "user", None)
    session = getattr(request, "session", None)
    if session is None or not has_several_units(user):
        return None
    stored = session.get(SESSION_KEY)
    if not isinstance(stored, dict):
        return None
    try:
        chosen = CurrentUnit(int(stored["pk"]), str(stored["path"]), str(stored["name"]))
    except (KeyError, TypeError, ValueError):
        return None
    if chosen.path not in {path for _role, path in user_role_paths(user)}:
        return None  # the role there was revoked since
    return chosen


def choose_unit(request: Any, unit_id: int | None) -> CurrentUnit | None:
    """Keep `unit_id` as the session's current unit (None: all my units). A unit the person holds
    no role in is ignored, as if "all my units" had been chosen."""
    chosen = next((unit for unit in my_units(request.user) if unit.pk == unit_id), None) if unit_id else None
    if chosen is None:
        request.session.pop(SESSION_KEY, None)
    else:
        request.session[SESSION_KEY] = {"pk": chosen.pk, "path": chosen.path, "name": chosen.name}
    return chosen
