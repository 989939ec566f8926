"""Bulk import of matters from CSV or XLSX (批量导入): the rules of receive(), applied in batches.

A row is checked with the functions `actions.receive()` uses (`_classify`, `_clean_parties`, the
intake scope, the coordinate and phone rules) and becomes exactly what receive() would have
written: the Matter row with its derived state and deadline, the `created` event (seq 1, the same
data), its MatterUnit links and parties, and an IntakeKey. Only the writing differs: accepted rows
are inserted about 5,000 at a time, one transaction per batch, with one block of numbers reserved
from the counter (`numbering.reserve_numbers`) and one statement per table (bulk_insert.py: COPY on
PostgreSQL), instead of one transaction and several statements per matter.

- Every row gets an IntakeKey `import:<sha256>` of its external id (编号) when the file has one,
  else of the normalised row, so importing the same file again imports nothing twice: those rows
  are reported as already imported, with the matter's number.
- Nobody is told anything unless `notify=True`: importing history must not text thousands of
  residents (and leaders, for red rows). With `notify=True` each matter gets the SMS and the red
  alert that receive() sends.
- The report lists each rejected row with its row number, column, code and reason (Chinese).

The columns are in `COLUMNS` and described in docs/matters-import.md.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import datetime
import json
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field, replace
from hashlib import sha256
from pathlib import Path
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Model
from django.utils import timezone
from django.utils.translation import gettext as _
from shapely import STRtree, points

from zhili.core import pii
from zhili.core.context import current
from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.matters import actions, lifecycle, notices, reach, timing
from zhili.matters.bulk_insert import BulkTable, Row, Template, reserve_ids
from zhili.matters.choices import Channel, EventKind, PartyRole
from zhili.matters.models import IntakeKey, Matter, MatterEvent, MatterReach, MatterUnit, Party
from zhili.matters.numbering import reserve_numbers
from zhili.org import geo
from zhili.org.models import Unit
from zhili.search import services as search
from zhili.taxonomy.models import Category, Kind, RiskLevel

BATCH_SIZE = 5000  # rows per transaction (a few tenths of a second)
IMPORT = str(Channel.IMPORT)
CHANNELS = frozenset(Channel.values)
KEY_PREFIX = "import:"
SEPARATORS = str.maketrans({"；": ";"})  # several parties in one cell: 张三；李四


@dataclass(frozen=True)
class Column:
    name: str  # the field
    headers: tuple[str, ...]  # accepted headers, Chinese first (the first one names it in reports)


COLUMNS = (
    Column("external_id", ("编号", "原编号", "外部编号", "external_id")),
    Column("channel", ("渠道", "受理渠道", "channel")),
    Column("kind", ("类型", "事项类型", "kind")),
    Column("category", ("类别", "category")),
    Column("risk", ("风险", "风险等级", "risk")),
    Column("title", ("标题", "title")),
    Column("description", ("内容", "诉求内容", "description")),
    Column("address", ("地址", "address")),
    Column("lon", ("经度", "lon", "longitude")),
    Column("lat", ("纬度", "lat", "latitude")),
    Column("intake_unit", ("受理单位代码", "受理单位", "intake_unit")),
    Column("jurisdiction", ("属地单位代码", "属地", "jurisdiction")),
    Column("reporter_name", ("反映人", "reporter_name")),
    Column("reporter_phone", ("反映人电话", "reporter_phone")),
    Column("anonymous", ("匿名", "anonymous")),
    Column("party_name", ("当事人姓名", "当事人", "party_name")),
    Column("party_phone", ("当事人电话", "party_phone")),
    Column("party_id_number", ("当事人身份证号", "party_id_number")),
    Column("party_role", ("当事人身份", "party_role")),
    Column("party_head_count", ("当事人人数", "人数", "party_head_count")),
)
FIELDS = tuple(c.name for c in COLUMNS)
PARTY_COLUMNS = {"name": "party_name", "phone": "party_phone", "id_number": "party_id_number"}
PARTY_COLUMNS |= {"role": "party_role", "head_count": "party_head_count"}
PARTY_FIELDS = frozenset(PARTY_COLUMNS.values())
YES = {"是", "y", "yes", "true", "1", "匿名"}
NO = {"否", "n", "no", "false", "0", ""}
YES_OR_NO = YES | NO


def _header_key(text: str) -> str:
    return text.replace("\ufeff", "").replace("*", "").replace(" ", "").strip().lower()


HEADERS = {_header_key(h): c.name for c in COLUMNS for h in c.headers}


class ImportFileError(DomainError):
    """The file cannot be read as a table of matters (nothing was imported)."""


# --- reading the file --------------------------------------------------------------------------


@dataclass
class SourceFile:
    """The header and the data rows of a CSV or XLSX file; `estimated_rows` is for progress bars."""

    path: Path
    encoding: str  # utf-8, utf-8-sig, gb18030 or xlsx
    header: list[str]
    rows: Iterator[list[str]]
    estimated_rows: int | None


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # phones and codes typed as numbers in a spreadsheet
    if isinstance(value, datetime.datetime | datetime.date):
        return value.isoformat()
    return str(value).strip()


def _csv_encoding(path: Path) -> tuple[str, int]:
    """UTF-8 (with or without BOM) or GB18030, checked over the whole file; and its line count."""
    lines = 0
    with path.open("rb") as handle:
        encoding = "utf-8-sig" if handle.read(3) == codecs.BOM_UTF8 else "utf-8"
        handle.seek(0)
        for candidate in (encoding, "gb18030"):
            decoder = codecs.getincrementaldecoder(candidate)()
            lines = 0
            try:
                for chunk in iter(lambda: handle.read(1 << 20), b""):
                    decoder.decode(chunk)
                    lines += chunk.count(b"\n")
                decoder.decode(b"", final=True)
                return candidate, lines
            except UnicodeDecodeError:
                handle.seek(0)
    raise ImportFileError("file_encoding", _("文件编码无法识别，请另存为 UTF-8 或 GB18030 编码的 CSV。"))


def _csv_rows(path: Path, encoding: str) -> Iterator[list[str]]:
    with path.open(encoding=encoding, newline="") as handle:
        first = handle.readline()
        dialect = "excel-tab" if "\t" in first and "," not in first else "excel"
        handle.seek(0)
        try:
            strip = str.strip
            for row in csv.reader(handle, dialect):
                yield list(map(strip, row))
        except csv.Error as error:
            raise ImportFileError("file_unreadable", _("CSV 格式错误：%(error)s") % {"error": error}) from None


def _xlsx_rows(path: Path) -> tuple[Iterator[list[str]], int | None]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(path, read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds for a damaged or foreign file
        raise ImportFileError("file_unreadable", _("无法读取该 XLSX 文件。")) from None
    sheet = workbook.worksheets[0]

    def rows() -> Iterator[list[str]]:
        try:
            for values in sheet.iter_rows(values_only=True):
                yield [_cell(v) for v in values]
        finally:
            workbook.close()

    return rows(), (sheet.max_row - 1 if sheet.max_row else None)


def open_rows(path: str | Path) -> SourceFile:
    """Open a CSV or XLSX file (by its content, not its name) and read its header row."""
    path = Path(path)
    try:
        with path.open("rb") as handle:
            magic = handle.read(4)
    except OSError as error:
        raise ImportFileError("file_unreadable", _("无法打开文件：%(error)s") % {"error": error.strerror}) from None
    if magic == b"PK\x03\x04":  # a zip: XLSX
        rows, estimate = _xlsx_rows(path)
        encoding = "xlsx"
    else:
        encoding, lines = _csv_encoding(path)
        rows, estimate = _csv_rows(path, encoding), max(lines - 1, 0)
    header = next(rows, None)
    if not header or not any(header):
        raise ImportFileError("header_missing", _("文件第一行须为列名。"))
    return SourceFile(path, encoding, header, rows, estimate)


def _columns(header: Sequence[str]) -> tuple[dict[str, int], list[str]]:
    """field -> position, and the headers that name no column (ignored)."""
    positions: dict[str, int] = {}
    ignored = []
    for position, text in enumerate(header):
        name = HEADERS.get(_header_key(text))
        if name is None:
            if text:
                ignored.append(text)
        elif name in positions:
            raise ImportFileError("column_repeated", _("列“%(header)s”重复。") % {"header": text})
        else:
            positions[name] = position
    if "description" not in positions:
        raise ImportFileError("description_column_missing", _("缺少“内容”列（诉求内容）。"))
    return positions, ignored


# --- the report --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Rejection:
    row: int  # as the spreadsheet numbers it: the header is row 1
    field: str  # the column's header in the file ("" for the whole row)
    code: str
    reason: str  # Chinese
    values: tuple[str, ...] = ()  # the row as read, so a corrected copy can be imported again


@dataclass
class ImportReport:
    file: str
    encoding: str
    header: list[str]
    ignored_columns: list[str]
    dry_run: bool = False
    rows: int = 0  # data rows read (empty rows are skipped)
    accepted: list[tuple[int, str]] = field(default_factory=list)  # (row, number; "" in a dry run)
    already: list[tuple[int, str]] = field(default_factory=list)  # (row, number of the earlier matter)
    rejected: list[Rejection] = field(default_factory=list)

    def summary(self) -> str:
        verb = "would import" if self.dry_run else "imported"
        return (
            f"{self.rows} rows read from {self.file} ({self.encoding}): {len(self.accepted)} {verb}, "
            f"{len(self.already)} already imported, {len(self.rejected)} rejected"
        )


def write_rejections(report: ImportReport, path: str | Path) -> None:
    """The rejected rows as CSV (UTF-8 with BOM, for Excel and WPS): the reason first, then the
    row as it was. Once corrected, the file can be imported as it is (the reason columns are not
    import columns and are ignored)."""
    with Path(path).open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow(["错误行号", "错误列", "错误代码", "错误原因", *report.header])
        for r in report.rejected:
            writer.writerow([r.row, r.field, r.code, r.reason, *r.values])


# --- checking rows -----------------------------------------------------------------------------


Shape = tuple[str, str, str, str, int, int | None]  # channel, kind, category, risk, intake, jurisdiction


@dataclass(slots=True)
class _Row:
    line: int
    cells: tuple[str, ...]
    values: dict[str, str]
    key: str = ""
    fingerprint: str = ""
    shape: Shape = ("", "", "", "", 0, None)
    matter: tuple[Any, ...] = ()  # the row's own Matter columns (MATTER_VARYING)
    parties: Sequence[tuple[Any, ...]] = ()  # (role, name, phone, id_number, head_count)
    point: tuple[float, float] | None = None  # to locate the jurisdiction from
    outcome: str = ""  # accepted, already (imported before) or reused (the key, with other content)
    number: str = ""


def _lookup(*models: type[Model]) -> list[dict[str, str]]:
    """name, alias or code -> code, per model (so files may use 邻里纠纷 or neighbor)."""
    maps = []
    for model in models:
        names: dict[str, str] = {}
        for code, name, aliases in model.objects.values_list("code", "name_zh", "aliases"):  # type: ignore[attr-defined]
            for word in [*aliases.replace("，", ",").split(","), name, code]:
                if word.strip():
                    names[word.strip().lower()] = code
        maps.append(names)
    return maps


class _Checker:
    """The checks of receive(), per row, with the look-ups each row repeats done once."""

    def __init__(self, actor: Any, default_unit: Unit | None, positions: dict[str, int], header: list[str]) -> None:
        self.actor = actor
        self.positions = positions
        self.ordered = [(name, positions[name]) for name in FIELDS if name in positions]
        self.header = header
        self.kinds, self.categories, self.risks = _lookup(Kind, Category, RiskLevel)
        for code, words in (("red", "红 红色"), ("yellow", "黄 黄色"), ("green", "绿 绿色 一般")):
            self.risks.update(dict.fromkeys(words.split(), code))
        self.channels = {str(label): value for value, label in Channel.choices} | {v: v for v in Channel.values}
        self.roles = {str(label): value for value, label in PartyRole.choices} | {v: v for v in PartyRole.values}
        self.classified: dict[tuple[str, str, str], tuple[str, str, str] | DomainError] = {}
        self.units: dict[str, tuple[int, str] | None] = {}  # code -> (pk, path), None for no such unit
        self.intake_units: dict[str, int] = {}  # code ("" for the default) -> pk, once checked
        self.default_unit = default_unit
        self.intake_scope = scope_for(actor, "matter.intake") if getattr(actor, "pk", None) else None

    def header_of(self, name: str) -> str:
        position = self.positions.get(name)
        if position is not None:
            return self.header[position]
        return next(c.headers[0] for c in COLUMNS if c.name == name)

    def read(self, line: int, cells: list[str]) -> _Row | None:
        width = len(cells)
        values = {name: cells[p] for name, p in self.ordered if p < width and cells[p]}
        if not values and not any(cells):
            return None
        # The fingerprint of the normalised row: its non-empty columns by name, in COLUMNS order
        # (whatever the order in the file; a column added to COLUMNS later changes nothing).
        canonical = "\x1e".join([f"{name}\x1f{value}" for name, value in values.items()])
        fingerprint = sha256(canonical.encode()).hexdigest()
        external_id = values.get("external_id")
        key = KEY_PREFIX + (sha256(external_id.encode()).hexdigest() if external_id else fingerprint)
        return _Row(line, tuple(cells), values, key, fingerprint)

    def prefetch_units(self, rows: Iterable[_Row]) -> None:
        codes = {r.values[n] for r in rows for n in ("intake_unit", "jurisdiction") if n in r.values} - set(self.units)
        if not codes:
            return
        found = dict(Unit.objects.filter(code__in=codes).values_list("code", "pk"))
        paths = dict(Unit.objects.filter(pk__in=found.values()).values_list("pk", "path"))
        for code in codes:
            self.units[code] = (found[code], paths[found[code]]) if code in found else None

    def _classify(self, kind: str, category: str, risk: str) -> tuple[str, str, str]:
        """actions._classify, once per combination (the taxonomy does not change mid-import)."""
        words = (kind, category, risk)
        if words not in self.classified:
            try:
                self.classified[words] = actions._classify(
                    self.kinds.get(kind.lower(), kind) if kind else "",
                    self.categories.get(category.lower(), category) if category else "",
                    self.risks.get(risk.lower(), risk) if risk else "green",
                )
            except DomainError as error:
                self.classified[words] = error
        result = self.classified[words]
        if isinstance(result, DomainError):
            raise result
        return result

    def check(self, row: _Row) -> None:
        """Fill the row's matter fields, or raise the DomainError receive() would raise."""
        v = row.values
        channel = v.get("channel", IMPORT)
        channel = self.channels.get(channel) or self.channels.get(channel.lower(), channel)
        if channel not in CHANNELS:
            raise DomainError("channel_unknown", _("受理渠道不正确。"), field="channel")
        description = v.get("description", "")
        if not description:
            raise DomainError("description_required", _("请填写诉求内容。"), field="description")
        if len(description) > actions.MAX_DESCRIPTION:
            raise DomainError("description_too_long", _("诉求内容过长（最多两万字）。"), field="description")
        kind, category, risk = self._classify(v.get("kind", ""), v.get("category", ""), v.get("risk", ""))
        if PARTY_FIELDS.intersection(v):
            row.parties = [
                (p.role, p.name, p.phone, p.id_number, p.head_count) for p in actions._clean_parties(self._parties(v))
            ]
        reporter_phone = v.get("reporter_phone", "").replace(" ", "").replace("-", "")
        if reporter_phone and not pii.PHONE.match(reporter_phone):
            raise DomainError("phone_invalid", _("手机号码格式不正确。"), field="reporter_phone")
        lon, lat = self._number(v, "lon"), self._number(v, "lat")
        for name, value, low, high in (("lon", lon, -180, 180), ("lat", lat, -90, 90)):
            if value is not None and not low <= value <= high:
                raise DomainError("coordinate_invalid", _("经纬度超出范围。"), field=name)
        anonymous = v.get("anonymous", "").lower()
        if anonymous not in YES_OR_NO:
            raise DomainError("anonymous_invalid", _("“匿名”请填写“是”或“否”。"), field="anonymous")
        intake = self._intake_unit(v.get("intake_unit", ""))
        jurisdiction = None
        if v.get("jurisdiction"):
            found = self.units.get(v["jurisdiction"])
            if found is None:
                raise DomainError("jurisdiction_not_found", _("属地单位代码不存在。"), field="jurisdiction")
            jurisdiction = found[0]
        elif lon is not None and lat is not None:
            row.point = (lon, lat)
        row.shape = (channel, kind, category, risk, intake, jurisdiction)
        row.matter = (  # MATTER_VARYING
            (v.get("title") or description[:40]).strip()[:200],
            description,
            v.get("address", "")[:300],
            lon,
            lat,
            v.get("reporter_name", "")[:60],
            reporter_phone,
            anonymous in YES,
        )

    def _intake_unit(self, code: str) -> int:
        # The same answer for an unknown unit and one outside the importer's reach, as receive().
        pk = self.intake_units.get(code)
        if pk is None:
            if code:
                found = self.units.get(code)
            else:
                found = (self.default_unit.pk, self.default_unit.path) if self.default_unit is not None else None
            if found is None or (self.intake_scope is not None and not self.intake_scope.covers(found[1])):
                raise DomainError(
                    "intake_unit_not_found", _("受理单位不存在或不在您的管辖范围内。"), field="intake_unit"
                )
            pk = self.intake_units[code] = found[0]
        return pk

    def _number(self, values: dict[str, str], name: str) -> float | None:
        text = values.get(name, "")
        if not text:
            return None
        try:
            return float(text)
        except ValueError:
            raise DomainError("coordinate_invalid", _("经纬度须为数字。"), field=name) from None

    def _parties(self, values: dict[str, str]) -> list[dict[str, Any]]:
        """The party columns, split at ；, as the `parties` receive() takes."""
        columns = {
            key: values[name].translate(SEPARATORS).split(";") for key, name in PARTY_COLUMNS.items() if name in values
        }
        parties = []
        for index in range(max(map(len, columns.values()), default=0)):
            party = {key: cells[index].strip() for key, cells in columns.items() if index < len(cells)}
            if "role" in party:
                party["role"] = self.roles.get(party["role"], party["role"])
            if party.get("head_count") and not party["head_count"].isdigit():
                raise DomainError("head_count_invalid", _("人数不正确。"), field=f"parties[{index}].head_count")
            parties.append(party)
        return parties

    def rejection(self, row: _Row, error: DomainError) -> Rejection:
        name, _sep, rest = (error.field or "").partition(".")
        if name.startswith("parties["):
            party = int(name[len("parties[") : -1])
            column = self.header_of(PARTY_COLUMNS.get(rest, "party_name"))
            label = f"{column}（第{party + 1}位）" if party else column
        else:
            label = self.header_of(name) if name in FIELDS else name
        return Rejection(row.line, label, error.code, error.message, row.cells)


# --- writing batches ---------------------------------------------------------------------------


CREATED = str(EventKind.CREATED)
# The Matter columns of one row (_Row.matter), after its id and number.
MATTER_VARYING = ("title", "description", "address", "lon", "lat", "reporter_name", "reporter_phone", "anonymous")
MATTERS = BulkTable(Matter, ("id", "number", *MATTER_VARYING))
EVENTS = BulkTable(MatterEvent, ("matter_id", "reason"))
LINKS = BulkTable(MatterUnit, ("matter_id", "unit_id"))
REACH = BulkTable(MatterReach, ("unit_id", "matter_id"))
PARTIES = BulkTable(Party, ("matter_id", "role", "name", "phone", "id_number", "head_count"))
KEYS = BulkTable(IntakeKey, ("key", "fingerprint", "matter_id"))
MATTER_INTAKE, MATTER_JURISDICTION = (MATTERS.position(name) for name in ("intake_unit_id", "jurisdiction_id"))
EVENT_DATA = EVENTS.position("data")


@dataclass
class _Template:
    """What every row of one shape gets, ready to insert: the Matter's and the event's columns."""

    state: lifecycle.MatterState
    matter: Template
    event: Template
    reach: tuple[int, ...] = ()  # the units whose subtree holds such a matter (matters/reach.py)


class _Writer:
    """Writes checked rows as receive() would have, a batch per transaction."""

    def __init__(self, actor: Any, notify: bool) -> None:
        self.actor = actor
        self.notify = notify
        self.now = timezone.now()  # the registration time of the whole import
        self.templates: dict[Shape, _Template] = {}
        self.built: dict[tuple[str, str, str, str], _Template] = {}  # by channel, kind, category, risk
        self.deadlines: dict[tuple[str, str, str], dict[str, Any]] = {}
        self.link = LINKS.template(MatterUnit(matter_id=0, unit_id=0))
        self.reach_row = REACH.template(MatterReach(unit_id=0, matter_id=0))
        self.party = PARTIES.template(Party(matter_id=0, name=""))
        self.key = KEYS.template(IntakeKey(key="", fingerprint=""))
        self.reason, self.external = _("批量导入 %(file)s 第%(row)s行"), _("，原编号 %(id)s")

    def _template(self, shape: Shape) -> _Template:
        template = self.templates.get(shape)
        if template is None:
            template = self._make(shape)
            up = reach.reaching(template.state.shared_units)
            template = self.templates[shape] = replace(
                template, reach=tuple(sorted({unit for linked in up.values() for unit in linked}))
            )
        return template

    def _make(self, shape: Shape) -> _Template:
        """receive()'s own steps: the event data, lifecycle.advance, store, timing.refresh."""
        channel, kind, category, risk, intake, jurisdiction = shape
        actor_id = getattr(self.actor, "pk", None)
        data = {
            "kind": kind,
            "category": category,
            "risk": risk,
            "intake_unit": intake,
            "jurisdiction": jurisdiction,
            "channel": channel,
        }
        state = lifecycle.advance(lifecycle.MatterState(), CREATED, data, self.now, actor_id)
        built = self.built.get(shape[:4])
        if built is not None and built.state == replace(
            state,
            intake_unit=built.state.intake_unit,
            jurisdiction=built.state.jurisdiction,
            shared_units=built.state.shared_units,
        ):
            # Only the units differ from a matter built before: their columns and the event's data.
            matter, event = Template(built.matter), Template(built.event)
            matter[MATTER_INTAKE], matter[MATTER_JURISDICTION] = state.intake_unit, state.jurisdiction
            event[EVENT_DATA] = EVENTS.prepare(EVENT_DATA, data)
            return _Template(state, matter, event)
        row = Matter(channel=channel, received_by_id=actor_id, received_at=self.now, last_event_seq=1)
        actions.store(row, state)
        self._refresh(row, (kind, category, risk))
        context = current()
        created = MatterEvent(
            seq=1,
            kind=CREATED,
            time=self.now,
            actor_id=actor_id,
            actor_name=self.actor.get_username() if actor_id else "",
            data=data,
            source=context.source,
            address=context.address,
            request_id=context.request_id,
        )
        template = _Template(state, MATTERS.template(row), EVENTS.template(created))
        self.built.setdefault(shape[:4], template)
        return template

    def _refresh(self, matter: Matter, shape: tuple[str, str, str]) -> None:
        """timing.refresh, once per kind, category and risk: for a new matter it reads nothing else
        (the status and the clock are those of every matter of this import)."""
        if shape not in self.deadlines:
            before = {f.attname: getattr(matter, f.attname) for f in MATTERS.fields}
            timing.refresh(matter, self.now)
            self.deadlines[shape] = {
                f.attname: getattr(matter, f.attname)
                for f in MATTERS.fields
                if getattr(matter, f.attname) != before[f.attname]
            }
        for name, value in self.deadlines[shape].items():
            setattr(matter, name, value)

    def write(self, rows: list[_Row], name: str) -> list[str]:
        """Insert the rows (inside the caller's transaction); returns their numbers."""
        if not rows:
            return []
        numbers = reserve_numbers(len(rows))
        ids = reserve_ids(Matter, len(rows))
        matters: list[Row] = []
        events: list[Row] = []
        links: list[Row] = []
        reached: list[Row] = []
        parties: list[Row] = []
        keys: list[Row] = []
        texts: list[search.MatterText] = []
        link, party, key, reason, external = self.link, self.party, self.key, self.reason, self.external
        for row, number, matter_id in zip(rows, numbers, ids, strict=True):
            template = self.templates.get(row.shape) or self._template(row.shape)
            matters.append((template.matter, (matter_id, number, *row.matter)))
            note = reason % {"file": name, "row": row.line}
            if "external_id" in row.values:
                note += external % {"id": row.values["external_id"]}
            events.append((template.event, (matter_id, note[:2000])))
            links.extend([(link, (matter_id, unit)) for unit in template.state.shared_units])
            reached.extend([(self.reach_row, (unit, matter_id)) for unit in template.reach])
            if row.parties:
                parties.extend([(party, (matter_id, *p)) for p in row.parties])
            keys.append((key, (row.key, row.fingerprint, matter_id)))
            title, description, address, _lon, _lat, reporter_name, reporter_phone, anonymous = row.matter
            people = search.people_of(reporter_name, reporter_phone, anonymous, [(p[1], p[2]) for p in row.parties])
            texts.append(search.MatterText(matter_id, title, description, address, people))
        search.add(texts)  # the search index, one statement for the batch
        # Keys last: a concurrent import of the same rows fails here and is retried (see import_matters).
        tables = (
            (MATTERS, matters),
            (EVENTS, events),
            (LINKS, links),
            (REACH, reached),
            (PARTIES, parties),
            (KEYS, keys),
        )
        for table, table_rows in tables:
            table.insert(table_rows)
        if self.notify:
            self._tell(ids)
        return numbers

    def _tell(self, ids: list[int]) -> None:
        """What receive() sends: the number to the reporter; a red matter to the leaders."""
        for matter in Matter.objects.filter(pk__in=ids).select_related("reporter", "intake_unit", "lead_unit"):
            if matter.risk_id == "red":
                actions._alert_leaders(matter, self.now)
                Matter.objects.filter(pk=matter.pk).update(last_event_seq=matter.last_event_seq)
            notices.received(matter)


def _existing(keys: Iterable[str]) -> dict[str, tuple[str, str]]:
    """key -> (fingerprint, matter number) of rows imported before."""
    found = IntakeKey.objects.filter(key__in=list(keys)).values_list("key", "fingerprint", "matter__number")
    return {key: (fp, number or "") for key, fp, number in found}


def _chunks(rows: Iterator[list[str]], size: int) -> Iterator[list[tuple[int, list[str]]]]:
    chunk: list[tuple[int, list[str]]] = []
    for line, cells in enumerate(rows, start=2):
        chunk.append((line, cells))
        if len(chunk) >= size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def import_matters(
    path: str | Path,
    *,
    actor: Any,
    intake_unit: Unit | None = None,
    notify: bool = False,
    dry_run: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Callable[[int], None] | None = None,
    source: SourceFile | None = None,
) -> ImportReport:
    """Import the matters of a CSV or XLSX file as `actor`; the acting context (`acting_as`)
    gives the events their source and request id. `intake_unit` is for rows without
    受理单位代码 (default: the top centre, as for receive()). `progress(n)` is called after each
    batch with the number of rows it read. `source` is a file already opened with open_rows().

    Raises ImportFileError when the file cannot be read; what is wrong with a row is in the
    report, and the other rows are imported."""
    if getattr(actor, "pk", None) and scope_for(actor, "matter.intake").empty:
        raise DomainError("import_not_permitted", _("您没有登记事项的权限。"))
    source = source or open_rows(path)
    positions, ignored = _columns(source.header)
    report = ImportReport(str(path), source.encoding, source.header, ignored, dry_run)
    try:
        default_unit = intake_unit or actions.default_intake_unit()
    except DomainError:  # no units yet: every row is refused for want of an intake unit
        default_unit = None
    checker = _Checker(actor, default_unit, positions, source.header)
    writer = _Writer(actor, notify)
    locator = _Locator()
    first: dict[str, _Row] = {}  # key -> the first row of this file with it
    for chunk in _chunks(source.rows, batch_size):
        rows = [row for line, cells in chunk if (row := checker.read(line, cells)) is not None]
        report.rows += len(rows)
        checker.prefetch_units(rows)
        batch: list[_Row] = []
        repeated: list[_Row] = []  # the same key again in this file: the first row's outcome
        for row in rows:
            if row.key in first:
                repeated.append(row)
                continue
            try:
                checker.check(row)
            except DomainError as error:
                report.rejected.append(checker.rejection(row, error))
                continue
            first[row.key] = row
            batch.append(row)
        locator.locate(batch)
        _import_batch(batch, writer, source.path.name, dry_run)
        for row in batch:
            _report(report, checker, row, row)
        for row in repeated:
            _report(report, checker, row, first[row.key])
        if progress is not None:
            progress(len(chunk))
    report.rejected.sort(key=lambda r: r.row)
    report.already.sort()
    return report


def _import_batch(batch: list[_Row], writer: _Writer, name: str, dry_run: bool) -> None:
    """Write the batch; if another import committed some of its rows meanwhile, again."""
    for attempt in range(3):
        try:
            _write_batch(batch, writer, name, dry_run)
            return
        except IntegrityError:
            # Another import committed some of these rows meanwhile: look again (twice at most).
            if attempt == 2 or not _existing(r.key for r in batch):
                raise


def _write_batch(batch: list[_Row], writer: _Writer, name: str, dry_run: bool) -> None:
    """One transaction: rows imported before get that matter's number, the rest are written.
    Sets each row's outcome."""
    with contextlib.nullcontext() if dry_run else transaction.atomic():
        existing = _existing(r.key for r in batch)
        new = []
        for row in batch:
            if row.key not in existing:
                new.append(row)
                row.outcome = "accepted"
            elif existing[row.key][0] == row.fingerprint:
                row.outcome, row.number = "already", existing[row.key][1]
            else:
                row.outcome = "reused"
        numbers = [""] * len(new) if dry_run else writer.write(new, name)
        for row, number in zip(new, numbers, strict=True):
            row.number = number


def _report(report: ImportReport, checker: _Checker, row: _Row, first: _Row) -> None:
    """Report `row`, whose key was first seen on `first` (itself, or an earlier row of the file)."""
    if first.fingerprint != row.fingerprint or first.outcome == "reused":
        message = _("编号“%(id)s”已导入过，但内容不同；未作修改。") % {"id": row.values.get("external_id", "")}
        report.rejected.append(
            Rejection(row.line, checker.header_of("external_id"), "external_id_reused", message, row.cells)
        )
    elif row is first and row.outcome == "accepted":
        report.accepted.append((row.line, row.number))
    else:
        report.already.append((row.line, first.number))


class _Locator:
    """org.services.locate for a batch of points: the deepest unit whose boundary covers the point
    (path order among equals), with the boundaries loaded once and the points tested together."""

    def __init__(self) -> None:
        self.tree: Any = None
        self.units: list[tuple[int, int, str]] = []  # (pk, depth, path) of each geometry in the tree

    def _load(self) -> None:
        geometries = []
        for pk, depth, path, updated_at, boundary in Unit.objects.filter(min_lon__isnull=False).values_list(
            "pk", "depth", "path", "updated_at", "boundary"
        ):
            geojson = json.dumps(boundary, sort_keys=True)
            geometries.append(geo.prepared(pk, updated_at.isoformat(), geojson))
            self.units.append((pk, depth, path))
        self.tree = STRtree(geometries)

    def locate(self, rows: list[_Row]) -> None:
        located = [r for r in rows if r.point is not None]
        if not located:
            return
        if self.tree is None:
            self._load()
        found: dict[int, tuple[int, int, str]] = {}
        query = points([r.point for r in located if r.point is not None])
        for index, unit in zip(*self.tree.query(query, predicate="covered_by"), strict=True):
            pk, depth, path = self.units[unit]
            best = found.get(int(index))
            if best is None or (-depth, path) < (-best[1], best[2]):
                found[int(index)] = (pk, depth, path)
        for index, row in enumerate(located):
            channel, kind, category, risk, intake, _none = row.shape
            row.shape = (channel, kind, category, risk, intake, found[index][0] if index in found else None)
