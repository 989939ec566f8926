from __future__ import annotations

from typing import Any, Self

from django.contrib.auth.models import AbstractUser, UserManager
from django.db import models
from django.db.models import Prefetch, Q
from django.utils.translation import gettext_lazy as _

from zhili.accounts.roles import Role
from zhili.audit.models import AuditedModel
from zhili.core.scope import Scope, ScopedModel, ScopedQuerySet, prefix_q, scope_for


class UserQuerySet(ScopedQuerySet):
    def restrict(self, user: Any, action: str = "view") -> Self:
        """As for every scoped model: the people with a role within the viewer's scope. The account
        itself (`User.ACCOUNT_ACTIONS`: its details, password, second factor, lockout, tokens,
        deactivation) is more: only people all of whose roles lie within the scope, and never a
        superuser, unless the viewer's scope is everything. Otherwise a county's administrator
        could reset the password of someone who also holds a role above the county, and sign in
        as them. Their roles within the scope ("assign") stay the viewer's to manage."""
        restricted = super().restrict(user, action)
        if action not in User.ACCOUNT_ACTIONS:
            return restricted
        scope = scope_for(user, User.permission_for(action))
        if scope.everything:
            return restricted
        elsewhere = Membership.objects.exclude(prefix_q("unit__path", scope.paths)).values("user_id")
        return restricted.exclude(is_superuser=True).exclude(pk__in=elsewhere)

    def with_memberships_for(self, viewer: Any) -> Self:
        """Prefetch the memberships `viewer` may see: a visible person's roles in units outside the
        viewer's reach stay hidden."""
        visible = Membership.objects.restrict(viewer).select_related("unit").order_by("unit__path", "role")
        return self.prefetch_related(Prefetch("memberships", queryset=visible))


class ZhiliUserManager(UserManager.from_queryset(UserQuerySet)):  # type: ignore[misc]
    pass


class User(AbstractUser, AuditedModel, ScopedModel):
    """A person with an account: a resident or a staff member (with memberships).

    Only what the work needs: name, contact, optional ID number. Phone and ID number are shown
    masked unless revealed with a reason.
    """

    full_name = models.CharField(_("姓名"), max_length=60, blank=True)
    phone = models.CharField(_("手机号码"), max_length=20, blank=True)
    id_number = models.CharField(_("身份证号"), max_length=18, blank=True)
    is_demo = models.BooleanField(_("演示账号"), default=False)

    objects = ZhiliUserManager()  # type: ignore[misc]  # AbstractUser declares it as a ClassVar

    pii_fields = {"phone": "phone", "id_number": "id_number"}
    scope_permissions = {
        "view": "people.view",
        "add": "people.manage",
        "assign": "people.manage",  # manage their roles within the scope
        "change": "people.manage",
        "delete": "people.manage",
        "reveal": "pii.reveal",
    }
    # Actions on the account as a whole: the person must lie wholly within the scope (restrict).
    ACCOUNT_ACTIONS = frozenset({"change", "delete"})

    class Meta:
        verbose_name = _("人员")
        verbose_name_plural = _("人员")
        swappable = "AUTH_USER_MODEL"

    def __str__(self) -> str:
        return self.full_name or self.username

    @classmethod
    def scope_filter(cls, scope: Scope, user: Any) -> Q | None:
        # A person is in reach when one of their memberships is; a subquery avoids duplicates.
        if not scope.paths:
            return None
        members = Membership.objects.filter(prefix_q("unit__path", scope.paths)).values("user_id")
        return Q(pk__in=members)

    def scope_path(self) -> str:
        first = self.memberships.select_related("unit").order_by("id").first() if self.pk else None
        return str(first.unit.path) if first else ""


class MembershipQuerySet(ScopedQuerySet):
    pass


class Membership(AuditedModel, ScopedModel):
    """A person's role in one unit (任职). Changing it is a permission change."""

    user = models.ForeignKey(User, models.CASCADE, related_name="memberships", verbose_name=_("人员"))
    unit = models.ForeignKey("org.Unit", models.PROTECT, related_name="memberships", verbose_name=_("单位"))
    role = models.CharField(_("角色"), max_length=20, choices=Role.choices)
    title = models.CharField(_("职务"), max_length=60, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    objects = MembershipQuerySet.as_manager()

    scope_permissions = {
        "view": "people.view",
        "add": "people.manage",
        "change": "people.manage",
        "delete": "people.manage",
    }
    scope_path_lookups = ("unit__path",)
    audit_kind = "permission"

    class Meta:
        verbose_name = _("任职")
        verbose_name_plural = _("任职")
        constraints = [models.UniqueConstraint(fields=["user", "unit", "role"], name="membership_unique_role")]

    def __str__(self) -> str:
        return f"{self.user} · {self.unit} · {self.get_role_display()}"

    def scope_path(self) -> str:
        return str(self.unit.path)
