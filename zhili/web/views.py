from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.db import connection
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.accounts.models import Membership, User
from zhili.accounts.roles import PERMISSION_LABELS, Role, permissions_of
from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.org.models import Unit
from zhili.web import saved_views, units


@login_required
def home(request: HttpRequest) -> HttpResponse:
    """The signed-in user's roles and the units they reach (the tops of their subtrees)."""
    user = cast(User, request.user)
    memberships = list(
        Membership.objects.filter(user=user).select_related("unit", "unit__unit_type").order_by("unit__path")
    )
    if memberships and all(m.role == Role.GRID_WORKER for m in memberships):
        # Grid workers work from their phone pages; the home page of roles is not for them.
        return redirect("grid:home")
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


def _back(request: HttpRequest, default: str) -> HttpResponseRedirect:
    """Back to the page the form was on (`next`), if it is one of ours."""
    candidate = request.POST.get("next", "")
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return HttpResponseRedirect(candidate)
    return redirect(default)


@login_required
@require_POST
def switch_unit(request: HttpRequest) -> HttpResponse:
    """Choose the current unit (or, with an empty `unit`, all of one's units) for this session."""
    raw = request.POST.get("unit", "")
    chosen = units.choose_unit(request, int(raw) if raw.isdigit() else None)
    if chosen is None:
        messages.info(request, _("当前显示：我的全部单位。"))
    else:
        messages.info(request, _("当前单位：%(name)s。") % {"name": chosen.name})
    return _back(request, "web:home")


@login_required
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    """Save the inbox's current queue and filters under a name."""
    inbox = reverse("matters:inbox")
    try:
        view = saved_views.save(request.user, request.POST.get("name", ""), request.POST.get("query", ""))
    except DomainError as error:
        messages.error(request, error.message)
        return _back(request, inbox)
    messages.success(request, _("已保存常用筛选“%(name)s”。") % {"name": view.name})
    return HttpResponseRedirect(f"{inbox}?{view.query}" if view.query else inbox)


@login_required
@require_POST
def saved_view_delete(request: HttpRequest, pk: int) -> HttpResponse:
    if not saved_views.delete(request.user, pk):
        from django.http import Http404

        raise Http404
    messages.success(request, _("已删除常用筛选。"))
    return _back(request, "matters:inbox")
