"""Roles and what they may do. A staff member holds roles in units (Membership); a role's
permissions reach the unit's whole subtree (see zhili.core.scope).
"""

from __future__ import annotations

from functools import cache

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_stubs_ext import StrOrPromise


class Role(models.TextChoices):
    RESIDENT = "resident", _("群众")
    GRID_WORKER = "grid_worker", _("网格员")
    CLERK = "clerk", _("受理员/调度员")
    MEDIATOR = "mediator", _("调解员")
    HANDLER = "handler", _("承办人")
    LEADER = "leader", _("中心负责人")
    AUDITOR = "auditor", _("审计员")
    ADMIN = "admin", _("管理员")


STAFF_ROLES = frozenset(Role) - {Role.RESIDENT}

# permission -> roles that hold it. Keep this the single table of who may do what.
PERMISSIONS: dict[str, frozenset[Role]] = {
    # see the units, people and memberships of one's subtree
    "org.view": STAFF_ROLES,
    "people.view": STAFF_ROLES,
    # create, change, move and delete units, people and their roles
    "org.manage": frozenset({Role.ADMIN}),
    "people.manage": frozenset({Role.ADMIN}),
    # read and export the audit log
    "audit.view": frozenset({Role.AUDITOR, Role.ADMIN}),
    # see a masked phone or ID number in full, with a reason (logged)
    "pii.reveal": frozenset({Role.GRID_WORKER, Role.CLERK, Role.MEDIATOR, Role.HANDLER, Role.LEADER, Role.ADMIN}),
    # edit the taxonomy (global configuration): admins of a top-level unit only
    "taxonomy.manage": frozenset({Role.ADMIN}),
    # matters: see those attached to one's subtree; register them; triage and dispatch; handle
    # what is dispatched to one's unit; lead (supervise, own hard cases, approve extensions)
    "matter.view": STAFF_ROLES,
    "matter.intake": frozenset({Role.CLERK, Role.GRID_WORKER, Role.LEADER, Role.MEDIATOR}),
    "matter.dispatch": frozenset({Role.CLERK, Role.LEADER}),
    "matter.handle": frozenset({Role.HANDLER, Role.MEDIATOR, Role.GRID_WORKER, Role.CLERK}),
    "matter.lead": frozenset({Role.LEADER}),
}


# What each permission lets a person do, in words (the home page shows them for each role).
PERMISSION_LABELS: dict[str, StrOrPromise] = {
    "org.view": _("查看单位"),
    "people.view": _("查看人员"),
    "org.manage": _("管理单位"),
    "people.manage": _("管理人员和角色"),
    "audit.view": _("查看和导出审计日志"),
    "pii.reveal": _("查看完整个人信息(需填写原因)"),
    "taxonomy.manage": _("维护分类代码"),
    "matter.view": _("查看事项"),
    "matter.intake": _("登记事项"),
    "matter.dispatch": _("研判分办、回访办结事项"),
    "matter.handle": _("签收办理事项"),
    "matter.lead": _("督办、包案、审批延期"),
}


@cache
def roles_granting(permission: str) -> frozenset[str]:
    try:
        return frozenset(str(role) for role in PERMISSIONS[permission])
    except KeyError:
        raise LookupError(f"unknown permission {permission!r}") from None


def permissions_of(role: str) -> list[str]:
    return sorted(p for p, roles in PERMISSIONS.items() if role in roles)
