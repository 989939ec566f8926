"""Jurisdiction (属地) of a report: the territorial unit a matter belongs to.

A point inside a unit's boundary wins; else the address; else place names found in the text. The
answer is always a territorial unit (city … grid, a unit type with a level), never a department.

Names are matched against the project's own unit tree, so any tree an admin builds works: every
territorial unit is known by its name, its `short_name` and the usual short forms (犍为县 → 犍为,
峨边彝族自治县 → 峨边/峨边县, 峨眉山市 → 峨眉山/峨眉, 盐井街道 → 盐井, 青平镇 → 青平); a
department's name stands for the unit it serves. The scan is a longest-match over a dict keyed by
first character, some tens of microseconds for a 200-character text; the index is built once per
process (zhili.core.memo) and rebuilt after a unit changes.

cpca (province/city/county parsing; imported lazily, it pulls in pandas) is asked only when the
tree leaves a division unexplained: an address with 省/市/县/区… outside the names matched, or a
text where a matched name follows such a division. Its county code anchors the unit with that code
(demo counties carry their GB/T 2260 codes) and rules out homonyms elsewhere (山东省济南市市中区 is
not 乐山's 市中区). Answers are memoised per address prefix.

Among the units named, the one most consistent with the others wins, deepest first: 五通桥区 +
盐井街道 → 盐井街道. Names pointing at different branches (a township name used in two counties,
two counties in one text) give their deepest common ancestor, with a lower confidence.
"""

from __future__ import annotations

import re
import warnings
from dataclasses import dataclass
from typing import Any

from zhili.core.memo import ProcessCache
from zhili.org.models import Unit
from zhili.taxonomy.models import UnitType


@dataclass(frozen=True)
class Jurisdiction:
    unit_id: int
    code: str
    name: str
    level: str  # unit type code: city/county/township/community/grid
    how: str  # "point" | "address" | "text"
    matched: str  # the words that matched, e.g. "五通桥区盐井街道"
    confidence: float  # 0..1


# How a key names its units, in the order a tie of equal length is settled.
FULL, DEPARTMENT, BLOCK, SHORT = "full", "department", "block", "short"
_RANK = {FULL: 0, DEPARTMENT: 1, BLOCK: 2, SHORT: 3}
_WEIGHT = {FULL: 1.0, DEPARTMENT: 0.6, SHORT: 0.8}
_SHORT_TWO = 0.7  # a two-character short form (犍为, 市中) is the likeliest to be a plain word

# Everyday words that contain a common short form but name no place (市中心 is not 市中区).
NOT_PLACES = ("市中心", "城市中", "超市中", "中级人民法院")

# After a short form, these make it a street's name: 滨江路, 文昌街, 青平大道.
_STREETS = ("路", "街", "巷", "大道", "大街")
# Suffixes whose removal gives the short form people use, longest first.
_SUFFIXES = ("街道办事处", "街道", "民族乡", "苏木", "镇", "乡", "市", "区", "县", "旗")
_AUTONOMOUS = ("自治县", "自治旗", "自治州")
# Names that keep their suffix: 和平社区 is not 和平社.
_NO_SHORT_FORM = ("社区", "村", "网格", "小区", "居委会", "村委会")
_ETHNIC = tuple(  # the 55 minority nationalities, as in 峨边彝族自治县
    f"{name}族"
    for name in (  # noqa: SIM905 - 55 names read better as one string
        "维吾尔 柯尔克孜 达斡尔 鄂温克 鄂伦春 乌孜别克 俄罗斯 塔吉克 塔塔尔 哈萨克 土家 布依 朝鲜 哈尼 "
        "傈僳 东乡 仡佬 拉祜 纳西 仫佬 锡伯 景颇 撒拉 布朗 毛南 普米 阿昌 基诺 德昂 保安 裕固 门巴 独龙 "
        "赫哲 高山 珞巴 蒙古 壮 回 满 苗 彝 藏 侗 瑶 白 黎 傣 畲 佤 水 羌 土 怒 京"
    ).split()
)
_DIVISION_CHARS = frozenset("省市州县区旗盟")
_SPACE = re.compile(r"\s+")
_STEP = Unit.steplen
_MEMO_SIZE = 2048


@dataclass(frozen=True, slots=True)
class _Place:
    id: int
    code: str
    name: str
    unit_type: str
    path: str
    division: str  # the 6-digit administrative code of the unit or its nearest coded ancestor, or ""


@dataclass(frozen=True, slots=True)
class _Key:
    kind: str
    units: tuple[int, ...]  # the territorial units the words name (a department's: the unit it serves)
    weight: float  # how surely the words name the units: a full name 1.0, a short form less
    vote: float  # the weight, less for lower levels, whose names repeat more (村 names, not county names)


@dataclass(frozen=True, slots=True)
class _Match:
    start: int
    end: int
    words: str
    kind: str
    units: tuple[int, ...]
    weight: float
    vote: float


@dataclass
class _Index:
    places: dict[int, _Place]
    by_path: dict[str, int]
    by_code: dict[str, int]
    keys: dict[str, _Key]
    lengths: dict[str, tuple[int, ...]]  # first character → key lengths, longest first
    umap: dict[str, str]  # county name → its code, for cpca's homonymous counties
    divisions: dict[str, tuple[str, str, int] | None]  # address → cpca's (code, name, where), memoised


# --- the name index ---------------------------------------------------------------------------


def _strip_ethnic(stem: str) -> str:
    changed = True
    while changed:
        changed = False
        for ethnic in _ETHNIC:
            if stem.endswith(ethnic) and len(stem) - len(ethnic) >= 2:
                stem, changed = stem[: -len(ethnic)], True
    return stem


def short_forms(name: str) -> set[str]:
    """The short forms people use for a unit's name (never shorter than two characters)."""
    if name.endswith(_NO_SHORT_FORM):
        return set()
    forms: set[str] = set()
    for suffix in _AUTONOMOUS:
        if name.endswith(suffix):
            stem = _strip_ethnic(name.removesuffix(suffix))
            if len(stem) >= 2 and stem != name.removesuffix(suffix):
                forms |= {stem, stem + suffix[-1]}  # 峨边, 峨边县
            return forms
    for suffix in _SUFFIXES:
        if name.endswith(suffix) and len(name) - len(suffix) >= 2:
            stem = name.removesuffix(suffix)
            forms.add(stem)
            if suffix in ("民族乡", "乡"):
                forms.add(_strip_ethnic(stem))
            elif suffix == "街道办事处":
                forms.add(stem + "街道")
            elif suffix in ("市", "区", "县") and len(stem) >= 3 and stem.endswith("山"):
                forms.add(stem[:-1])  # 峨眉山市 → 峨眉
            break
    return {form for form in forms if len(form) >= 2 and form != name}


def _division(code: str, parent: str) -> str:
    return code[:6] if code.isdigit() and len(code) >= 6 else parent


def _build() -> _Index:
    rows = list(
        Unit.objects.order_by("path").values_list(
            "id", "code", "name", "short_name", "path", "unit_type_id", "unit_type__level"
        )
    )
    places: dict[int, _Place] = {}
    by_path: dict[str, int] = {}
    departments: list[tuple[str, str]] = []  # (name, path)
    for pk, code, name, _short_name, path, unit_type, level in rows:
        if level is None:
            departments.append((name, path))
            continue
        parent = places.get(by_path.get(path[:-_STEP], -1))
        place = _Place(pk, code, name, unit_type, path, _division(code, parent.division if parent else ""))
        places[pk] = place
        by_path[path] = pk

    named: dict[str, dict[str, set[int]]] = {}  # words → kind → units

    def add(words: str, kind: str, unit: int | None) -> None:
        words = _SPACE.sub("", words)
        if len(words) >= 2:
            units = named.setdefault(words, {}).setdefault(kind, set())
            if unit is not None:
                units.add(unit)

    for place in places.values():
        add(place.name, FULL, place.id)
        for form in short_forms(place.name):
            add(form, SHORT, place.id)
    for pk, _code, _name, short_name, _path, _type, level in rows:
        if level is not None and short_name:
            add(short_name, SHORT, pk)
    for name, path in departments:
        served = next(
            (by_path[path[:end]] for end in range(len(path) - _STEP, 0, -_STEP) if path[:end] in by_path), None
        )
        add(name, DEPARTMENT, served)
    for words in NOT_PLACES:
        add(words, BLOCK, None)

    keys: dict[str, _Key] = {}
    for words, kinds in named.items():
        kind = min(kinds, key=_RANK.__getitem__)  # a full name beats a short form of another unit
        weight = _WEIGHT.get(kind, 0.0)
        if kind == SHORT and len(words) == 2:
            weight = _SHORT_TWO
        units = tuple(sorted(kinds[kind]))
        depth = min((len(places[unit].path) // _STEP for unit in units), default=1)
        keys[words] = _Key(kind, units, weight, weight * max(0.5, 1 - 0.04 * depth))
    lengths: dict[str, set[int]] = {}
    for words in keys:
        lengths.setdefault(words[0], set()).add(len(words))
    umap = {
        name: place.code
        for place in places.values()
        if place.code.isdigit() and len(place.code) == 6 and not place.code.endswith("00")
        for name in {place.name, re.sub(r"[省市]$", "", place.name)}
    }
    return _Index(
        places=places,
        by_path=by_path,
        by_code={place.code: place.id for place in places.values()},
        keys=keys,
        lengths={first: tuple(sorted(found, reverse=True)) for first, found in lengths.items()},
        umap=umap,
        divisions={},
    )


_index: ProcessCache[_Index] = ProcessCache(_build)
_index.clear_on_change(Unit, UnitType)


# --- matching ---------------------------------------------------------------------------------


def _scan(index: _Index, text: str) -> list[_Match]:
    """Every key found in the text, then the overlaps settled: the longer match keeps its
    characters, except that two full names may share some (乐山市中区 is 乐山市 + 市中区)."""
    found: list[_Match] = []
    for start, char in enumerate(text):
        for length in index.lengths.get(char, ()):
            key = index.keys.get(text[start : start + length])
            if key is not None:
                end = start + length
                if key.kind == SHORT and text.startswith(_STREETS, end):
                    continue  # 滨江路 is a street, not 滨江街道
                found.append(_Match(start, end, text[start:end], key.kind, key.units, key.weight, key.vote))
    found.sort(key=lambda m: (m.start - m.end, _RANK[m.kind], m.start))
    kept: list[_Match] = []
    for match in found:
        if all(_may_overlap(other, match) for other in kept):
            kept.append(match)
    return sorted(kept, key=lambda m: m.start)


def _may_overlap(kept: _Match, match: _Match) -> bool:
    if match.end <= kept.start or kept.end <= match.start:
        return True
    inside = kept.start <= match.start and match.end <= kept.end
    return match.kind == FULL and kept.kind == FULL and not inside


def _covers(index: _Index, ancestor: int, unit: int) -> bool:
    return index.places[unit].path.startswith(index.places[ancestor].path)


def _consistent(index: _Index, match: _Match, unit: int) -> bool:
    return any(_covers(index, named, unit) for named in match.units)


def _choose(index: _Index, matches: list[_Match], how: str) -> Jurisdiction | None:
    matches = [match for match in matches if match.units]
    if not matches:
        return None
    candidates = {unit for match in matches for unit in match.units}
    support = {unit: sum(m.vote for m in matches if _consistent(index, m, unit)) for unit in candidates}
    best = max(support.values())
    winners = [unit for unit, total in support.items() if total >= best - 1e-9]
    deepest = [u for u in winners if not any(w != u and _covers(index, u, w) for w in winners)]
    base, ceiling = (0.9, 0.95) if how == "address" else (0.8, 0.9)
    if len(deepest) == 1:
        unit = deepest[0]
        direct = max(m.weight for m in matches if unit in m.units)
        backing = sum(1 for m in matches if unit not in m.units and _consistent(index, m, unit))
        confidence = base * direct + 0.05 * min(backing, 2)
        if any(not _consistent(index, m, unit) for m in matches):
            confidence -= 0.15  # another branch is named too
        words = [m.words for m in matches if _consistent(index, m, unit)]
        return _answer(index, unit, how, words, min(confidence, ceiling))
    paths = [index.places[unit].path for unit in deepest]
    prefix = paths[0]
    while prefix and not (prefix in index.by_path and all(path.startswith(prefix) for path in paths)):
        prefix = prefix[:-_STEP]
    if not prefix:
        return None
    unit = index.by_path[prefix]
    words = [m.words for m in matches if any(_consistent(index, m, u) for u in deepest)]
    return _answer(index, unit, how, words, min(0.4, base * 0.45))


def _answer(index: _Index, unit: int, how: str, words: list[str], confidence: float) -> Jurisdiction:
    place = index.places[unit]
    matched = "".join(dict.fromkeys(words))
    return Jurisdiction(place.id, place.code, place.name, place.unit_type, how, matched, round(confidence, 2))


# --- cpca: the province, city and county of an address ------------------------------------------


def _cpca() -> Any:
    """cpca, imported on first use: it loads pandas and its table of divisions (about half a second)."""
    with warnings.catch_warnings():
        # cpca 0.5.5 still reads its data through pkg_resources (setuptools<82, pinned).
        warnings.filterwarnings("ignore", message="pkg_resources is deprecated", category=UserWarning)
        import cpca
    return cpca


def _compatible(division: str, code: str) -> bool:
    """Whether two 6-digit codes can name the same place (one a province/city of the other)."""

    def rank(value: str) -> int:
        return 0 if value.endswith("0000") else 1 if value.endswith("00") else 2

    size = 2 * (min(rank(division), rank(code)) + 1)
    return division[:size] == code[:size]


def _needs_division(address: str, matches: list[_Match]) -> bool:
    """Ask cpca only when part of the address the tree did not match names a division."""
    covered = {i for match in matches for i in range(match.start, match.end)}
    return any(char in _DIVISION_CHARS for i, char in enumerate(address) if i not in covered)


def _written_county(row: dict[str, Any], text: str) -> bool:
    """Whether cpca read a county actually written: in full, or after its city or province. cpca
    also reads bare short names of county-level cities (文昌 of 海南's 文昌市 inside 文昌镇)."""
    county, where = row["区"], int(row["区_pos"])
    if not county or where < 0:
        return False
    return text[where : where + len(county)] == county or row["市_pos"] >= 0 or row["省_pos"] >= 0


def _cpca_division(index: _Index, address: str) -> tuple[str, str, int] | None:
    """The deepest division cpca finds written in the address: (6-digit code, its name, where)."""
    # Divisions end in one of these characters, so cpca reads only up to the last of them: the
    # rest of the address (street, number) would only make the memo miss.
    address = address[: max(address.rfind(char) for char in _DIVISION_CHARS) + 1]
    if address in index.divisions:
        return index.divisions[address]
    row: dict[str, Any] = _cpca().transform([address], pos_sensitive=True, umap=index.umap).to_dict("records")[0]
    code, found = row.get("adcode"), None
    if code:
        # cpca fills in the levels above what it read (pos −1) and reads a lone 县 as 重庆's
        # counties; only a name actually written counts.
        if _written_county(row, address):
            found = (code, row["区"], int(row["区_pos"]))
        elif row["市"] and len(row["市"]) > 1 and row["市_pos"] >= 0 and row["市"] != "市辖区":
            found = (code[:4] + "00", row["市"], int(row["市_pos"]))
        elif row["省"] and row["省_pos"] >= 0:
            found = (code[:2] + "0000", row["省"], int(row["省_pos"]))
    if len(index.divisions) >= _MEMO_SIZE:
        index.divisions.clear()
    index.divisions[address] = found
    return found


def _within(index: _Index, matches: list[_Match], code: str) -> list[_Match]:
    """The matches, keeping only units that may lie in the division `code`. A unit whose code
    is no division cpca knows (an admin's own numbering) may lie anywhere."""
    known = _cpca().adcode_name

    def fits(unit: int) -> bool:
        division = index.places[unit].division
        return not division or known(division) is None or _compatible(division, code)

    kept = []
    for match in matches:
        units = tuple(u for u in match.units if fits(u))
        if units or not match.units:
            kept.append(_Match(match.start, match.end, match.words, match.kind, units, match.weight, match.vote))
    return kept


def _foreign_in_text(index: _Index, text: str, matches: list[_Match]) -> list[_Match]:
    """Drop the names cpca reads as part of a division elsewhere (山东省济南市市中区). Asked only
    when a matched name follows a division the tree did not match, so ordinary texts skip cpca."""
    covered = {i for match in matches for i in range(match.start, match.end)}
    if not any(
        m.units and m.start - 1 not in covered and text[m.start - 1 : m.start] in _DIVISION_CHARS for m in matches
    ):
        return matches
    try:
        found = _cpca().transform_text_with_addrs(text, pos_sensitive=True, umap=index.umap).to_dict("records")
    except KeyError:  # cpca 0.5.5 fails to tidy an empty result
        return matches
    counties = {int(row["区_pos"]): row["adcode"] for row in found if _written_county(row, text)}
    kept: list[_Match] = []
    for match in matches:
        code = counties.get(match.start)
        kept.extend(_within(index, [match], code) if code else [match])
    return kept


# --- resolve ----------------------------------------------------------------------------------


def _by_point(index: _Index, point: tuple[float, float]) -> Jurisdiction | None:
    from zhili.org import services as org

    lon, lat = point
    unit = org.locate(lon, lat)
    if unit is None:
        return None
    path = unit.path
    while path and path not in index.by_path:  # a department with a boundary: the unit it serves
        path = path[:-_STEP]
    if not path:
        return None
    confidence = 0.95 if path == unit.path else 0.9
    return _answer(index, index.by_path[path], "point", [f"{lon:.6f},{lat:.6f}"], confidence)


def resolve(text: str = "", address: str = "", point: tuple[float, float] | None = None) -> Jurisdiction | None:
    """The territorial unit a report belongs to, or None when nothing names one.

    `point` is (longitude, latitude), in the datum of the units' boundaries.
    """
    index = _index.get()
    if not index.places:
        return None
    if point is not None:
        found = _by_point(index, point)
        if found is not None:
            return found
    address, text = _SPACE.sub("", address or ""), _SPACE.sub("", text or "")
    division: tuple[str, str, int] | None = None
    by_address: Jurisdiction | None = None
    address_matches: list[_Match] = []
    if address:
        address_matches = _scan(index, address)
        if _needs_division(address, address_matches):
            division = _cpca_division(index, address)
        if division is not None:
            code, words, start = division
            address_matches = _within(index, address_matches, code)
            if code in index.by_code:
                words = next((m.words for m in address_matches if m.start == start), words)
                anchor = _Match(start, start + len(words), words, FULL, (index.by_code[code],), 1.0, 1.0)
                address_matches = sorted([*address_matches, anchor], key=lambda m: m.start)
        by_address = _choose(index, address_matches, "address")
    if not text:
        return by_address
    text_matches = _foreign_in_text(index, text, _scan(index, text))
    if division is not None:
        text_matches = _within(index, text_matches, division[0])
    if by_address is None:
        return _choose(index, text_matches, "text")
    # The text may name a place inside the address's unit (address 市中区, text 滨江街道).
    inside = []
    for match in text_matches:
        units = tuple(u for u in match.units if u != by_address.unit_id and _covers(index, by_address.unit_id, u))
        if units:
            inside.append(_Match(match.start, match.end, match.words, match.kind, units, match.weight, match.vote))
    if inside:
        backing = [m for m in address_matches if _consistent(index, m, by_address.unit_id)]
        refined = _choose(index, backing + inside, "text")
        if refined is not None and refined.unit_id != by_address.unit_id:
            return refined
    return by_address
