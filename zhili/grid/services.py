"""What the grid pages do, for any caller: a report with its photos, the on-the-spot step with its
result photos, and the worker's own matters.

A report and its photos are one transaction, and so are the on-the-spot step and its photos: a
photo refused half-way leaves no matter (or no step) behind. Photos are checked before the
transaction opens, so what can fail inside it is rare (a full disk, the per-matter limit). The
price: the year's number counter, which intake locks until the commit, stays locked while the
photos are written; a copy of a few megabytes on local storage, measured in milliseconds.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Case, Count, F, IntegerField, Q, QuerySet, Value, When
from django.utils.translation import gettext as _

from zhili.accounts.roles import Role
from zhili.core.errors import Conflict, DomainError
from zhili.matters import actions, attachments, lifecycle, policy
from zhili.matters.choices import OPEN_STATUSES, Channel, EventKind, Status
from zhili.matters.models import Matter
from zhili.matters.models_attachments import Attachment, AttachmentKind
from zhili.org.models import Unit
from zhili.triage import services as triage

MAX_PHOTOS = 9  # per report or step: what a phone's picker hands over at once, and enough evidence
DUE_SOON = datetime.timedelta(hours=24)  # as the staff inbox's "即将到期"
MAX_ROWS = 100  # a grid worker's open matters; more than this belongs in the staff inbox
ROW_FIELDS = (
    "number",
    "title",
    "status",
    "due_at",
    "overdue_at",
    "received_at",
    "risk__code",
    "risk__name_zh",
    "risk__name_en",
)


def grids_of(user: Any) -> list[Unit]:
    """The grids where `user` works as a grid worker, by path."""
    if not getattr(user, "is_authenticated", False):
        return []
    return list(
        Unit.objects.filter(memberships__user=user, memberships__role=Role.GRID_WORKER)
        .select_related("unit_type")
        .distinct()
        .order_by("path")
    )


# --- photos ---------------------------------------------------------------------------------------


def check_photos(photos: Iterable[UploadedFile]) -> list[UploadedFile]:
    """The photos to store: each a photo by its bytes (not a document, not a renamed file), within
    the size limit; the same picture chosen twice is kept once."""
    kept: list[UploadedFile] = []
    seen: set[str] = set()
    for photo in photos:
        try:
            detected, _size = attachments.check(photo)
        except DomainError as error:
            raise DomainError(error.code, f"{photo.name}：{error.message}", field="photos") from None
        if detected.kind != AttachmentKind.PHOTO:
            message = _("“%(name)s”不是照片：请上传 JPEG、PNG、WebP 或 HEIC 格式的照片。") % {"name": photo.name}
            raise DomainError("not_a_photo", message, field="photos")
        digest = attachments.sha256_of(photo)
        if digest not in seen:
            seen.add(digest)
            kept.append(photo)
    if len(kept) > MAX_PHOTOS:
        raise DomainError("too_many_photos", _("一次最多上传 %(n)d 张照片。") % {"n": MAX_PHOTOS}, field="photos")
    return kept


def _attach_all(matter: Matter, photos: Sequence[UploadedFile], actor: Any, reason: str) -> list[Attachment]:
    """Attach the photos inside the caller's transaction. The files already written are removed
    again when a later one fails, since the rollback takes their rows but not the files."""
    stored: list[Attachment] = []
    try:
        for photo in photos:
            stored.append(attachments.attach(matter, photo, actor=actor, reason=reason))
    except BaseException:
        for attachment in stored:
            attachment.file.delete(save=False)
        raise
    return stored


# --- reporting ------------------------------------------------------------------------------------


def classify(description: str, category: str, address: str = "") -> tuple[str, str, str]:
    """(kind, category, risk) for a grid report. The risk is always triage's (its rules catch a
    threat the worker did not flag); the category is the worker's choice, else triage's when it is
    confident, else left to the centre with only the kind set."""
    try:
        text = triage.check_text(description)
    except DomainError:
        if not category:
            raise DomainError("category_required", _("无法自动识别类别，请选择类别。"), field="category") from None
        return "", category, "green"
    proposal = triage.triage(text, address)
    if not category and not proposal.low_confidence:
        category = proposal.category
    return ("" if category else proposal.kind), category, proposal.risk


def report(
    *,
    actor: Any,
    grid: Unit,
    description: str,
    category: str = "",
    address: str = "",
    lon: float | None = None,
    lat: float | None = None,
    reporter_name: str = "",
    reporter_phone: str = "",
    photos: Iterable[UploadedFile] = (),
    token: str = "",
) -> tuple[Matter, bool]:
    """网格员上报: register a matter at the worker's grid with its photos. Returns (matter, created).

    `token` is the form's own id: a second tap on a slow network (or a resend) returns the matter
    the first one registered (created=False), and stores no photo twice."""
    photos = check_photos(photos)
    kind, category, risk = classify(description, category, address)
    fields: dict[str, Any] = {
        "description": description,
        "kind": kind,
        "category": category,
        "risk": risk,
        "address": address,
        "lon": lon,
        "lat": lat,
        "reporter_name": reporter_name,
        "reporter_phone": reporter_phone,
    }
    key = f"grid:{actor.pk}:{token}" if token else ""
    fingerprint = actions.fingerprint({**fields, "grid": grid.pk, "photos": [attachments.sha256_of(p) for p in photos]})
    try:
        with transaction.atomic():
            matter, created = actions.receive(
                actor=actor,
                channel=Channel.GRID_WORKER,
                intake_unit=grid,
                idempotency_key=key,
                payload_fingerprint=fingerprint,
                **fields,
            )
            if created:
                _attach_all(matter, photos, actor, _("现场照片"))
    except Conflict as conflict:
        if conflict.code != "idempotency_key_reused":
            raise
        raise Conflict(conflict.code, _("这张表单已经上报过了。请在“我的事项”中查看，或重新打开上报页面。")) from None
    return matter, created


# --- on the spot ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OnSpot:
    """Whether a person may settle a matter on the spot now; `why` says what in the matter itself
    forbids it (red, a petition) to someone who otherwise could."""

    allowed: bool
    why: str = ""


def on_spot(user: Any, matter: Matter) -> OnSpot:
    transition = lifecycle.TRANSITIONS[EventKind.RESOLVED_ON_SPOT]
    state = actions.state_of(matter)
    if state.status not in transition.sources or not policy.may(user, matter, EventKind.RESOLVED_ON_SPOT):
        return OnSpot(False)
    why = transition.guard(state, {})
    return OnSpot(not why, why)


def resolve_on_spot(matter: Matter, *, actor: Any, result: str, photos: Iterable[UploadedFile] = ()) -> Matter:
    """就地化解: the step (checked by actions.perform against the state and the actor's role) and
    the photos of the result, in one transaction."""
    photos = check_photos(photos)
    with transaction.atomic():
        matter = actions.perform(matter, EventKind.RESOLVED_ON_SPOT, actor=actor, reason=result)
        _attach_all(matter, photos, actor, _("就地化解结果照片"))
    return matter


# --- my matters -----------------------------------------------------------------------------------


def my_matters(user: Any, grids: Sequence[Unit]) -> QuerySet[Matter]:
    """The matters the worker registered, or whose lead unit is one of their grids, within reach."""
    return Matter.objects.restrict(user, "view").filter(
        Q(received_by=user) | Q(lead_unit__in=[grid.pk for grid in grids])
    )


def conditions(now: datetime.datetime) -> dict[str, Q]:
    is_open = Q(status__in=OPEN_STATUSES)
    overdue = is_open & (Q(due_at__lt=now) | Q(overdue_at__isnull=False))
    return {
        "open": is_open,
        "overdue": overdue,
        "due_soon": is_open & Q(due_at__gte=now, due_at__lt=now + DUE_SOON) & ~overdue,
        "answered": Q(status=Status.ANSWERED),
    }


def desk(user: Any, grids: Sequence[Unit], now: datetime.datetime) -> tuple[dict[str, int], list[Matter]]:
    """Counts, and the rows to work on: overdue first, then due soon, then the other open ones by
    deadline, then those answered and waiting for the rating or the visit."""
    mine = my_matters(user, grids)
    when = conditions(now)
    counts = mine.order_by().aggregate(**{key: Count("pk", filter=condition) for key, condition in when.items()})
    urgency = Case(
        When(when["overdue"], then=Value(0)),
        When(when["due_soon"], then=Value(1)),
        When(when["open"], then=Value(2)),
        default=Value(3),
        output_field=IntegerField(),
    )
    rows = (
        mine.filter(when["open"] | when["answered"])
        .select_related("risk")
        .only(*ROW_FIELDS)
        .annotate(urgency=urgency)
        .order_by("urgency", F("due_at").asc(nulls_last=True), "-received_at", "-pk")[:MAX_ROWS]
    )
    return counts, list(rows)
