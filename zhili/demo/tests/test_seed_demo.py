from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import transaction
from django.test import Client, RequestFactory, override_settings
from shapely.geometry import shape

from zhili.accounts.models import Membership, User
from zhili.accounts.roles import Role
from zhili.audit.models import AuditEvent
from zhili.demo import data, loader
from zhili.org import services as org
from zhili.org.models import Unit

pytestmark = pytest.mark.django_db

COUNTIES = {
    "511102": "市中区",
    "511111": "沙湾区",
    "511112": "五通桥区",
    "511113": "金口河区",
    "511123": "犍为县",
    "511124": "井研县",
    "511126": "夹江县",
    "511129": "沐川县",
    "511132": "峨边彝族自治县",
    "511133": "马边彝族自治县",
    "511181": "峨眉山市",
}
COUNTY_DEPARTMENTS = (
    "police_station",
    "traffic_police",
    "human_resources",
    "housing",
    "natural_resources",
    "market_regulation",
    "petition_bureau",
    "legal_aid_center",
    "court",
)

# Argon2 costs ~0.25 s a hash; the eight demo accounts would dominate the test time.
FAST_HASHER = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="module")
def demo(django_db_setup: None, django_db_blocker: pytest.FixtureRequest) -> Iterator[loader.Report]:
    """The demo loaded once for the module (about 1 s); each test runs in a savepoint inside."""
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=FAST_HASHER), transaction.atomic():
        yield loader.load()
        transaction.set_rollback(True)


@pytest.fixture(autouse=True)
def _fast_hasher(settings: pytest.FixtureRequest) -> None:
    settings.PASSWORD_HASHERS = FAST_HASHER


def snapshot() -> dict[str, int]:
    return {
        "units": Unit.objects.count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "events": AuditEvent.objects.count(),
    }


def test_the_data_is_consistent() -> None:
    specs = data.units()
    codes = [spec.code for spec in specs]
    assert len(codes) == len(set(codes))
    seen: set[str] = set()
    for spec in specs:  # every parent comes before its children
        assert spec.parent is None or spec.parent in seen
        seen.add(spec.code)
    assert 250 < len(specs) < 500
    assert {account.role for account in data.ACCOUNTS} == set(Role.values)
    assert all(account.unit_code is None or account.unit_code in seen for account in data.ACCOUNTS)


def test_the_first_load_creates_everything(demo: loader.Report) -> None:
    total = len(data.units())
    assert (demo.units_created, demo.people_created, demo.roles_granted) == (total, 8, 7)
    assert demo.summary() == f"created {total} units, 8 people (0 already present)"
    assert Unit.objects.count() == total


def test_the_eleven_counties_hang_under_leshan(demo: loader.Report) -> None:
    city = Unit.objects.get(code="511100")
    assert (city.name, city.unit_type_id, city.is_root()) == ("乐山市", "city", True)
    counties = {unit.code: unit.name for unit in Unit.objects.get_children(city).filter(unit_type="county")}
    assert counties == COUNTIES


def test_every_demo_unit_and_account_is_marked_demo(demo: loader.Report) -> None:
    assert not Unit.objects.filter(is_demo=False).exists()
    assert not User.objects.filter(is_demo=False).exists()
    assert User.objects.count() == len(data.ACCOUNTS)
    events = AuditEvent.objects.filter(reason=loader.REASON)
    assert events.count() == Unit.objects.count() + User.objects.count() + Membership.objects.count()
    assert set(events.values_list("source", flat=True)) == {"cli"}


def test_townships_communities_and_grids_under_each_county(demo: loader.Report) -> None:
    for code in COUNTIES:
        county = Unit.objects.get(code=code)
        below = Counter(Unit.objects.get_descendants(county).values_list("unit_type", flat=True))
        assert 2 <= below["township"] <= 3
        assert below["community"] == 2 * below["township"]
        assert below["grid"] == 2 * below["community"]
        assert below["judicial_office"] == below["township"]
        for unit_type in COUNTY_DEPARTMENTS:
            assert below[unit_type] >= 1, (code, unit_type)
    departments = Unit.objects.filter(unit_type__level__isnull=True)
    assert not departments.exclude(boundary=None).exists()
    assert not Unit.objects.filter(unit_type__level__isnull=False, boundary=None).exists()


def test_loading_twice_changes_nothing(demo: loader.Report) -> None:
    before = snapshot()
    again = loader.load()
    assert snapshot() == before
    assert again.created == 0
    present = before["units"] + before["users"]
    assert again.summary() == f"created 0 units, 0 people ({present} already present)"


def test_each_role_has_an_account_that_can_log_in(demo: loader.Report) -> None:
    request = RequestFactory().get("/")  # django-axes needs the request to authenticate
    for account in data.ACCOUNTS:
        assert Client().login(request=request, username=account.username, password=data.PASSWORD), account
        user = User.objects.get(username=account.username)
        roles = set(user.memberships.values_list("unit__code", "role"))
        assert roles == ({(account.unit_code, account.role)} if account.unit_code else set())


def test_a_point_in_a_grid_is_located_to_that_grid(demo: loader.Report) -> None:
    for code in COUNTIES:
        county = Unit.objects.get(code=code)
        grid = Unit.objects.get_descendants(county).filter(unit_type="grid").last()
        lon, lat = data.centre(grid.boundary)
        found = org.locate(lon, lat)
        assert found == grid
        assert county in Unit.objects.get_ancestors(found)


def test_every_boundary_lies_inside_its_parent(demo: loader.Report) -> None:
    territorial = {unit.pk: unit for unit in Unit.objects.filter(unit_type__level__isnull=False)}
    for unit in territorial.values():
        if unit.is_root():
            continue
        parent = Unit.objects.get_parent(unit)
        assert shape(parent.boundary).contains(shape(unit.boundary)), unit.code
    bounds = shape(Unit.objects.get(code="511100").boundary).bounds
    assert 103.2 <= bounds[0] < bounds[2] <= 104.1 and 28.9 <= bounds[1] < bounds[3] <= 29.8


def test_the_command_reports_and_changes_nothing_when_loaded(demo: loader.Report) -> None:
    before = snapshot()
    out = StringIO()
    call_command("seed_demo", "--matters", "0", stdout=out, no_color=True)
    present = len(data.units()) + len(data.ACCOUNTS)
    assert f"created 0 units, 0 people ({present} already present)" in out.getvalue()
    assert "demo-admin" in out.getvalue() and data.PASSWORD in out.getvalue()
    assert snapshot() == before


def test_the_command_refuses_production_without_force(demo: loader.Report, settings: pytest.FixtureRequest) -> None:
    settings.HTTPS = True
    with pytest.raises(CommandError, match="--force"):
        call_command("seed_demo", stdout=StringIO())
