"""登记: a clerk registers a walk-in or a call at the counter. As the clerk types, two proposals
appear beside the form through htmx: triage (category, risk, place; `triage_preview`) and the
earlier matters this one may repeat (`possible_duplicates`). Both answer a partial and change
nothing; the form itself posts without JavaScript.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views import View
from django.views.decorators.http import require_POST

from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.matters import actions, duplicates
from zhili.matters.forms import IntakeForm
from zhili.org.models import Unit
from zhili.taxonomy.models import Category, RiskLevel, UnitType
from zhili.triage import jurisdiction
from zhili.triage import services as triage
from zhili.web.units import current_unit


class MatterIntakeView(LoginRequiredMixin, View):
    """登记: a clerk registers a walk-in or a call. As the clerk types, triage's proposal appears
    beside the form (htmx, `triage_preview`); one click takes its category and risk."""

    template_name = "matters/intake.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and scope_for(request.user, "matter.intake").empty:
            raise PermissionDenied
        return super().dispatch(request, *args, **kwargs)

    def get(self, request: HttpRequest) -> HttpResponse:
        form = IntakeForm(user=request.user)
        units: Any = form.fields["intake_unit"]
        offered = [pk for pk, _name in units.choices]
        chosen = current_unit(request)
        if chosen is not None and chosen.pk in offered:
            form.initial["intake_unit"] = chosen.pk
        elif offered:
            form.initial["intake_unit"] = offered[0]
        return render(request, self.template_name, {"form": form, "page_title": _("登记事项")})

    def post(self, request: HttpRequest) -> HttpResponse:
        form = IntakeForm(request.POST, user=request.user)
        if form.is_valid():
            data = form.cleaned_data
            try:
                matter, _created = actions.receive(
                    actor=request.user,
                    channel=data["channel"],
                    description=data["description"],
                    category=data["category"].pk,
                    risk=data["risk"].pk,
                    address=data["address"],
                    intake_unit=Unit.objects.get(pk=data["intake_unit"]),
                    reporter_name=data["reporter_name"],
                    reporter_phone=data["reporter_phone"],
                    anonymous=data["anonymous"],
                )
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(request, _("已登记，编号 %(number)s。") % {"number": matter.number})
                return redirect("matters:detail", pk=matter.pk)
        context = {"form": form, "page_title": _("登记事项")}
        return render(request, self.template_name, context, status=400)


@login_required
@require_POST
def triage_preview(request: HttpRequest) -> HttpResponse:
    """The proposal for the text typed so far (a partial for htmx). With `apply`, the category and
    risk fields come back too, chosen as proposed (htmx out-of-band swaps)."""
    if scope_for(request.user, "matter.intake").empty:
        raise PermissionDenied
    try:
        text = triage.check_text(request.POST.get("description", ""))
    except DomainError as error:
        typed = request.POST.get("description", "").strip()
        return render(request, "matters/_triage.html", {"error": error.message if typed else ""})
    proposal = triage.triage(text, request.POST.get("address", "")[:300])
    context: dict[str, Any] = {
        "proposal": proposal,
        "signals": [(signal, triage.SIGNAL_LABELS.get(signal["code"], signal["code"])) for signal in proposal.signals],
        "category": Category.objects.filter(pk=proposal.category).first(),
        "risk": RiskLevel.objects.filter(pk=proposal.risk).first(),
        "place": Unit.objects.filter(pk=proposal.jurisdiction["unit_id"]).first() if proposal.jurisdiction else None,
        "lead_type": UnitType.objects.filter(pk=proposal.lead_unit).first(),
        "co_types": list(UnitType.objects.filter(pk__in=proposal.co_units)),
    }
    if request.POST.get("apply"):
        form = IntakeForm(
            {**request.POST.dict(), "category": proposal.category, "risk": proposal.risk}, user=request.user
        )
        context["applied"] = form
    return render(request, "matters/_triage.html", context)


@login_required
@require_POST
def possible_duplicates(request: HttpRequest) -> HttpResponse:
    """Earlier matters in the clerk's reach that look like the one being typed (a partial for htmx):
    the same reporter phone, or a similar text at the chosen intake unit or the place the text
    names."""
    if scope_for(request.user, "matter.intake").empty:
        raise PermissionDenied
    description = request.POST.get("description", "")[: actions.MAX_DESCRIPTION]
    units: list[int] = []
    chosen = request.POST.get("intake_unit", "")
    if chosen.isdigit():
        units.append(int(chosen))
    if description.strip():
        place = jurisdiction.resolve(text=description, address=request.POST.get("address", "")[:300])
        if place is not None:
            units.append(place.unit_id)
    found = duplicates.candidates(
        request.user,
        description=description,
        reporter_phone=request.POST.get("reporter_phone", "")[:20],
        unit_ids=tuple(units),
    )
    return render(request, "matters/_duplicates.html", {"candidates": found, "asked": True})
