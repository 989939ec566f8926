from __future__ import annotations

import pytest

from zhili import testing
from zhili.accounts import services
from zhili.accounts.models import Membership, User
from zhili.audit.models import AuditEvent

pytestmark = pytest.mark.django_db


api = testing.api_client


def test_people_are_masked_in_lists_and_details(tree: testing.Tree) -> None:
    leader = testing.person(role="leader", unit_=tree.county_a)
    clerk = testing.person(
        "wang", role="clerk", unit_=tree.township_a1, phone="13812345678", id_number="511102199001011239"
    )
    body = api(leader).get(f"/api/v1/people/{clerk.pk}/").json()
    assert body["phone"] == "138****5678"
    assert body["id_number"] == "5111**********1239"
    assert "13812345678" not in api(leader).get("/api/v1/people/").content.decode()


def test_reveal_needs_permission_and_reason_and_is_logged(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.county_a)
    auditor = testing.person(role="auditor", unit_=tree.county_a)
    services.grant_role(auditor, tree.county_a, "leader")  # may view people, still may reveal as leader
    person = testing.person("li", role="grid_worker", unit_=tree.grid_a1, phone="13912345678")
    url = f"/api/v1/people/{person.pk}/reveal/"

    no_reason = api(clerk).post(url, {"field": "phone", "reason": ""}, format="json")
    assert no_reason.status_code == 400 and no_reason.json()["errors"][0]["attr"] == "reason"

    response = api(clerk).post(url, {"field": "phone", "reason": "回访核实"}, format="json")
    assert response.status_code == 200 and response.json() == {"field": "phone", "value": "13912345678"}
    event = AuditEvent.objects.get(kind="reveal")
    assert (event.actor, event.reason, event.data, event.object_id) == (
        clerk,
        "回访核实",
        {"field": "phone"},
        str(person.pk),
    )


def test_reveal_without_the_permission_is_forbidden(tree: testing.Tree) -> None:
    auditor = testing.person(role="auditor", unit_=tree.county_a)
    services.grant_role(auditor, tree.county_a, "handler")
    services.revoke_role(Membership.objects.get(user=auditor, role="handler"))
    services.grant_role(auditor, tree.county_b, "handler")  # may reveal, but only in county B
    person = testing.person("li", role="grid_worker", unit_=tree.grid_a1, phone="13912345678")
    leader = testing.person(role="leader", unit_=tree.county_b)
    services.grant_role(leader, tree.county_a, "auditor")  # sees county A people only as auditor
    response = api(leader).post(
        f"/api/v1/people/{person.pk}/reveal/", {"field": "phone", "reason": "核实"}, format="json"
    )
    assert response.status_code == 403
    assert not AuditEvent.objects.filter(kind="reveal").exists()


def test_admin_creates_a_person_with_a_role(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    response = api(admin).post(
        "/api/v1/people/",
        {
            "username": "zhang",
            "full_name": "张三",
            "phone": "138 1234 5678",
            "password": "Grid-worker-2026",
            "unit": tree.grid_a1.pk,
            "role": "grid_worker",
        },
        format="json",
    )
    assert response.status_code == 201, response.json()
    assert response.json()["phone"] == "138****5678"
    zhang = User.objects.get(username="zhang")
    assert zhang.phone == "13812345678" and zhang.check_password("Grid-worker-2026")
    assert AuditEvent.objects.filter(kind="permission", object_id=str(zhang.memberships.get().pk)).exists()
    create = AuditEvent.objects.get(kind="create", content_type__model="user", object_id=str(zhang.pk))
    assert create.after["phone"] == "138****5678"  # the log stores no personal data in clear


def test_person_creation_is_refused_outside_reach_and_for_bad_input(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    outside = api(admin).post(
        "/api/v1/people/", {"username": "x", "unit": tree.county_b.pk, "role": "clerk"}, format="json"
    )
    assert outside.status_code == 400 and outside.json()["errors"][0]["attr"] == "unit"
    bad_id = api(admin).post(
        "/api/v1/people/",
        {"username": "y", "unit": tree.county_a.pk, "role": "clerk", "id_number": "511102199001011230"},
        format="json",
    )
    assert bad_id.status_code == 400 and bad_id.json()["errors"][0]["attr"] == "id_number"
    assert not User.objects.filter(username__in=["x", "y"]).exists()


def test_memberships_are_granted_and_revoked_as_logged_permission_changes(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    person = testing.person("zhao", role="clerk", unit_=tree.township_a1)
    response = api(admin).post(
        "/api/v1/memberships/", {"user": person.pk, "unit": tree.township_a2.pk, "role": "mediator"}, format="json"
    )
    assert response.status_code == 201, response.json()
    again = api(admin).post(
        "/api/v1/memberships/", {"user": person.pk, "unit": tree.township_a2.pk, "role": "mediator"}, format="json"
    )
    assert again.status_code == 409 and again.json()["errors"][0]["code"] == "role_exists"
    assert api(admin).delete(f"/api/v1/memberships/{response.json()['id']}/").status_code == 204
    kinds = list(
        AuditEvent.objects.filter(content_type__model="membership", object_id=str(response.json()["id"]))
        .order_by("id")
        .values_list("kind", "data__op")
    )
    assert kinds == [("permission", "create"), ("permission", "delete")]


def test_granting_in_a_unit_outside_reach_looks_like_a_missing_unit(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    person = testing.person("zhao", role="clerk", unit_=tree.township_a1)
    outside = api(admin).post(
        "/api/v1/memberships/", {"user": person.pk, "unit": tree.county_b.pk, "role": "clerk"}, format="json"
    )
    missing = api(admin).post(
        "/api/v1/memberships/", {"user": person.pk, "unit": 999999, "role": "clerk"}, format="json"
    )
    assert outside.status_code == missing.status_code == 400
    assert outside.json()["errors"][0]["code"] == missing.json()["errors"][0]["code"] == "does_not_exist"


def test_deleting_a_person_deactivates_the_account(tree: testing.Tree) -> None:
    admin = testing.person(role="admin", unit_=tree.county_a)
    person = testing.person("gone", role="clerk", unit_=tree.township_a1)
    assert api(admin).delete(f"/api/v1/people/{person.pk}/").status_code == 204
    person.refresh_from_db()
    assert person.is_active is False
    assert AuditEvent.objects.filter(kind="permission", content_type__model="user", object_id=str(person.pk)).exists()


def test_me_lists_roles_and_reach(tree: testing.Tree) -> None:
    user = testing.person(role="auditor", unit_=tree.county_a)
    body = api(user).get("/api/v1/me/").json()
    assert body["username"] == user.username
    assert body["permissions"]["audit.view"] == [tree.county_a.pk]
    assert body["permissions"]["org.manage"] == []


def test_api_tokens_authenticate_integrations_until_revoked(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.township_a1)
    token = services.issue_token(user, days=30, reason="热线系统对接")
    client = testing.api_client(None)
    assert client.get("/api/v1/units/").status_code == 401
    client.credentials(HTTP_AUTHORIZATION=f"Token {token}")
    assert client.get("/api/v1/units/").json()["count"] == 4
    event = AuditEvent.objects.get(kind="token")
    assert event.reason == "热线系统对接" and token not in str(event.data)
    services.revoke_tokens(user)
    assert client.get("/api/v1/units/").status_code == 401


def test_roles_outside_the_viewers_reach_stay_hidden_and_unfilterable(tree: testing.Tree) -> None:
    viewer = testing.person(role="leader", unit_=tree.county_a)
    both = testing.person("both", role="clerk", unit_=tree.township_a1)
    services.grant_role(both, tree.county_b, "mediator")
    body = api(viewer).get(f"/api/v1/people/{both.pk}/").json()
    assert [m["unit"] for m in body["memberships"]] == [tree.township_a1.pk]
    # Filtering by the hidden role must not reveal it either.
    assert api(viewer).get("/api/v1/people/?role=mediator").json()["count"] == 0
    assert api(viewer).get(f"/api/v1/people/?unit={tree.county_b.pk}").json()["count"] == 0
    assert api(viewer).get("/api/v1/people/?role=clerk").json()["count"] == 1


def test_an_administrator_helps_someone_who_cannot_sign_in_through_the_api(tree: testing.Tree) -> None:
    from django_otp.plugins.otp_totp.models import TOTPDevice

    admin = testing.person("admin-a", role="admin", unit_=tree.county_a)
    person = testing.person("li", role="grid_worker", unit_=tree.grid_a1)
    TOTPDevice.objects.create(user=person, name="phone", confirmed=True)
    services.issue_token(person)
    url = f"/api/v1/people/{person.pk}/"
    assert api(admin).get(f"{url}security/").json() == {"second_factor": True, "locked_out": False, "tokens": 1}

    refused = api(admin).post(f"{url}reset-second-factor/", {"reason": ""}, format="json")
    assert refused.status_code == 400 and refused.json()["errors"][0]["attr"] == "reason"
    assert TOTPDevice.objects.filter(user=person).exists()
    reset = api(admin).post(f"{url}reset-second-factor/", {"reason": "手机丢失"}, format="json")
    assert reset.status_code == 200 and reset.json()["second_factor"] is False
    revoked = api(admin).post(f"{url}revoke-tokens/", {"reason": "离职"}, format="json")
    assert revoked.json()["tokens"] == 0
    assert api(admin).post(f"{url}unlock/", {"reason": "输错密码"}, format="json").status_code == 200
    reasons = set(AuditEvent.objects.filter(object_id=str(person.pk)).values_list("reason", flat=True))
    assert {"手机丢失", "离职", "输错密码"} <= reasons


def test_the_account_of_someone_who_reaches_beyond_the_county_is_not_the_countys(tree: testing.Tree) -> None:
    admin = testing.person("admin-a", role="admin", unit_=tree.county_a)
    clerk = testing.person("clerk-a", role="clerk", unit_=tree.county_a)
    city_admin = testing.person("city-admin", role="admin", unit_=tree.city)
    services.grant_role(city_admin, tree.township_a1, "mediator")
    for caller in (admin, clerk):
        for path in ("security/", "unlock/", "reset-second-factor/", "revoke-tokens/"):
            method = "get" if path == "security/" else "post"
            url = f"/api/v1/people/{city_admin.pk}/{path}"
            response = getattr(api(caller), method)(url, {"reason": "试试"}, format="json")
            assert response.status_code == 403, (caller.username, path)
    assert not AuditEvent.objects.filter(reason="试试").exists()
