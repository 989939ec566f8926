"""Jurisdiction scope: the one mechanism that restricts what a user may reach.

A staff member holds roles in units (Membership). A role grants permissions (accounts.roles);
for one permission, the user's *scope* is the set of unit subtrees where they hold a role that
grants it. Every scoped model's manager offers `.restrict(user, action)`, which filters by that
scope; web views, the REST API, exports and the CLI all reach objects only through it, and what
is outside answers 404, never 403.

Units are stored as a materialised path (django-treebeard), so "in the subtree of U" is a prefix
match on an indexed column.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar, Self

from django.db import models
from django.db.models import Q

if TYPE_CHECKING:
    from zhili.accounts.models import User


@dataclass(frozen=True)
class Scope:
    """Unit subtrees (by path) that one permission reaches for one user."""

    everything: bool = False
    paths: tuple[str, ...] = ()

    @property
    def empty(self) -> bool:
        return not self.everything and not self.paths

    def covers(self, path: str) -> bool:
        return self.everything or any(path.startswith(p) for p in self.paths)

    @property
    def includes_root(self) -> bool:
        """True when the scope reaches a whole tree (a root unit such as the city)."""
        from zhili.org.models import Unit

        return self.everything or any(len(p) == Unit.steplen for p in self.paths)


def minimal_paths(paths: set[str]) -> tuple[str, ...]:
    """Drop paths already covered by an ancestor path."""
    kept: list[str] = []
    for path in sorted(paths):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return tuple(kept)


def scope_for(user: User | Any, permission: str) -> Scope:
    """The scope of `permission` for `user`, cached on the user object for the request."""
    if user is None or not user.is_authenticated or not user.is_active:
        return Scope()
    if user.is_superuser:
        return Scope(everything=True)
    cache: dict[str, Scope] = user.__dict__.setdefault("_zhili_scopes", {})
    if permission not in cache:
        from zhili.accounts.roles import roles_granting

        roles = roles_granting(permission)
        paths = {path for role, path in user_role_paths(user) if role in roles}
        cache[permission] = Scope(paths=minimal_paths(paths))
    return cache[permission]


def user_role_paths(user: Any) -> list[tuple[str, str]]:
    """(role, unit path) for each of the user's memberships, loaded once per user object."""
    if "_zhili_role_paths" not in user.__dict__:
        from zhili.accounts.models import Membership

        user.__dict__["_zhili_role_paths"] = list(
            Membership.objects.filter(user=user).values_list("role", "unit__path")
        )
    return list(user.__dict__["_zhili_role_paths"])


def forget_scopes(user: Any) -> None:
    """Drop cached scopes after the user's memberships change."""
    user.__dict__.pop("_zhili_scopes", None)
    user.__dict__.pop("_zhili_role_paths", None)


def prefix_q(lookup: str, paths: tuple[str, ...]) -> Q:
    q = Q()
    for path in paths:
        q |= Q(**{f"{lookup}__startswith": path})
    return q


class ScopedQuerySet(models.QuerySet):
    def restrict(self, user: Any, action: str = "view") -> Self:
        """Only the objects `user` may `action`; an empty queryset when none."""
        model: Any = self.model
        scope = scope_for(user, model.permission_for(action))
        if scope.everything:
            return self
        condition = model.scope_filter(scope, user)
        if condition is None:
            return self.none()
        return self.filter(condition)


class ScopedModel(models.Model):
    """A model whose rows belong to units.

    Subclasses name the permission for each action and how a row reaches its units:
    `scope_path_lookups` lists lookups ending at a unit path (e.g. "unit__path"). Models with other
    ways in (a matter dispatched to a unit, say) extend `scope_filter`.
    """

    scope_permissions: ClassVar[dict[str, str]] = {}
    scope_path_lookups: ClassVar[tuple[str, ...]] = ()

    class Meta:
        abstract = True

    @classmethod
    def permission_for(cls, action: str) -> str:
        try:
            return cls.scope_permissions[action]
        except KeyError:
            raise LookupError(f"{cls.__name__} has no permission for action {action!r}") from None

    @classmethod
    def scope_filter(cls, scope: Scope, user: Any) -> Q | None:
        if not scope.paths:
            return None
        condition = Q()
        for lookup in cls.scope_path_lookups:
            condition |= prefix_q(lookup, scope.paths)
        return condition

    def scope_path(self) -> str:
        """The unit path that places this object; used by the audit log to scope its events."""
        return ""
