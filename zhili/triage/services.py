"""Triage: from a report's text (and address or point) to a proposal a clerk confirms or corrects.

    category   the linear model (model.py), with its confidence
    risk       the rules (signals.py): the highest level of any signal found, each with its span
    lead unit  the category's default unit type (taxonomy)
    co-units   the unit types the taxonomy's co_handling adds for the signals found
    place      the territorial unit of the address, point or text (jurisdiction.py)

The rules decide the risk on their own, so an explicit threat is never lost to a model's mistake;
the model only proposes the category. A proposal under CONFIDENT is marked low-confidence and is
never dispatched without a person.
"""

from __future__ import annotations

import datetime
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.core.errors import DomainError
from zhili.matters.models import Matter
from zhili.taxonomy.services import shipped
from zhili.triage import jurisdiction, model, signals

MAX_TEXT = 20_000  # characters, as a matter's description
CONFIDENT = 0.5
# The risk model's second opinion on red: a report whose red score beats the better of yellow and
# green by this margin is red even when no rule fired. Set on five-fold cross-validation of the
# training corpus (docs/triage.md): with it, red recall 0.989 at precision 0.86 there.
RED_MARGIN = 0.0
MODEL_ALERT = "similar_to_red"
# Signals of signals.py -> the taxonomy's co_handling keys.
CO_HANDLING_SIGNALS = {
    "threat": "violence_or_threat",
    "weapon": "violence_or_threat",
    "violence": "violence_or_threat",
    "domestic_violence": "domestic_violence",
    "group_10_plus": "group_of_10_or_more",
}
# What the clerk reads for each signal code.
SIGNAL_LABELS = {
    "threat": gettext_lazy("威胁伤人"),
    "weapon": gettext_lazy("持械"),
    "violence": gettext_lazy("暴力伤害"),
    "domestic_violence": gettext_lazy("家庭暴力"),
    "self_harm": gettext_lazy("自伤自杀"),
    "group_10_plus": gettext_lazy("十人以上聚集"),
    "danger_to_life": gettext_lazy("危及生命"),
    "group_3_to_9": gettext_lazy("三至九人"),
    "group_wage_arrears": gettext_lazy("群体欠薪"),
    "repeated_report": gettext_lazy("重复反映"),
    "heated_conflict": gettext_lazy("冲突激化"),
    "vulnerable_unattended": gettext_lazy("弱势人员无人照料"),
    "deadline_at_risk": gettext_lazy("期限临近"),
    MODEL_ALERT: gettext_lazy("与红色事项相似（模型判断）"),
}
_CJK = re.compile(r"[\u4e00-\u9fff]")
_LETTERS = re.compile(r"[^\W\d_]")


@dataclass(frozen=True)
class Proposal:
    kind: str
    category: str
    risk: str
    signals: list[dict[str, Any]]
    lead_unit: str
    co_units: list[str]
    jurisdiction: dict[str, Any] | None
    confidence: float
    low_confidence: bool
    alternatives: list[dict[str, Any]]
    model_version: str

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


def check_text(text: Any) -> str:
    """The text to triage, stripped; DomainError if there is none, it is too long, or it is not
    Chinese."""
    if not isinstance(text, str) or not text.strip():
        raise DomainError("text_required", _("请提供要分析的诉求内容。"), field="text")
    text = text.strip()
    if len(text) > MAX_TEXT:
        raise DomainError("text_too_long", _("诉求内容过长（最多两万字）。"), field="text")
    letters = len(_LETTERS.findall(text))
    if letters and len(_CJK.findall(text)) < max(2, letters * 0.3):
        raise DomainError("text_not_chinese", _("目前只能分析中文诉求。"), field="text")
    return text


def triage(text: str, address: str = "", point: tuple[float, float] | None = None) -> Proposal:
    return triage_many([(text, address, point)])[0]


def triage_many(reports: Sequence[tuple[str, str, tuple[float, float] | None]]) -> list[Proposal]:
    """Triage several reports at once (the model scores them in one batch). Texts must have
    passed check_text()."""
    taxonomy = shipped()
    current = model.active.get()
    texts, addresses = [text for text, _a, _p in reports], [address for _t, address, _p in reports]
    predictions = current.predict(texts, addresses)
    red_margins = current.red_margins(texts, addresses)
    proposals = []
    for (text, address, point), (category, confidence, top), red_margin in zip(
        reports, predictions, red_margins, strict=True
    ):
        hits = signals.detect(text)
        found = [
            {"code": h.code, "level": h.level, "start": h.start, "end": h.end, "text": h.text, "count": h.count}
            for h in hits
        ]
        risk = signals.risk_of(hits)
        if risk != "red" and red_margin > RED_MARGIN:
            # No rule fired, but the report reads like the red ones the model learnt from: say so,
            # without a span, so the clerk sees why.
            risk = "red"
            found.append({"code": MODEL_ALERT, "level": "red", "start": None, "end": None, "text": "", "count": None})
        co_keys = {CO_HANDLING_SIGNALS[h.code] for h in hits if h.code in CO_HANDLING_SIGNALS}
        co_units = sorted({unit for key in co_keys for unit in taxonomy["co_handling"].get(key, [])})
        place = jurisdiction.resolve(text=text, address=address, point=point)
        entry = taxonomy["categories"][category]
        proposals.append(
            Proposal(
                kind=entry["kind"],
                category=category,
                risk=risk,
                signals=found,
                lead_unit=entry["lead"],
                co_units=[unit for unit in co_units if unit != entry["lead"]],
                jurisdiction=asdict(place) if place is not None else None,
                confidence=confidence,
                low_confidence=confidence < CONFIDENT,
                alternatives=[{"category": c, "confidence": p} for c, p in top[1:]],
                model_version=current.version,
            )
        )
    return proposals


# --- matters: a proposal at intake, confirmed or corrected by a clerk -------------------------------


def propose(matters: Sequence[Matter]) -> int:
    """Triage these matters in one batch and store a proposal for each that has none yet (a
    matter whose text cannot be triaged gets none). Returns how many were triaged."""
    from zhili.triage.models import Proposal as Stored

    done = set(Stored.objects.filter(matter__in=[m.pk for m in matters]).values_list("matter_id", flat=True))
    ready = []
    for matter in (m for m in matters if m.pk not in done):
        try:
            ready.append((matter, check_text(matter.description)))
        except DomainError:
            continue
    if not ready:
        return 0
    proposals = triage_many(
        [
            (
                text,
                matter.address,
                (matter.lon, matter.lat) if matter.lon is not None and matter.lat is not None else None,
            )
            for matter, text in ready
        ]
    )
    rows = [
        Stored(
            matter_id=matter.pk,
            model_version=p.model_version,
            category=p.category,
            risk=p.risk,
            signals=p.signals,
            lead_unit=p.lead_unit,
            co_units=p.co_units,
            jurisdiction_id=p.jurisdiction["unit_id"] if p.jurisdiction else None,
            confidence=p.confidence,
            low_confidence=p.low_confidence,
        )
        for (matter, _text), p in zip(ready, proposals, strict=True)
    ]
    # A matter triaged twice at once (intake and the catch-up task) keeps the first proposal.
    with transaction.atomic():
        return len(Stored.objects.bulk_create(rows, ignore_conflicts=True))


def propose_missing(days: int = 30, batch: int = 1000) -> int:
    """Matters registered in the last `days` without a proposal — imported in bulk, or registered
    while triage failed — get one now. Run by the worker every few minutes."""
    from zhili.matters.models import Matter

    since = timezone.now() - datetime.timedelta(days=days)
    missing = Matter.objects.filter(received_at__gte=since, triage__isnull=True).only(
        "id", "description", "address", "lon", "lat"
    )
    stored, last = 0, 0
    while True:
        matters = list(missing.filter(pk__gt=last).order_by("pk")[:batch])
        if not matters:
            return stored
        last = matters[-1].pk
        stored += propose(matters)


def record_decision(matter_id: int, category: str) -> None:
    """A person took the `triaged` step: the proposal is confirmed, or corrected to `category`."""
    from zhili.triage.models import Outcome
    from zhili.triage.models import Proposal as Stored

    stored = Stored.objects.filter(matter_id=matter_id).first()
    if stored is None or not category:
        return
    stored.outcome = Outcome.CONFIRMED if category == stored.category else Outcome.CORRECTED
    stored.final_category = category
    stored.save(update_fields=["outcome", "final_category"])


def confirmed_examples() -> list[model.Example]:
    """Matters whose category a person set or confirmed (a `triaged` step by someone), as
    training examples: every correction teaches the next model."""
    from zhili.matters.models import Matter

    rows = (
        Matter.objects.filter(events__kind="triaged", events__actor__isnull=False, category__isnull=False)
        .distinct()
        .values_list("description", "address", "category_id", "risk_id")
    )
    return [
        model.Example(text=text, address=address, category=category, risk=risk, source="matter")
        for text, address, category, risk in rows
        if text and text.strip()
    ]
