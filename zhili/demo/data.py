"""The demo organisation as plain data: 乐山市, its 11 county-level divisions and, below them,
invented townships, communities, grids and departments, plus one demo account per role.

City and county names and codes are real (GB/T 2260). Everything below county level, every
department name, address, phone number, boundary and person is invented for the demo.

`units()` returns the whole tree in creation order (every parent before its children); the
loader (zhili.demo.loader) creates what is missing. Nothing here touches the database.
"""

from __future__ import annotations

import zlib
from dataclasses import dataclass, field
from functools import cache
from typing import Any

PASSWORD = "Zhili-demo-2026"  # noqa: S105 - public by design; seed-demo refuses production
OFFICE_HOURS = "周一至周五 9:00-12:00，13:30-17:30"
ROUND_THE_CLOCK = "全天24小时"

CITY_CODE = "511100"
CITY_NAME = "乐山市"
# The city's box (west, south, east, north), roughly around Leshan; counties sit in a 4 × 3 layout.
CITY_BOX = (103.2, 28.9, 104.1, 29.8)
LAYOUT = (4, 3)  # columns west → east, rows north → south

# code, name, short name, (row from north, column from west), townships (invented)
COUNTIES: tuple[tuple[str, str, str, tuple[int, int], tuple[str, ...]], ...] = (
    ("511102", "市中区", "市中", (0, 2), ("滨江街道", "嘉禾街道", "青平镇")),
    ("511111", "沙湾区", "沙湾", (1, 1), ("铜河街道", "翠屏镇")),
    ("511112", "五通桥区", "五通桥", (1, 2), ("盐井街道", "榕溪镇")),
    ("511113", "金口河区", "金口河", (1, 0), ("河口街道", "云岭乡")),
    ("511123", "犍为县", "犍为", (1, 3), ("文昌镇", "桂溪镇", "罗岩镇")),
    ("511124", "井研县", "井研", (0, 3), ("研溪镇", "盐泉镇")),
    ("511126", "夹江县", "夹江", (0, 1), ("依江街道", "甘泉镇")),
    ("511129", "沐川县", "沐川", (2, 2), ("竹海镇", "幽泉镇")),
    ("511132", "峨边彝族自治县", "峨边", (2, 0), ("大渡河镇", "杉林乡")),
    ("511133", "马边彝族自治县", "马边", (2, 1), ("马湖镇", "云雾乡")),
    ("511181", "峨眉山市", "峨眉山", (0, 0), ("灵秀街道", "云门镇", "茶溪镇")),
)

# Two communities (社区) or villages (村) per township, taken in order; all invented.
COMMUNITY_STEMS = (  # noqa: SIM905 - 50 stems read better as one string
    "和平 新民 幸福 龙泉 桃源 石桥 柏杨 金竹 双河 红星 永丰 长乐 团结 光明 向阳 青龙 白鹤 凤凰 丰收 莲花 "
    "玉屏 顺江 竹林 新桥 杨柳 清水 望江 平安 新华 兴隆 桂花 黄桷 松林 梨园 田坝 观音 金沙 马鞍 茶园 五星 "
    "大坪 河坝 水井 高峰 银杏 三合 紫云 古井 荷叶 天池"
).split()

# Departments of each county (unit type, name after the county's name).
COUNTY_DEPARTMENTS = (
    ("human_resources", "{county}人力资源和社会保障局"),
    ("housing", "{county}住房和城乡建设局"),
    ("natural_resources", "{county}自然资源局"),
    ("market_regulation", "{county}市场监督管理局"),
    ("petition_bureau", "{county}信访局"),
    ("legal_aid_center", "{county}法律援助中心"),
    ("court", "{county}人民法院"),
)

# Departments serving the whole city: the remaining lead unit types of the taxonomy live here, so
# every category has a lead unit somewhere in the demo.
CITY_DEPARTMENTS = (
    ("court", "乐山市中级人民法院"),
    ("arbitration_commission", "乐山仲裁委员会"),
    ("notary_office", "乐山市公证处"),
    ("appraisal_institution", "乐山市司法鉴定中心"),
    ("petition_bureau", "乐山市信访局"),
    ("legal_aid_center", "乐山市法律援助中心"),
    ("agriculture", "乐山市农业农村局"),
    ("ecology", "乐山市生态环境局"),
    ("health", "乐山市卫生健康委员会"),
    ("culture_tourism", "乐山市文化广播电视和旅游局"),
    ("urban_management", "乐山市综合行政执法局"),
    ("emergency_management", "乐山市应急管理局"),
    ("civil_affairs", "乐山市民政局"),
    ("women_federation", "乐山市妇女联合会"),
)

ROADS = ("人民路", "新村街", "文化路", "建设路", "滨河路", "育才路", "和平街", "府前街")
ORDINALS = ("第一", "第二")


@dataclass(frozen=True)
class Account:
    username: str
    role: str
    unit_code: str | None  # None: a resident, no membership
    full_name: str
    phone: str
    title: str = ""


ACCOUNTS = (
    Account("demo-admin", "admin", CITY_CODE, "李明远", "13900000101", "系统管理员"),
    Account("demo-auditor", "auditor", CITY_CODE, "周文静", "15900000102", "审计员"),
    Account("demo-leader", "leader", "511102", "陈志强", "18900000103", "综治中心主任"),
    Account("demo-clerk", "clerk", "511102", "刘晓燕", "13800000104", "受理员"),
    Account("demo-mediator", "mediator", "511102001-judicial_office", "张秀英", "15800000105", "人民调解员"),
    Account("demo-handler", "handler", "511102-police_station-1", "杨海波", "18800000106", "承办民警"),
    Account("demo-grid", "grid_worker", "511102001001001", "赵丽华", "13700000107", "专职网格员"),
    Account("demo-resident", "resident", None, "黄大伟", "15700000108"),
)


@dataclass(frozen=True)
class UnitSpec:
    code: str
    parent: str | None  # the parent's code
    unit_type: str
    name: str
    short_name: str = ""
    contact_phone: str = ""
    address: str = ""
    working_hours: str = ""
    boundary: dict[str, Any] | None = field(default=None, hash=False, compare=False)

    def fields(self) -> dict[str, Any]:
        """Keyword arguments for zhili.org.services.create_unit."""
        return {
            "code": self.code,
            "name": self.name,
            "short_name": self.short_name,
            "contact_phone": self.contact_phone,
            "address": self.address,
            "working_hours": self.working_hours,
            "boundary": self.boundary,
            "is_demo": True,
        }


# --- invented contact details, stable for a given code ---------------------------------------


def _hash(code: str) -> int:
    return zlib.crc32(code.encode())


def _phone(code: str) -> str:
    return f"0833-{2100000 + _hash(code) % 7900000}"


def _street_address(prefix: str, code: str) -> str:
    h = _hash(code)
    return f"{prefix}{ROADS[h % len(ROADS)]}{h % 297 + 1}号"


# --- invented boundaries: nested axis-aligned rectangles -------------------------------------

Box = tuple[float, float, float, float]  # west, south, east, north


def _inset(box: Box, fraction: float) -> Box:
    west, south, east, north = box
    dx, dy = (east - west) * fraction, (north - south) * fraction
    return (west + dx, south + dy, east - dx, north - dy)


def _split(box: Box, parts: int, along: str) -> list[Box]:
    """`parts` equal strips of the box, west → east (along="lon") or north → south ("lat"),
    each inset a little so siblings do not touch and children stay strictly inside."""
    west, south, east, north = box
    strips: list[Box] = []
    for i in range(parts):
        if along == "lon":
            step = (east - west) / parts
            strip = (west + i * step, south, west + (i + 1) * step, north)
        else:
            step = (north - south) / parts
            strip = (west, north - (i + 1) * step, east, north - i * step)
        strips.append(_inset(strip, 0.04))
    return strips


def _county_box(row: int, column: int) -> Box:
    west, south, east, north = CITY_BOX
    columns, rows = LAYOUT
    width, height = (east - west) / columns, (north - south) / rows
    slot = (
        west + column * width,
        north - (row + 1) * height,
        west + (column + 1) * width,
        north - row * height,
    )
    return _inset(slot, 0.02)


def polygon(box: Box) -> dict[str, Any]:
    west, south, east, north = (round(value, 6) for value in box)
    ring = [[west, south], [east, south], [east, north], [west, north], [west, south]]
    return {"type": "Polygon", "coordinates": [ring]}


def centre(boundary: dict[str, Any]) -> tuple[float, float]:
    """The centre of a demo rectangle (lon, lat): a point inside it, for tests and benchmarks."""
    ring = boundary["coordinates"][0]
    return ((ring[0][0] + ring[2][0]) / 2, (ring[0][1] + ring[2][1]) / 2)


# --- the tree ---------------------------------------------------------------------------------


def _police_bureau(county: str) -> str:
    return f"{county}公安分局" if county.endswith("区") else f"{county}公安局"


def _township_short(name: str) -> str:
    for suffix in ("街道", "镇", "乡"):
        if name.endswith(suffix):
            return name.removesuffix(suffix)
    return name


def _office(
    code: str,
    parent: str | None,
    unit_type: str,
    name: str,
    where: str,
    *,
    short_name: str = "",
    hours: str = OFFICE_HOURS,
    box: Box | None = None,
) -> UnitSpec:
    """A unit with an office: an invented phone number and street address in `where`."""
    return UnitSpec(
        code,
        parent,
        unit_type,
        name,
        short_name=short_name,
        contact_phone=_phone(code),
        address=_street_address(where, code),
        working_hours=hours,
        boundary=polygon(box) if box else None,
    )


@cache
def units() -> tuple[UnitSpec, ...]:
    """Every demo unit, each parent before its children."""
    stems = iter(COMMUNITY_STEMS)
    seat = f"{CITY_NAME}市中区"
    specs = [_office(CITY_CODE, None, "city", CITY_NAME, seat, short_name="乐山", box=CITY_BOX)]
    for code, county, short, (row, column), townships in COUNTIES:
        where = f"{CITY_NAME}{county}"
        county_box = _county_box(row, column)
        specs.append(_office(code, CITY_CODE, "county", county, where, short_name=short, box=county_box))
        township_boxes = _split(county_box, len(townships), "lat")
        for t, (township, township_box) in enumerate(zip(townships, township_boxes, strict=True), start=1):
            t_code, t_short, t_where = f"{code}{t:03d}", _township_short(township), f"{where}{township}"
            specs.append(_office(t_code, code, "township", township, t_where, short_name=t_short, box=township_box))
            for c, community_box in enumerate(_split(township_box, 2, "lon"), start=1):
                village = township.endswith(("镇", "乡")) and c == 2
                community = next(stems) + ("村" if village else "社区")
                c_code = f"{t_code}{c:03d}"
                specs.append(
                    UnitSpec(
                        c_code,
                        t_code,
                        "community",
                        community,
                        contact_phone=_phone(c_code),
                        address=f"{t_where}{community}党群服务中心",
                        working_hours=OFFICE_HOURS,
                        boundary=polygon(community_box),
                    )
                )
                for g, grid_box in enumerate(_split(community_box, 2, "lat"), start=1):
                    grid = f"{community}{ORDINALS[g - 1]}网格"
                    specs.append(UnitSpec(f"{c_code}{g:03d}", c_code, "grid", grid, boundary=polygon(grid_box)))
            specs.append(
                _office(
                    f"{t_code}-judicial_office",
                    t_code,
                    "judicial_office",
                    f"{county}{t_short}司法所",
                    t_where,
                )
            )
        bureau = _police_bureau(county)
        for p, township in enumerate(townships[:2], start=1):
            station = f"{bureau}{_township_short(township)}派出所"
            specs.append(
                _office(
                    f"{code}-police_station-{p}",
                    code,
                    "police_station",
                    station,
                    f"{where}{township}",
                    hours=ROUND_THE_CLOCK,
                )
            )
        specs.append(
            _office(
                f"{code}-traffic_police",
                code,
                "traffic_police",
                f"{bureau}交通警察大队",
                where,
                hours=ROUND_THE_CLOCK,
            )
        )
        for unit_type, template in COUNTY_DEPARTMENTS:
            specs.append(_office(f"{code}-{unit_type}", code, unit_type, template.format(county=county), where))
    for unit_type, name in CITY_DEPARTMENTS:
        specs.append(_office(f"{CITY_CODE}-{unit_type}", CITY_CODE, unit_type, name, seat))
    return tuple(specs)
