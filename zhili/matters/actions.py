"""Every change of a matter: intake (`receive`) and the steps of its lifecycle (`perform`).

Each is one transaction that locks the matter, checks the step against the state machine
(lifecycle.py) and the actor's role (policy.py), appends the event and updates the row. Views,
the API, the CLI and the worker call these; nothing else writes a matter.
"""

from __future__ import annotations

import datetime
import hashlib
import json
import operator
import uuid
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import asdict, fields
from typing import Any

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from zhili.accounts.models import User
from zhili.core import pii
from zhili.core.context import current
from zhili.core.errors import Conflict, DomainError
from zhili.core.scope import scope_for
from zhili.matters import lifecycle, notices, policy, reach, timing
from zhili.matters.choices import Channel, EventKind, PartyRole
from zhili.matters.models import Attachment, IntakeKey, Matter, MatterEvent, MatterUnit, Party
from zhili.matters.numbering import next_number
from zhili.org import services as org
from zhili.org.models import Unit
from zhili.search import services as search
from zhili.taxonomy import services as taxonomy

MAX_DESCRIPTION = 20_000
# Choices.values builds a new list on each access; intake and import check every row.
PARTY_ROLES = frozenset(PartyRole.values)
CHANNELS = frozenset(Channel.values)
DATETIME_FIELDS = {"answered_at", "closed_at", "stage_started", "waiting_since"}
UNIT_FIELDS = {"intake_unit", "jurisdiction", "lead_unit"}
USER_FIELDS = {"owner", "leader"}
CODE_FIELDS = {"kind", "category", "risk"}


class TransitionConflict(Conflict):
    """A step the matter's state does not allow; `allowed` lists the steps that are."""

    def __init__(self, refused: lifecycle.TransitionRefused, allowed: list[str]) -> None:
        reason = refused.why or _("当前状态下不能进行此操作。")
        super().__init__("transition_not_allowed", reason)
        self.allowed = allowed
        self.extra = {"allowed": allowed}


# --- the row <-> lifecycle.MatterState ------------------------------------------------------


def state_of(matter: Matter) -> lifecycle.MatterState:
    values: dict[str, Any] = {}
    for f in fields(lifecycle.MatterState):
        name = f.name
        if name == "shared_units":
            values[name] = tuple(matter.units.order_by("id").values_list("unit_id", flat=True))
        elif name in UNIT_FIELDS | USER_FIELDS | CODE_FIELDS:
            value = getattr(matter, f"{name}_id")
            values[name] = value if value is not None or name not in CODE_FIELDS else ""
        elif name in DATETIME_FIELDS:
            value = getattr(matter, name)
            values[name] = value.isoformat() if value else ""
        elif name == "co_units":
            values[name] = tuple(matter.co_units)
        else:
            values[name] = getattr(matter, name)
    return lifecycle.MatterState(**values)


def store(matter: Matter, state: lifecycle.MatterState) -> None:
    """Write the state onto the row (not saved) and sync the unit links."""
    for name, value in asdict(state).items():
        if name == "shared_units":
            continue
        if name in UNIT_FIELDS | USER_FIELDS | CODE_FIELDS:
            setattr(matter, f"{name}_id", value or None)
        elif name in DATETIME_FIELDS:
            setattr(matter, name, datetime.datetime.fromisoformat(value) if value else None)
        elif name == "co_units":
            matter.co_units = list(value)
        else:
            setattr(matter, name, value)


def _link_units(matter: Matter, units: Iterable[int]) -> None:
    units = list(units)
    if not units:
        return
    MatterUnit.objects.bulk_create([MatterUnit(matter=matter, unit_id=u) for u in units], ignore_conflicts=True)
    reach.extend((matter.pk, unit) for unit in units)


def _record(
    matter: Matter, kind: str, actor: Any, at: datetime.datetime, reason: str, data: Mapping[str, Any]
) -> MatterEvent:
    event = _new_event(matter, kind, actor, at, reason, data)
    event.save()
    return event


def _new_event(
    matter: Matter, kind: str, actor: Any, at: datetime.datetime, reason: str, data: Mapping[str, Any]
) -> MatterEvent:
    """The matter's next event, not yet saved; the matter's last_event_seq counts it."""
    context = current()
    matter.last_event_seq += 1
    return MatterEvent(
        matter=matter,
        seq=matter.last_event_seq,
        kind=kind,
        time=at,
        actor=actor if getattr(actor, "pk", None) else None,
        # A resident without an account (policy.VerifiedReporter) is named by their role.
        actor_name=actor.get_username() if getattr(actor, "pk", None) else getattr(actor, "event_name", ""),
        reason=(reason or context.reason or "")[:2000],
        data=dict(data),
        source=context.source,
        address=context.address,
        request_id=context.request_id,
    )


# --- intake -------------------------------------------------------------------------------------


def fingerprint(payload: Mapping[str, Any]) -> str:
    canonical = json.dumps(payload, sort_keys=True, ensure_ascii=False, default=str)
    return hashlib.sha256(canonical.encode()).hexdigest()


def default_intake_unit() -> Unit:
    """Where web, mobile and API reports land before a clerk dispatches them: the top centre."""
    unit = Unit.objects.filter(depth=1).order_by("path").first()
    if unit is None:
        raise DomainError("no_intake_unit", _("尚未建立组织机构，无法受理事项。"))
    return unit


def _clean_parties(parties: Iterable[Mapping[str, Any]]) -> list[Party]:
    cleaned = []
    for index, raw in enumerate(parties):
        name = str(raw.get("name") or "").strip()
        if not name:
            raise DomainError("party_name_required", _("请填写当事人姓名。"), field=f"parties[{index}].name")
        phone = str(raw.get("phone") or "").replace(" ", "").replace("-", "")
        if phone and not pii.PHONE.match(phone):
            raise DomainError("phone_invalid", _("手机号码格式不正确。"), field=f"parties[{index}].phone")
        id_number = str(raw.get("id_number") or "").strip().upper()
        if id_number and not pii.valid_id_number(id_number):
            raise DomainError("id_number_invalid", _("身份证号码不正确。"), field=f"parties[{index}].id_number")
        role = str(raw.get("role") or PartyRole.APPLICANT)
        if role not in PARTY_ROLES:
            raise DomainError("party_role_invalid", _("当事人身份不正确。"), field=f"parties[{index}].role")
        head_count = int(raw.get("head_count") or 1)
        if head_count < 1 or (role != PartyRole.GROUP and head_count != 1):
            raise DomainError("head_count_invalid", _("人数不正确。"), field=f"parties[{index}].head_count")
        cleaned.append(Party(role=role, name=name[:100], phone=phone, id_number=id_number, head_count=head_count))
    return cleaned


def _classify(kind: str, category: str, risk: str) -> tuple[str, str, str]:
    codes = taxonomy.active_codes()
    if category:
        found = codes.categories.get(category)
        if found is None:
            raise DomainError("category_unknown", _("类别“%(code)s”不存在。") % {"code": category}, field="category")
        if kind and kind != found:
            raise DomainError("category_kind_mismatch", _("类别与事项类型不符。"), field="category")
        kind = found
    if not kind or kind not in codes.kinds:
        raise DomainError("kind_unknown", _("请选择有效的事项类型。"), field="kind")
    if risk not in codes.risks:
        raise DomainError("risk_unknown", _("风险等级不正确。"), field="risk")
    return kind, category, risk


def receive(
    *,
    actor: Any,
    channel: str,
    description: str,
    kind: str = "",
    category: str = "",
    risk: str = "green",
    title: str = "",
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    intake_unit: Unit | None = None,
    jurisdiction: Unit | None = None,
    parties: Iterable[Mapping[str, Any]] = (),
    reporter: User | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    anonymous: bool = False,
    idempotency_key: str = "",
    payload_fingerprint: str = "",
    reason: str = "",
    at: datetime.datetime | None = None,
) -> tuple[Matter, bool]:
    """Register a matter from any channel. Returns (matter, created).

    With an idempotency key, the same key returns the same matter (created=False), even when two
    requests race: the key's row, which names the matter, is the transaction's last insert, so of
    two requests with one key the second fails on its unique constraint (on PostgreSQL it waits
    for the first to commit; SQLite writers run one at a time), rolls back everything it wrote
    and returns the first one's matter. The same key with a different payload is refused.
    """
    if channel not in CHANNELS:
        raise DomainError("channel_unknown", _("受理渠道不正确。"), field="channel")
    description = (description or "").strip()
    if not description:
        raise DomainError("description_required", _("请填写诉求内容。"), field="description")
    if len(description) > MAX_DESCRIPTION:
        raise DomainError("description_too_long", _("诉求内容过长（最多两万字）。"), field="description")
    kind, category, risk = _classify(kind, category, risk)
    cleaned_parties = _clean_parties(parties)
    reporter_phone = (reporter_phone or "").replace(" ", "").replace("-", "")
    if reporter_phone and not pii.PHONE.match(reporter_phone):
        raise DomainError("phone_invalid", _("手机号码格式不正确。"), field="reporter_phone")
    for name, value, low, high in (("lon", lon, -180, 180), ("lat", lat, -90, 90)):
        if value is not None and not low <= value <= high:
            raise DomainError("coordinate_invalid", _("经纬度超出范围。"), field=name)
    if intake_unit is None:
        intake_unit = default_intake_unit()
    elif getattr(actor, "pk", None) and not scope_for(actor, "matter.intake").covers(intake_unit.path):
        raise DomainError("intake_unit_not_found", _("受理单位不存在或不在您的管辖范围内。"), field="intake_unit")
    if jurisdiction is None and lon is not None and lat is not None:
        jurisdiction = org.locate(lon, lat)
    now = at or timezone.now()
    data = {
        "kind": kind,
        "category": category,
        "risk": risk,
        "intake_unit": intake_unit.pk,
        "jurisdiction": jurisdiction.pk if jurisdiction else None,
        "channel": channel,
    }
    state = lifecycle.advance(lifecycle.MatterState(), EventKind.CREATED, data, now, getattr(actor, "pk", None))
    matter = Matter(
        channel=channel,
        title=(title or description[:40]).strip()[:200],
        description=description,
        address=address.strip()[:300],
        lon=lon,
        lat=lat,
        reporter=reporter,
        reporter_name=reporter_name.strip()[:60],
        reporter_phone=reporter_phone,
        anonymous=anonymous,
        received_by=actor if getattr(actor, "pk", None) and actor != reporter else None,
        received_at=now,
    )
    store(matter, state)
    timing.refresh(matter, now)
    created = _new_event(matter, EventKind.CREATED, actor, now, reason, data)
    try:
        with transaction.atomic():
            # The year's counter row stays locked from the moment the number is taken until the
            # commit, and every intake needs it: so the matter is written under a placeholder
            # first, and numbered at the end, in one short stretch that holds the lock.
            matter.number = f"~{uuid.uuid4().hex[:30]}"
            matter.save()
            _link_units(matter, state.shared_units)
            for party in cleaned_parties:
                party.matter = matter
            Party.objects.bulk_create(cleaned_parties)
            created.save()
            search.add_received(matter, cleaned_parties)  # one INSERT: findable from its commit on
            matter.number = next_number()
            if matter.risk_id == "red":
                _alert_leaders(matter, now)
            Matter.objects.filter(pk=matter.pk).update(number=matter.number, last_event_seq=matter.last_event_seq)
            notices.received(matter)
            if idempotency_key:
                try:
                    IntakeKey.objects.create(key=idempotency_key, fingerprint=payload_fingerprint, matter=matter)
                except IntegrityError as taken:
                    raise _KeyTaken from taken
    except _KeyTaken:
        return _replay(idempotency_key, payload_fingerprint), False
    # Callers answer with the matter and its parties: give them the parties just written, as
    # prefetch_related would, instead of a query to read them back.
    written = matter.parties.all()
    written._result_cache = cleaned_parties
    written._prefetch_done = True  # type: ignore[attr-defined]
    matter._prefetched_objects_cache = {"parties": written}  # type: ignore[attr-defined]
    return matter, True


class _KeyTaken(Exception):
    """Another request registered a matter under this Idempotency-Key first."""


def _replay(key: str, payload_fingerprint: str) -> Matter:
    """The matter registered earlier under this key, if the payload is the same."""
    existing = IntakeKey.objects.select_related("matter").get(key=key)
    if existing.fingerprint != payload_fingerprint:
        raise Conflict("idempotency_key_reused", _("同一 Idempotency-Key 已用于另一份不同的内容。"))
    assert existing.matter is not None  # intake writes the key with its matter, in one transaction
    return existing.matter


# --- lifecycle steps ----------------------------------------------------------------------------


def _check_step(matter: Matter, kind: str, actor: Any, data: dict[str, Any]) -> dict[str, Any]:
    """Policy checks that need the database; returns the event data to store."""
    if kind in {EventKind.DISPATCHED, EventKind.TRANSFERRED}:
        lead = Unit.objects.filter(pk=data.get("lead_unit")).first()
        if lead is None:
            raise DomainError("unit_not_found", _("牵头单位不存在。"), field="lead_unit")
        co = list(Unit.objects.filter(pk__in=data.get("co_units", [])).values_list("pk", flat=True))
        if len(co) != len(set(data.get("co_units", []))):
            raise DomainError("unit_not_found", _("协办单位不存在。"), field="co_units")
        if kind == EventKind.TRANSFERRED and lead.pk == matter.lead_unit_id:
            raise DomainError("transfer_same_unit", _("请选择另一个单位。"), field="lead_unit")
        return {"lead_unit": lead.pk, "co_units": co} if kind == EventKind.DISPATCHED else {"lead_unit": lead.pk}
    if kind == EventKind.CO_HANDLING_ADDED:
        units = list(Unit.objects.filter(pk__in=data.get("units", [])).values_list("pk", flat=True))
        if not units or len(units) != len(set(data.get("units", []))):
            raise DomainError("unit_not_found", _("协办单位不存在。"), field="units")
        return {"units": units}
    if kind == EventKind.ESCALATED:
        target = escalation_target(matter)
        if target is None:
            raise Conflict("escalation_top", _("已是最高层级，无法继续上报。"))
        return {"unit": target.pk, "from": matter.lead_unit_id or matter.intake_unit_id}
    if kind == EventKind.TRIAGED:
        kind_, category, risk = _classify(
            str(data.get("kind") or matter.kind_id),
            str(data.get("category") or ""),
            str(data.get("risk") or matter.risk_id),
        )
        result: dict[str, Any] = {"kind": kind_, "category": category, "risk": risk}
        if data.get("jurisdiction"):
            if not Unit.objects.filter(pk=data["jurisdiction"]).exists():
                raise DomainError("unit_not_found", _("属地单位不存在。"), field="jurisdiction")
            result["jurisdiction"] = int(data["jurisdiction"])
        return result
    if kind == EventKind.RATED:
        try:
            score = int(data.get("score"))  # type: ignore[arg-type]
        except (TypeError, ValueError):
            score = 0
        if not 1 <= score <= 5:
            raise DomainError("score_invalid", _("评价须为1到5分。"), field="score")
        return {"score": score, "satisfied": bool(data.get("satisfied", score >= 3))}
    if kind == EventKind.REOPENED:
        window = datetime.timedelta(days=settings.MATTER_REOPEN_DAYS)
        if matter.closed_at is None or timezone.now() - matter.closed_at > window:
            raise Conflict("reopen_window_passed", _("已超过可申请重新办理的期限。"))
        return {}
    if kind == EventKind.MERGED:
        # Only a matter the actor can see: trying numbers must not tell whether one exists elsewhere.
        into = Matter.objects.restrict(actor, "view").filter(number=str(data.get("into") or "")).first()
        if into is None or into.pk == matter.pk or into.status == "merged":
            raise DomainError("merge_target_invalid", _("请填写有效的在先事项编号。"), field="into")
        return {"into": into.number}
    if kind == EventKind.LEADER_ASSIGNED:
        leader_id = data.get("leader") or getattr(actor, "pk", None)
        leader = User.objects.filter(pk=leader_id, is_active=True, memberships__role="leader").first()
        if leader is None:
            raise DomainError("leader_invalid", _("包案人须为中心负责人。"), field="leader")
        return {"leader": leader.pk}
    if kind in {EventKind.EXTENSION_REQUESTED, EventKind.EXTENSION_APPROVED}:
        amount = int(data.get("amount") or (matter.extension_requested if kind == EventKind.EXTENSION_APPROVED else 0))
        if amount <= 0:
            raise DomainError("extension_amount", _("请填写延期时长。"), field="amount")
        timing.check_extension(matter, amount)  # the rule's limit, counted with what was granted
        return {"amount": amount}
    if kind == EventKind.VISITED:
        return {"reached": bool(data.get("reached", True))}
    if kind == EventKind.SUPERVISED:
        return {"due": str(data.get("due") or "")}
    if kind == EventKind.NOTE and "attachment" in data:
        # attachments.attach() records each file as a note naming it; the file must be one of
        # this matter's, so a note posted through the API cannot point at another matter's file.
        try:
            attachment_id = int(data["attachment"])
        except (TypeError, ValueError):
            attachment_id = 0
        names = Attachment.objects.filter(pk=attachment_id, matter=matter).values_list("original_name", flat=True)
        name = names.first()
        if name is None:
            raise DomainError("attachment_not_found", _("附件不存在。"), field="attachment")
        return {"attachment": attachment_id, "name": name}
    return {}


def _alert_leaders(matter: Matter, now: datetime.datetime) -> None:
    """A red matter is reported at once to the leaders of the level above where it sits (or of
    the top level, when it is already there): an event on the timeline and an SMS each."""
    unit = escalation_target(matter) or (matter.lead_unit or matter.intake_unit)
    leaders = list(User.objects.filter(memberships__unit=unit, memberships__role="leader", is_active=True).distinct())
    for leader in leaders:
        notices.leader_alert(matter, leader)
    _record(matter, EventKind.LEADER_ALERTED, None, now, "", {"unit": unit.pk, "leaders": [u.pk for u in leaders]})


def escalation_target(matter: Matter) -> Unit | None:
    """One territorial level above where the matter now sits (grid → community → township →
    county → city). A department counts as the level of the territorial unit it hangs under."""
    base = matter.lead_unit or matter.intake_unit
    ancestors = list(Unit.objects.get_ancestors(base).select_related("unit_type"))  # root first
    chain = [a for a in ancestors if a.unit_type.level is not None]
    if base.unit_type.level is None:
        chain = chain[:-1]  # the department's own territorial unit is its level, not above it
    return chain[-1] if chain else None


REASON_REQUIRED = {
    EventKind.RETURNED,
    EventKind.TRANSFERRED,
    EventKind.ESCALATED,
    EventKind.EXTENSION_REQUESTED,
    EventKind.EXTENSION_DENIED,
    EventKind.ANSWERED,
    EventKind.RESOLVED_ON_SPOT,  # the reason is the answer: what was done and agreed
    EventKind.SUPERVISED,
    EventKind.MERGED,
    EventKind.REOPENED,
}


def perform(
    matter: Matter,
    kind: str,
    *,
    actor: Any,
    reason: str = "",
    data: Mapping[str, Any] | None = None,
    system: bool = False,
    at: datetime.datetime | None = None,
) -> Matter:
    """Apply one lifecycle step. `system=True` is for the worker (deadline escalation): no role
    check, the actor is the platform."""
    reason = (reason or "").strip()
    with transaction.atomic():
        locked = (
            Matter.objects.select_for_update(of=("self",)).select_related("lead_unit", "intake_unit").get(pk=matter.pk)
        )
        if (
            kind not in lifecycle.TRANSITIONS
            or kind == EventKind.CREATED
            or (kind in lifecycle.SYSTEM_ONLY and not system)
        ):
            raise DomainError("event_kind_unknown", _("未知的操作。"), field="kind")
        # The state first: a step the matter cannot take now is a 409 listing the steps this
        # actor can take; only then whether this actor may take it (403).
        state = state_of(locked)
        if kind not in lifecycle.allowed_from(state):
            try:
                lifecycle.advance(state, kind, data or {}, timezone.now(), None)
            except lifecycle.TransitionRefused as refused:
                allowed = refused.allowed if system else policy.permitted(actor, locked, refused.allowed)
                raise TransitionConflict(refused, allowed) from None
        if not system and not policy.may(actor, locked, kind):
            raise PermissionDenied(_("您无权对该事项进行此操作。"))
        if kind in REASON_REQUIRED and len(reason) < 2:
            raise DomainError("reason_required", _("请填写原因或答复内容。"), field="reason")
        event_data = _check_step(locked, kind, actor, dict(data or {}))
        now = at or timezone.now()
        try:
            new_state = lifecycle.advance(state, kind, event_data, now, getattr(actor, "pk", None))
        except lifecycle.TransitionRefused as refused:
            allowed = refused.allowed if system else policy.permitted(actor, locked, refused.allowed)
            raise TransitionConflict(refused, allowed) from None
        store(locked, new_state)
        timing.refresh(locked, now)
        _record(locked, kind, actor, now, reason, event_data)
        if new_state.risk == "red" and state.risk != "red":
            _alert_leaders(locked, now)
        locked.save()
        _link_units(locked, [u for u in new_state.shared_units if u not in state.shared_units])
        notices.status_changed(locked, state.status)
    return locked


# --- the same, for a batch of matters (the deadline sweep) -------------------------------------


def states_of(matters: Sequence[Matter]) -> dict[int, lifecycle.MatterState]:
    """state_of() for each matter, with the unit links of all of them read in one query."""
    shared: dict[int, list[int]] = {matter.pk: [] for matter in matters}
    links = MatterUnit.objects.filter(matter_id__in=list(shared)).order_by("id").values_list("matter_id", "unit_id")
    for matter_id, unit_id in links:
        shared[matter_id].append(unit_id)
    read = operator.attrgetter(*(column for _name, column, _how in STATE_COLUMNS))
    states = {}
    for matter in matters:
        values = dict(zip(STATE_NAMES, read(matter), strict=True))
        for name, how in STATE_CONVERSIONS:  # as state_of() reads them
            value = values[name]
            if how == "code":
                values[name] = "" if value is None else value
            elif how == "datetime":
                values[name] = value.isoformat() if value else ""
            else:
                values[name] = tuple(value)
        states[matter.pk] = lifecycle.MatterState(**values, shared_units=tuple(shared[matter.pk]))
    return states


def store_step(matter: Matter, before: lifecycle.MatterState, after: lifecycle.MatterState) -> None:
    """store(matter, after) for a row that holds `before`: only the fields the step changed
    (store() copies the whole state with asdict(), which a batch of thousands feels)."""
    for name, column, how in STATE_COLUMNS:
        value = getattr(after, name)
        if value == getattr(before, name):
            continue
        if how == "datetime":
            value = datetime.datetime.fromisoformat(value) if value else None
        elif how == "tuple":
            value = list(value)
        elif column != name:  # a foreign key, by its id
            value = value or None
        setattr(matter, column, value)


def _state_columns() -> list[tuple[str, str, str]]:
    """Each MatterState field but shared_units (the MatterUnit rows): its column on the row and
    how its value is converted, as state_of() and store() do it."""
    columns = []
    for f in fields(lifecycle.MatterState):
        name = f.name
        if name == "shared_units":
            continue
        if name in UNIT_FIELDS | USER_FIELDS | CODE_FIELDS:
            columns.append((name, f"{name}_id", "code" if name in CODE_FIELDS else ""))
        elif name in DATETIME_FIELDS:
            columns.append((name, name, "datetime"))
        elif name == "co_units":
            columns.append((name, name, "tuple"))
        else:
            columns.append((name, name, ""))
    return columns


STATE_COLUMNS = _state_columns()
STATE_NAMES = [name for name, _column, _how in STATE_COLUMNS]
STATE_CONVERSIONS = [(name, how) for name, _column, how in STATE_COLUMNS if how]


def escalation_targets(matters: Sequence[Matter]) -> dict[int, Unit | None]:
    """escalation_target() for each matter: the units they sit at and the ancestors of those in
    two queries, however many matters."""
    bases = {u.pk: u for u in Unit.objects.filter(pk__in={_base_id(m) for m in matters}).select_related("unit_type")}
    step = Unit.steplen

    def ancestor_paths(unit: Unit) -> list[str]:  # root first, as treebeard's get_ancestors()
        return [unit.path[:end] for end in range(step, len(unit.path), step)]

    paths = {path for unit in bases.values() for path in ancestor_paths(unit)}
    by_path = {u.path: u for u in Unit.objects.filter(path__in=paths).select_related("unit_type")}
    targets: dict[int, Unit | None] = {}
    for pk, base in bases.items():
        ancestors = [by_path[path] for path in ancestor_paths(base) if path in by_path]
        chain = [a for a in ancestors if a.unit_type.level is not None]  # as in escalation_target()
        if base.unit_type.level is None:
            chain = chain[:-1]
        targets[pk] = chain[-1] if chain else None
    return {matter.pk: targets[_base_id(matter)] for matter in matters}


def _base_id(matter: Matter) -> int:
    return matter.lead_unit_id or matter.intake_unit_id
