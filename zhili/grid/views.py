"""The grid worker's phone pages: my matters, report, the reported number, a matter, on the spot.

Home and report are for people who work as a grid worker somewhere (403 for others): they need a
grid. A matter's pages are for any staff member who sees it, through
`Matter.objects.restrict(user, "view")`: outside that reach they answer 404.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlsplit

from csp.decorators import csp_update
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.core.views import ScopedDetailView
from zhili.grid import services
from zhili.grid.forms import ReportForm, ResolveForm
from zhili.matters.actions import TransitionConflict
from zhili.matters.choices import Status
from zhili.matters.models import Attachment, Matter
from zhili.org.models import Unit
from zhili.taxonomy.models import Category, RiskLevel
from zhili.triage import services as triage

View = Callable[..., HttpResponseBase]


def grid_worker(view: View) -> View:
    """Signed in, and a grid worker somewhere; the view gets the worker's grids."""

    @login_required
    @wraps(view)
    def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        grids = services.grids_of(request.user)
        if not grids:
            raise PermissionDenied(_("此页面供网格员使用。"))
        return view(request, grids, *args, **kwargs)

    return wrapped


def _with_tiles(request: HttpRequest, response: HttpResponse) -> HttpResponseBase:
    """Pages with a map may load the configured tile server's images (CSP), and only they."""
    url = settings.MAP_TILE_URL
    if not url:
        return response

    def rendered(_request: HttpRequest) -> HttpResponseBase:
        return response

    parts = urlsplit(url)
    return csp_update({"img-src": [f"{parts.scheme}://{parts.netloc}"]})(rendered)(request)


def _map_context(grids: list[Unit]) -> dict[str, Any]:
    """The boundaries the map draws: the worker's grids and the units they lie in."""
    parents = Unit.objects.filter(path__in={grid.path[: -Unit.steplen] for grid in grids if grid.depth > 1})
    shapes = [{"name": grid.name, "boundary": grid.boundary, "own": True} for grid in grids if grid.boundary]
    shapes += [{"name": unit.name, "boundary": unit.boundary, "own": False} for unit in parents if unit.boundary]
    return {"boundaries": shapes, "tile_url": settings.MAP_TILE_URL, "tile_attribution": settings.MAP_TILE_ATTRIBUTION}


@grid_worker
def home(request: HttpRequest, grids: list[Unit]) -> HttpResponse:
    now = timezone.now()
    counts, rows = services.desk(request.user, grids, now)
    context = {
        "page_title": _("我的事项"),
        "grids": grids,
        "counts": counts,
        "rows": rows,
        "now": now,
        "due_soon_at": now + services.DUE_SOON,
    }
    return render(request, "grid/home.html", context)


@grid_worker
def report(request: HttpRequest, grids: list[Unit]) -> HttpResponseBase:
    status = 200
    if request.method == "POST":
        form = ReportForm(request.POST, request.FILES, grids=grids)
        status = 400
        if form.is_valid():
            try:
                matter, created = services.report(actor=request.user, **form.report_data())
            except DomainError as error:
                status = error.status_code
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                if not created:
                    messages.info(request, _("这份事项刚才已经上报过，没有重复登记。"))
                return redirect("grid:reported", pk=matter.pk)
    else:
        form = ReportForm(grids=grids)
    context = {"page_title": _("上报事项"), "form": form, **_map_context(grids)}
    return _with_tiles(request, render(request, "grid/report.html", context, status=status))


@grid_worker
@require_POST
def suggest(request: HttpRequest, grids: list[Unit]) -> HttpResponse:
    """Triage's proposal for the text typed so far (a partial for htmx); a tap takes its category."""
    typed = request.POST.get("description", "")
    try:
        text = triage.check_text(typed)
    except DomainError as error:
        return render(request, "grid/_suggestion.html", {"error": error.message if typed.strip() else ""})
    proposal = triage.triage(text, request.POST.get("address", "")[:300])
    context = {
        "proposal": proposal,
        "category": Category.objects.filter(pk=proposal.category).first(),
        "risk": RiskLevel.objects.filter(pk=proposal.risk).first(),
    }
    return render(request, "grid/_suggestion.html", context)


RELATED = ("risk", "category", "kind", "intake_unit__unit_type", "lead_unit__unit_type", "jurisdiction")


def _reach(user: Any) -> QuerySet[Matter]:
    """Matters this staff member sees. Residents follow their own on the portal, not here."""
    if scope_for(user, "matter.view").empty:
        return Matter.objects.none()
    return Matter.objects.restrict(user, "view").select_related(*RELATED)


class GridMatterMixin(ScopedDetailView):
    model = Matter
    context_object_name = "matter"

    def get_queryset(self) -> QuerySet[Matter]:
        return _reach(self.request.user)


class ReportedView(GridMatterMixin):
    """The number, big, and what happens next in plain words."""

    template_name = "grid/reported.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        matter: Matter = self.object
        return super().get_context_data(
            page_title=_("已上报"),
            on_spot=services.on_spot(self.request.user, matter),
            waiting_for_dispatch=matter.status in (Status.NEW, Status.RETURNED),
            **kwargs,
        )


class GridMatterView(GridMatterMixin):
    """A matter on the phone: what it is (contacts masked), its photos and history, and the
    on-the-spot form when the viewer may take that step now. Any staff member who sees the matter
    may open it; the step itself is for those the policy allows."""

    template_name = "grid/matter.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("form", ResolveForm())
        return super().get_context_data(**matter_context(self.request.user, self.object), **kwargs)


def matter_context(user: Any, matter: Matter) -> dict[str, Any]:
    now = timezone.now()
    return {
        "page_title": matter.number,
        "show_title": not matter.description.startswith(matter.title),  # a title of its own, not the text's start
        "on_spot": services.on_spot(user, matter),
        "parties": matter.parties.order_by("pk"),
        "photos": [
            (photo, reverse("api:matter-attachment-download", kwargs={"matter_id": matter.pk, "pk": photo.pk}))
            for photo in Attachment.objects.filter(matter=matter).order_by("pk")
        ],
        "events": matter.events.order_by("-seq").select_related("actor")[:20],
        "now": now,
        "due_soon_at": now + services.DUE_SOON,
    }


@login_required
@require_POST
def resolve(request: HttpRequest, pk: int) -> HttpResponse:
    """就地化解, with the photos of the result: 404 outside the viewer's reach, 403 (with the form
    and its message) for a viewer the policy does not allow."""
    matter = get_object_or_404(_reach(request.user), pk=pk)
    form = ResolveForm(request.POST, request.FILES)
    status = 400
    if form.is_valid():
        try:
            services.resolve_on_spot(
                matter, actor=request.user, result=form.cleaned_data["result"], photos=form.cleaned_data["photos"]
            )
        except TransitionConflict as conflict:
            # The state machine's own reason (red, a petition) when it gives one; else someone
            # has taken a step meanwhile.
            status = 409
            general = _("当前状态下不能进行此操作。")
            form.add_error(
                None, conflict.message if conflict.message != general else _("该事项当前不能就地化解，请刷新后查看。")
            )
        except DomainError as error:
            status = error.status_code
            form.add_error(error.field if error.field in form.fields else None, error.message)
        except PermissionDenied as denied:
            status = 403
            form.add_error(None, str(denied) or _("您无权对该事项进行此操作。"))
        else:
            messages.success(request, _("已记录就地化解。群众评价或中心回访后，由中心办结。"))
            return redirect("grid:matter", pk=matter.pk)
    matter = get_object_or_404(_reach(request.user), pk=pk)
    context = {"matter": matter, "form": form, **matter_context(request.user, matter)}
    return render(request, "grid/matter.html", context, status=status)
