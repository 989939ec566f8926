"""Every endpoint and page that shows domain objects applies the jurisdiction scope.

Given an object in township A1 (under county A), a user of the parent county sees it, a user of
the sibling township A2 and a resident do not: its detail answers 404 (never 403) and lists leave
it out. The test walks the API router and the URL resolver, so a new endpoint or page that is not
covered here fails the test until it is declared.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.urls import URLPattern, URLResolver, get_resolver
from rest_framework.test import APIClient

from zhili import testing
from zhili.accounts.models import Membership
from zhili.api_urls import router
from zhili.audit.models import AuditEvent
from zhili.core.api import ScopedViewSetMixin
from zhili.core.views import ScopedDetailView, ScopedListView
from zhili.taxonomy.api import GlobalReadOnlyViewSet


@dataclass
class World:
    tree: testing.Tree
    objects: dict[str, Any]
    parent: Any
    sibling: Any
    resident: Any


def _objects(tree: testing.Tree) -> dict[str, Any]:
    """One object per scoped model, all placed inside township A1."""
    person = testing.person("a1-clerk", role="clerk", unit_=tree.township_a1, phone="13812345678")
    membership = Membership.objects.get(user=person)
    event = AuditEvent.objects.filter(object_id=str(tree.community_a1.pk), kind="create").get()
    from zhili.matters.actions import receive

    matter, _created = receive(
        actor=person, channel="walk_in", description="邻里噪音", category="neighbor", intake_unit=tree.township_a1
    )
    return {
        "matter": matter,
        "unit": tree.community_a1,
        "person": person,
        "membership": membership,
        "auditevent": event,
    }


@pytest.fixture
def world(tree: testing.Tree) -> World:
    parent = testing.person("county-a", role="admin", unit_=tree.county_a)
    sibling = testing.person("township-a2", role="admin", unit_=tree.township_a2)
    for user, unit in ((parent, tree.county_a), (sibling, tree.township_a2)):
        from zhili.accounts.services import grant_role

        grant_role(user, unit, "auditor")
    resident = testing.person("resident")
    return World(tree, _objects(tree), parent, sibling, resident)


client_for = testing.api_client


def scoped_routes() -> list[tuple[str, type, str]]:
    return [(p, v, b) for p, v, b in router.registry if issubclass(v, ScopedViewSetMixin)]


def test_every_api_route_is_scoped_or_declared_global() -> None:
    for prefix, viewset, _basename in router.registry:
        assert issubclass(viewset, ScopedViewSetMixin | GlobalReadOnlyViewSet), (
            f"/api/v1/{prefix}/ must inherit ScopedViewSetMixin (or be global reference data)"
        )


@pytest.mark.django_db
def test_every_scoped_api_route_has_a_visibility_case(world: World) -> None:
    missing = {b for _p, _v, b in scoped_routes()} - set(world.objects)
    assert not missing, f"declare an object for {sorted(missing)} in _objects()"


def _ids(response: Any) -> set[Any]:
    body = response.json()
    return {item["id"] for item in (body["results"] if isinstance(body, dict) else body)}


@pytest.mark.django_db
@pytest.mark.parametrize("prefix,basename", [(p, b) for p, _v, b in scoped_routes()])
def test_api_visibility(world: World, prefix: str, basename: str) -> None:
    obj = world.objects[basename]
    detail = f"/api/v1/{prefix}/{obj.pk}/"
    listing = f"/api/v1/{prefix}/?page_size=500"

    parent = client_for(world.parent)
    assert parent.get(detail).status_code == 200
    assert obj.pk in _ids(parent.get(listing))

    for outsider in (world.sibling, world.resident):
        client = client_for(outsider)
        response = client.get(detail)
        assert response.status_code == 404, (basename, outsider.username, response.status_code)
        assert response.json()["errors"][0]["code"] == "not_found"
        assert obj.pk not in _ids(client.get(listing))
        # Writes and detail actions on an unseen object are "not found" too, never "forbidden".
        for method in ("patch", "delete"):
            assert getattr(client, method)(detail, {}, format="json").status_code in {404, 405}
        viewset = dict((b, v) for _p, v, b in router.registry)[basename]
        for extra in viewset.get_extra_actions():
            if extra.detail:
                method = next(iter(extra.mapping))
                url = f"{detail}{extra.url_path}/"
                assert getattr(client, method)(url, {}, format="json").status_code == 404, url

    anonymous = APIClient()
    assert anonymous.get(detail).status_code in {401, 403}
    assert anonymous.get(listing).status_code in {401, 403}


@pytest.mark.django_db
@pytest.mark.parametrize("prefix", [p for p, v, _b in router.registry if issubclass(v, GlobalReadOnlyViewSet)])
def test_global_reference_data_needs_sign_in_only(world: World, prefix: str) -> None:
    assert client_for(world.resident).get(f"/api/v1/{prefix}/").status_code == 200
    assert APIClient().get(f"/api/v1/{prefix}/").status_code in {401, 403}


# --- pages -----------------------------------------------------------------------------------

# Pages that show no domain object of one jurisdiction, with the reason.
UNSCOPED_PAGES: dict[str, str] = {
    "web:home": "the signed-in user's own roles; counts go through restrict()",
    "web:healthz": "liveness probe, no data",
    "accounts:login": "sign-in",
    "accounts:logout": "sign-out",
    "accounts:otp_setup": "the user's own second factor",
    "accounts:otp_verify": "the user's own second factor",
    "api-schema": "OpenAPI schema, no data",
    "api-docs": "API documentation, no data",
    "api-docs-script": "API documentation, no data",
    "set_language": "language switch",
    "matters:intake": "a form to register a matter; units offered are those of the clerk's intake scope",
    "matters:triage_preview": "triage of the text being typed; shows no stored object",
    # The resident portal: no staff scope; a matter opens only with proof of its reporter phone
    # (zhili/portal/tests/test_pages.py: proof for one matter opens no other).
    "portal:home": "the portal's front page, no data",
    "portal:report": "a form to report a matter",
    "portal:report_hint": "triage of the text being typed; shows no stored object",
    "portal:track": "asks for a one-time code; says the same whatever the number and phone",
    "portal:verify": "checks a one-time code",
    "portal:matter": "the one matter whose reporter phone this session proved, else a redirect",
    "portal:step": "the one matter whose reporter phone this session proved, else 404",
    "matters:duplicates": "earlier matters like the one being typed, through restrict(view) (test_duplicates.py)",
    "web:switch_unit": "the user's own current unit, one of their memberships (test_unit_switcher.py)",
    "web:saved_view_create": "the user's own saved inbox filters (test_saved_views.py)",
    "web:saved_view_delete": "the user's own saved inbox filters; another's answers 404 (test_saved_views.py)",
    # The grid worker's phone pages (zhili/grid/tests/test_pages.py).
    "grid:home": "the grid worker's own matters, through restrict(view)",
    "grid:report": "a form to report a matter at the worker's own grid",
    "grid:suggest": "triage of the text being typed; shows no stored object",
    "accounts:person_create": "a form to create a person with a first role in a unit of the people.manage scope",
}
# Object actions on pages (POST to /<pk>/...): an outsider must get 404.
OBJECT_ACTION_PAGES: dict[str, str] = {
    "grid:resolve": "matter",
    "accounts:person_reveal": "person",
    "matters:step": "matter",
    "matters:reveal": "matter",
    "matters:attach": "matter",
    # People's accounts and roles (zhili/accounts/tests/test_person_manage_pages.py).
    "accounts:person_edit": "person",
    "accounts:person_password": "person",
    "accounts:person_grant": "person",
    "accounts:membership_retitle": "membership",
    "accounts:membership_revoke": "membership",
    "accounts:person_reset_second_factor": "person",
    "accounts:person_unlock": "person",
    "accounts:person_revoke_tokens": "person",
}
PAGE_MODELS: dict[str, str] = {
    "matter": "matter",
    "unit": "unit",
    "user": "person",
    "auditevent": "auditevent",
    "membership": "membership",
}


def _patterns(resolver: URLResolver, namespace: str = "", prefix: str = "") -> Iterator[tuple[str, str, Any]]:
    for entry in resolver.url_patterns:
        if isinstance(entry, URLResolver):
            space = f"{namespace}{entry.namespace}:" if entry.namespace else namespace
            yield from _patterns(entry, space, prefix + str(entry.pattern))
        elif isinstance(entry, URLPattern):
            yield f"{namespace}{entry.name}" if entry.name else "", prefix + str(entry.pattern), entry.callback


def page_patterns() -> list[tuple[str, str, Any]]:
    """Every URL outside /api/v1/ and /admin/ (Django admin is for superusers only)."""
    return [
        (name, route, callback)
        for name, route, callback in _patterns(get_resolver())
        if not route.startswith(("api/v1/", "admin/", "i18n/")) or name == "set_language"
    ]


def _view_class(callback: Callable[..., Any]) -> type | None:
    return getattr(callback, "view_class", None)


def _post_only(cls: type | None) -> bool:
    return cls is not None and "get" not in getattr(cls, "http_method_names", ["get"])


def test_every_page_is_scoped_or_declared() -> None:
    for name, route, callback in page_patterns():
        cls = _view_class(callback)
        scoped = cls is not None and issubclass(cls, ScopedListView | ScopedDetailView) and not _post_only(cls)
        assert scoped or name in UNSCOPED_PAGES or name in OBJECT_ACTION_PAGES, (
            f"page {route!r} ({name}) must use ScopedListView/ScopedDetailView or be declared"
        )


def _page_cases() -> list[tuple[str, str, str]]:
    cases = []
    for name, _route, callback in page_patterns():
        cls = _view_class(callback)
        if cls is not None and issubclass(cls, ScopedListView | ScopedDetailView) and not _post_only(cls):
            kind = "list" if issubclass(cls, ScopedListView) else "detail"
            cases.append((name, kind, PAGE_MODELS[cls.model._meta.model_name]))
    return cases


@pytest.mark.django_db
@pytest.mark.parametrize("name,kind,key", _page_cases())
def test_page_visibility(world: World, client: Any, name: str, kind: str, key: str) -> None:
    from django.urls import reverse

    obj = world.objects[key]
    if kind == "detail":
        url = reverse(name, kwargs={"pk": obj.pk})
        client.force_login(world.parent)
        assert client.get(url).status_code == 200
        for outsider in (world.sibling, world.resident):
            client.force_login(outsider)
            assert client.get(url).status_code == 404, (name, outsider.username)
    else:
        url = reverse(name) + "?page_size=500"
        client.force_login(world.parent)
        response = client.get(url)
        assert response.status_code == 200
        assert obj.pk in {o.pk for o in response.context["object_list"]}
        for outsider in (world.sibling, world.resident):
            client.force_login(outsider)
            response = client.get(url)
            assert response.status_code == 200
            assert obj.pk not in {o.pk for o in response.context["object_list"]}
    client.logout()
    response = client.get(url)
    assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.django_db
@pytest.mark.parametrize("name,key", sorted(OBJECT_ACTION_PAGES.items()))
def test_page_object_actions_hide_outside_objects(world: World, client: Any, name: str, key: str) -> None:
    from django.urls import reverse

    if key == "membership":  # a role of the person: /people/<person>/roles/<membership>/…
        membership = world.objects["membership"]
        url = reverse(name, kwargs={"pk": membership.user_id, "membership": membership.pk})
    else:
        url = reverse(name, kwargs={"pk": world.objects[key].pk})
    for outsider in (world.sibling, world.resident):
        client.force_login(outsider)
        assert client.post(url, {"field": "phone", "reason": "核实身份"}).status_code == 404
