"""The unit switcher: a person with roles in several units picks the one they work for now. The
inbox then starts at that unit's subtree and the intake screen at that unit; "all my units" goes
back. It narrows what is shown, never what may be reached."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from zhili import testing
from zhili.accounts.services import grant_role, revoke_role
from zhili.matters import actions
from zhili.matters.models import Matter

pytestmark = pytest.mark.django_db


def receive(clerk: Any, unit: Any) -> Matter:
    matter, _created = actions.receive(
        actor=clerk, channel="walk_in", description="路灯坏了好几天", category="public_facility", intake_unit=unit
    )
    return matter


@pytest.fixture
def clerk(tree: testing.Tree) -> Any:
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    grant_role(clerk, tree.township_a2, "clerk")
    return clerk


def numbers(response: Any) -> set[str]:
    return {m.number for m in response.context["object_list"]}


def test_only_people_with_several_units_get_the_menu(tree: testing.Tree, clerk: Any) -> None:
    client = Client()
    client.force_login(clerk)
    html = client.get(reverse("web:home")).content.decode()
    assert 'id="zl-unit-menu"' in html and "我的全部单位" in html and "甲一镇" in html and "甲二镇" in html
    single = testing.person("single", role="clerk", unit_=tree.township_a1)
    client.force_login(single)
    assert 'id="zl-unit-menu"' not in client.get(reverse("web:home")).content.decode()


def test_the_inbox_and_intake_start_at_the_current_unit(tree: testing.Tree, clerk: Any) -> None:
    a1, a2 = receive(clerk, tree.township_a1), receive(clerk, tree.township_a2)
    client = Client()
    client.force_login(clerk)
    assert numbers(client.get(reverse("matters:inbox"))) == {a1.number, a2.number}
    switched = client.post(
        reverse("web:switch_unit"), {"unit": tree.township_a2.pk, "next": reverse("matters:inbox")}, follow=True
    )
    assert numbers(switched) == {a2.number} and "当前单位：甲二镇。" in switched.content.decode()
    assert switched.context["filter"].form["unit"].value() == str(tree.township_a2.pk)
    # An explicit choice in the filter still wins; the filter "all" (unit=) shows every unit.
    assert numbers(client.get(reverse("matters:inbox"), {"unit": tree.township_a1.pk})) == {a1.number}
    assert numbers(client.get(reverse("matters:inbox"), {"unit": ""})) == {a1.number, a2.number}
    intake = client.get(reverse("matters:intake"))
    assert intake.context["form"].initial["intake_unit"] == tree.township_a2.pk
    client.post(reverse("web:switch_unit"), {"unit": ""})
    assert numbers(client.get(reverse("matters:inbox"))) == {a1.number, a2.number}


def test_a_unit_of_someone_else_or_a_revoked_role_is_not_kept(tree: testing.Tree, clerk: Any) -> None:
    a1, a2 = receive(clerk, tree.township_a1), receive(clerk, tree.township_a2)
    client = Client()
    client.force_login(clerk)
    client.post(reverse("web:switch_unit"), {"unit": tree.county_b.pk})  # not one of theirs
    assert numbers(client.get(reverse("matters:inbox"))) == {a1.number, a2.number}
    client.post(reverse("web:switch_unit"), {"unit": tree.township_a2.pk})
    revoke_role(clerk.memberships.get(unit=tree.township_a2))
    # The role there is gone: so is the current unit, and with it the matters of that township.
    assert numbers(client.get(reverse("matters:inbox"))) == {a1.number}


def test_choosing_a_unit_never_widens_the_scope(tree: testing.Tree) -> None:
    handler = testing.person("handler", role="handler", unit_=tree.police_a)
    grant_role(handler, tree.judicial_office_a1, "mediator")
    clerk = testing.person("clerk", role="clerk", unit_=tree.township_a1)
    hidden = receive(clerk, tree.township_a1)  # attached to 甲一镇 only: above both of the handler's units
    client = Client()
    client.force_login(handler)
    client.post(reverse("web:switch_unit"), {"unit": tree.township_a1.pk})  # not theirs
    response = client.get(reverse("matters:inbox"), {"unit": tree.township_a1.pk})
    assert hidden.number not in numbers(response)
