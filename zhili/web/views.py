from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _

from zhili.accounts.models import Membership, User
from zhili.accounts.roles import permissions_of
from zhili.core.scope import scope_for
from zhili.org.models import Unit

# What each permission lets a person do, for the home page. A permission missing here shows its
# code; zhili.accounts.roles stays the one table of who holds what.
PERMISSION_LABELS = {
    "org.view": _("查看单位"),
    "people.view": _("查看人员"),
    "org.manage": _("管理单位"),
    "people.manage": _("管理人员和角色"),
    "audit.view": _("查看和导出审计日志"),
    "pii.reveal": _("查看完整个人信息(需填写原因)"),
    "taxonomy.manage": _("维护分类代码"),
}


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's roles and the units they reach (the tops of their subtrees)."""
    user = cast(User, request.user)
    memberships = list(
        Membership.objects.filter(user=user).select_related("unit", "unit__unit_type").order_by("unit__path")
    )
    scope = scope_for(user, "org.view")
    if scope.everything:
        reach = Unit.get_root_nodes().select_related("unit_type")
    else:
        reach = Unit.objects.filter(path__in=scope.paths).select_related("unit_type")
    context = {
        "memberships": [(m, [PERMISSION_LABELS.get(p, p) for p in permissions_of(m.role)]) for m in memberships],
        "reach": list(reach),
        "everything": scope.everything,
        "unit_count": Unit.objects.restrict(user).count(),
    }
    return render(request, "web/home.html", context)


def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness and database reachability, for load balancers and `make demo`."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
    return JsonResponse({"status": "ok"})
