"""The jurisdiction scope: which units a role's permission reaches."""

from __future__ import annotations

import pytest

from zhili import testing
from zhili.accounts import services
from zhili.accounts.models import User
from zhili.core.scope import minimal_paths, scope_for
from zhili.org.models import Unit

pytestmark = pytest.mark.django_db


def test_a_role_reaches_its_unit_and_everything_below(tree: testing.Tree) -> None:
    clerk = testing.person(role="clerk", unit_=tree.county_a)
    reached = set(Unit.objects.restrict(clerk).values_list("name", flat=True))
    assert reached == {"甲县", "甲一镇", "甲二镇", "甲一社区", "甲一社区第一网格", "甲一镇司法所", "甲县城关派出所"}


def test_permissions_follow_the_role_held_in_each_unit(tree: testing.Tree) -> None:
    user = testing.person(role="clerk", unit_=tree.county_a)
    services.grant_role(user, tree.township_a1, "admin")
    assert set(Unit.objects.restrict(user, "change")) == set(
        Unit.objects.filter(path__startswith=tree.township_a1.path)
    )
    assert scope_for(user, "audit.view").paths == (tree.township_a1.path,)
    assert scope_for(user, "org.view").paths == (tree.county_a.path,)


def test_nested_memberships_collapse_to_the_outer_subtree() -> None:
    assert minimal_paths({"0001", "00010002", "00010002003", "0002"}) == ("0001", "0002")


def test_residents_inactive_users_and_anonymous_reach_nothing(tree: testing.Tree) -> None:
    from django.contrib.auth.models import AnonymousUser

    resident = testing.person()
    former = testing.person(role="admin", unit_=tree.city)
    services.update_person(former, is_active=False)
    former = User.objects.get(pk=former.pk)
    for user in (resident, former, AnonymousUser()):
        assert not Unit.objects.restrict(user).exists()


def test_superuser_reaches_everything(tree: testing.Tree) -> None:
    root = User.objects.create_superuser("root", password=testing.PASSWORD)
    assert Unit.objects.restrict(root, "delete").count() == Unit.objects.count()


def test_people_are_reached_through_their_memberships_without_duplicates(tree: testing.Tree) -> None:
    viewer = testing.person(role="leader", unit_=tree.county_a)
    both = testing.person("both", role="clerk", unit_=tree.township_a1)
    services.grant_role(both, tree.township_a2, "mediator")
    elsewhere = testing.person("elsewhere", role="clerk", unit_=tree.county_b)
    reached = list(User.objects.restrict(viewer))
    assert reached.count(both) == 1 and elsewhere not in reached and viewer in reached


def test_revoking_a_role_takes_effect_at_once(tree: testing.Tree) -> None:
    user = testing.person(role="admin", unit_=tree.county_a)
    assert Unit.objects.restrict(user, "change").exists()
    services.revoke_role(user.memberships.get())
    assert not Unit.objects.restrict(user, "change").exists()


def test_passwords_are_hashed_with_argon2_in_every_deployment() -> None:
    import zhili.settings as configured  # the module, not the test-time override

    assert configured.PASSWORD_HASHERS[0] == "django.contrib.auth.hashers.Argon2PasswordHasher"


def test_every_permission_is_described_in_words() -> None:
    from zhili.accounts.roles import PERMISSION_LABELS, PERMISSIONS

    assert set(PERMISSION_LABELS) == set(PERMISSIONS)
