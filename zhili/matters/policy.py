"""Who may perform each step (the state machine in lifecycle.py says when).

Each event kind lists alternatives: a permission (accounts.roles) that the actor must hold over
the matter's lead unit ("lead"), or over any unit the matter is attached to ("matter"), or the
resident who reported it ("reporter"). Until a matter is dispatched, its intake unit is its lead.
"grassroots" is "lead" where the lead is a village (community) or a grid: settling a matter on the
spot (就地化解) belongs there (小事不出村); at a township or county centre and in departments a
matter takes the regular route of dispatch, acceptance and answer.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from zhili.core.scope import scope_for
from zhili.matters.choices import EventKind as E
from zhili.matters.models import Matter
from zhili.matters.timeline import REPORTER_NAME
from zhili.org.models import Unit

LEAD = "lead"
MATTER = "matter"
REPORTER = "reporter"
GRASSROOTS = "grassroots"
GRASSROOTS_LEVEL = 4  # taxonomy unit-type levels: 4 village (community), 5 grid

RULES: dict[str, tuple[tuple[str, str], ...]] = {
    E.TRIAGED: (("matter.dispatch", MATTER),),
    E.DISPATCHED: (("matter.dispatch", MATTER),),
    E.ACCEPTED: (("matter.handle", LEAD),),
    E.RETURNED: (("matter.handle", LEAD),),
    E.TRANSFERRED: (("matter.dispatch", MATTER),),
    E.CO_HANDLING_ADDED: (("matter.dispatch", MATTER), ("matter.handle", LEAD)),
    E.CONTACTED: (("matter.handle", LEAD),),
    # A note, or a file attached (attachments.py): staff who see the matter, and the resident who
    # reported it, to add what the handler asked for (补充材料) or what has changed since.
    E.NOTE: (("matter.view", MATTER), ("", REPORTER)),
    E.ESCALATED: (("matter.handle", LEAD), ("matter.dispatch", MATTER)),
    E.SUPERVISED: (("matter.lead", MATTER),),
    E.SUPERVISION_REPLIED: (("matter.handle", LEAD),),
    E.LEADER_ASSIGNED: (("matter.lead", MATTER),),
    E.EXTENSION_REQUESTED: (("matter.handle", LEAD),),
    E.EXTENSION_APPROVED: (("matter.lead", MATTER),),
    E.EXTENSION_DENIED: (("matter.lead", MATTER),),
    E.ANSWERED: (("matter.handle", LEAD),),
    E.RESOLVED_ON_SPOT: (("matter.handle", GRASSROOTS),),
    E.VISITED: (("matter.dispatch", MATTER), ("matter.handle", LEAD)),
    E.RATED: (("", REPORTER), ("matter.dispatch", MATTER)),
    E.CLOSED: (("matter.dispatch", MATTER),),
    E.REOPENED: (("", REPORTER), ("matter.dispatch", MATTER)),
    E.MERGED: (("matter.dispatch", MATTER),),
    E.WAITING: (("matter.handle", LEAD),),
    E.RESUMED: (("matter.handle", LEAD),),
    # deadline_warned, overdue and leader_alerted are recorded by the platform only.
}


def _unit_paths(matter: Matter) -> list[str]:
    """The paths of the units the matter is attached to, once per matter object (a page asks for
    each step it might offer)."""
    if "_zhili_unit_paths" not in matter.__dict__:
        matter.__dict__["_zhili_unit_paths"] = list(
            Unit.objects.filter(matter_links__matter=matter).values_list("path", flat=True)
        )
    return list(matter.__dict__["_zhili_unit_paths"])


@dataclass(frozen=True)
class VerifiedReporter:
    """The resident who reported a matter without an account, once they have proved with a
    one-time code sent to its reporter phone that the phone is theirs (the portal). They may take
    the reporter's steps on that one matter: rate, reopen, add material."""

    matter_id: int
    pk = None
    is_authenticated = False
    event_name = REPORTER_NAME


def may(actor: Any, matter: Matter, kind: str) -> bool:
    if isinstance(actor, VerifiedReporter):
        return actor.matter_id == matter.pk and any(where == REPORTER for _p, where in RULES.get(kind, ()))
    if actor is None or not actor.is_authenticated:
        return False
    for permission, where in RULES.get(kind, ()):
        if where == REPORTER:
            if matter.reporter_id is not None and matter.reporter_id == actor.pk:
                return True
            continue
        if where == GRASSROOTS and not _at_grassroots(matter):
            continue
        scope = scope_for(actor, permission)
        if scope.everything:
            return True
        if where in (LEAD, GRASSROOTS):
            # Until it is dispatched, a matter sits with the unit that received it.
            if scope.covers((matter.lead_unit or matter.intake_unit).path):
                return True
        elif any(scope.covers(path) for path in _unit_paths(matter)):
            return True
    return False


def _at_grassroots(matter: Matter) -> bool:
    level = (matter.lead_unit or matter.intake_unit).unit_type.level
    return level is not None and level >= GRASSROOTS_LEVEL


def permitted(actor: Any, matter: Matter, kinds: list[str]) -> list[str]:
    return [kind for kind in kinds if may(actor, matter, kind)]
