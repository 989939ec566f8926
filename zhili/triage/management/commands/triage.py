"""zhili triage: JSON Lines in, one proposal (or error) per line out.

    echo '{"id": "1", "text": "楼上天天半夜剁肉", "address": "市中区滨江街道"}' | zhili triage
    zhili triage --in reports.jsonl --out proposals.jsonl

Each input line is an object with "id", "text" and optionally "address" (and "lon"/"lat"). Each
output line has "id", "kind", "category", "risk", "signals", "lead_unit", "co_units",
"jurisdiction", "confidence" (and "low_confidence", "alternatives", "model_version"); a line that
cannot be triaged gives {"id": …, "error": code, "detail": reason} and the others go on.
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterator
from contextlib import ExitStack
from typing import IO, Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import translation
from django.utils.translation import gettext as _

from zhili.core.errors import DomainError
from zhili.triage import services

BATCH = 500


class Command(BaseCommand):
    help = "Triage reports: JSON Lines from stdin (or --in), proposals as JSON Lines to stdout (or --out)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--in", dest="source", help="input file (default: stdin)")
        parser.add_argument("--out", dest="target", help="output file (default: stdout)")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("zh-hans")
        with ExitStack() as files:
            source = files.enter_context(open(options["source"], encoding="utf-8")) if options["source"] else sys.stdin
            target: Any = (
                files.enter_context(open(options["target"], "w", encoding="utf-8"))
                if options["target"]
                else self.stdout
            )
            for batch in _batches(source):
                for line in triage_lines(batch):
                    target.write(json.dumps(line, ensure_ascii=False) + "\n")
                target.flush()


def _batches(source: IO[str]) -> Iterator[list[str]]:
    batch: list[str] = []
    for line in source:
        if line.strip():
            batch.append(line)
            if len(batch) == BATCH:
                yield batch
                batch = []
    if batch:
        yield batch


def triage_lines(lines: list[str]) -> list[dict[str, Any]]:
    """One output object per input line, in order."""
    out: list[dict[str, Any]] = []
    valid: list[tuple[int, Any, tuple[str, str, tuple[float, float] | None]]] = []
    for line in lines:
        try:
            item = json.loads(line)
        except json.JSONDecodeError:
            out.append({"id": None, "error": "invalid_json", "detail": _("此行不是有效的 JSON。")})
            continue
        if not isinstance(item, dict):
            out.append({"id": None, "error": "invalid_json", "detail": _("每行应为一个 JSON 对象。")})
            continue
        ident = item.get("id")
        try:
            text = services.check_text(item.get("text"))
            address = item.get("address") or ""
            if not isinstance(address, str):
                raise DomainError("address_invalid", _("地址应为文字。"), field="address")
            point = _point(item)
        except DomainError as error:
            out.append({"id": ident, "error": error.code, "detail": error.message})
            continue
        out.append({})
        valid.append((len(out) - 1, ident, (text, address, point)))
    if valid:
        for (position, ident, _report), proposal in zip(
            valid, services.triage_many([report for _p, _i, report in valid]), strict=True
        ):
            out[position] = {"id": ident, **proposal.as_dict()}
    return out


def _point(item: dict[str, Any]) -> tuple[float, float] | None:
    lon, lat = item.get("lon"), item.get("lat")
    if lon is None and lat is None:
        return None
    try:
        point = (float(lon), float(lat))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise DomainError("coordinate_invalid", _("经纬度不正确。"), field="lon") from None
    if not (-180 <= point[0] <= 180 and -90 <= point[1] <= 90):
        raise DomainError("coordinate_invalid", _("经纬度超出范围。"), field="lon")
    return point
