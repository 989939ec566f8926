from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render

from zhili.accounts.models import Membership, User
from zhili.accounts.roles import PERMISSION_LABELS, permissions_of
from zhili.core.scope import scope_for
from zhili.org.models import Unit


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's roles and the units they reach (the tops of their subtrees)."""
    user = cast(User, request.user)
    memberships = list(
        Membership.objects.filter(user=user).select_related("unit", "unit__unit_type").order_by("unit__path")
    )
    scope = scope_for(user, "org.view")
    if scope.everything:
        reach = Unit.objects.get_root_nodes().select_related("unit_type")
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
