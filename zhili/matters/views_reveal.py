"""On a matter's page: personal data in full with a reason (查看完整个人信息), and files attached
(上传附件).

Phone and ID numbers are masked on the page; a person with pii.reveal over the matter asks for one
value at a time with a reason, through accounts.services.reveal, which checks the permission and
writes the audit row. The value is shown in place (htmx swaps that one cell; without JavaScript
the page comes back with it), never cached, and gone on the next page load. Files go through
attachments.attach, which checks type, size and the NOTE permission.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import render
from django.urls import reverse
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from zhili.accounts import services as people
from zhili.core import pii
from zhili.core.errors import DomainError
from zhili.matters import attachments
from zhili.matters.forms import AttachmentForm, RevealForm
from zhili.matters.models import Matter, Party
from zhili.matters.views import MatterDetailView
from zhili.web.htmx import vary_on_htmx, wants_partial

LABELS = {
    "reporter_phone": gettext_lazy("反映人电话"),
    "phone": gettext_lazy("电话"),
    "id_number": gettext_lazy("身份证号"),
}
NO_PERMISSION = gettext_lazy("您没有查看完整个人信息的权限。")


@dataclass
class PiiCell:
    """One masked value on the page and, once revealed, the full one."""

    target: str  # "reporter" or "party-<id>"
    field: str
    masked: str
    owner: str  # whose value it is, for the label read by screen readers
    value: str | None = None
    form: RevealForm | None = None  # with the errors of a refused request
    refused: str = ""

    @property
    def slot(self) -> str:
        return f"{self.target}-{self.field}"

    @property
    def label(self) -> str:
        return f"{self.owner}{LABELS[self.field]}"


def pii_cells(matter: Matter, parties: list[Party]) -> tuple[PiiCell | None, list[tuple[Party, list[PiiCell | None]]]]:
    reporter = None
    if matter.reporter_phone and not matter.anonymous:
        reporter = PiiCell("reporter", "reporter_phone", pii.mask_phone(matter.reporter_phone), owner="")
    rows = []
    for party in parties:
        cells: list[PiiCell | None] = []
        for field in ("phone", "id_number"):
            value = getattr(party, field)
            cells.append(
                PiiCell(f"party-{party.pk}", field, pii.mask(field, value), owner=party.name) if value else None
            )
        rows.append((party, cells))
    return reporter, rows


def reveal_context(viewer: Any, matter: Matter, revealed: PiiCell | None, form_cell: PiiCell | None) -> dict[str, Any]:
    """The masked cells of the page, with the one just revealed or refused in place."""
    parties = list(matter.parties.order_by("pk"))
    reporter, rows = pii_cells(matter, parties)
    cells = [cell for cell in [reporter, *(c for _party, cs in rows for c in cs)] if cell is not None]
    for cell in cells:
        for given in (revealed, form_cell):
            if given is not None and given.slot == cell.slot:
                cell.value, cell.form, cell.refused = given.value, given.form, given.refused
    can_reveal = bool(cells) and Matter.objects.restrict(viewer, "reveal").filter(pk=matter.pk).exists()
    return {
        "reporter_cell": reporter,
        "party_rows": rows,
        "parties": parties,
        "can_reveal": can_reveal,
        "reveal_url": reverse("matters:reveal", kwargs={"pk": matter.pk}),
    }


class MatterRevealView(MatterDetailView):
    """POST: one masked value of the matter in full, with a reason. GET shows the matter's page."""

    http_method_names = ["get", "post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = matter = self.get_object()  # through restrict(viewer, "view"): 404 outside the scope
        form = RevealForm(request.POST)
        target, field = request.POST.get("target", ""), request.POST.get("field", "")
        subject, cell = self._subject(matter, target, field)
        status = 200
        if form.is_valid():
            try:
                cell.value = people.reveal(request.user, subject, field, reason=form.cleaned_data["reason"])
            except PermissionDenied:
                status, cell.refused = 403, str(NO_PERMISSION)
            except DomainError as error:
                form.add_error("reason" if error.field == "reason" else None, error.message)
        if cell.value is None and not cell.refused:
            status, cell.form = 400, form
        if wants_partial(request):
            context = {
                "cell": cell,
                "can_reveal": True,
                "reveal_url": reverse("matters:reveal", kwargs={"pk": matter.pk}),
            }
            response = render(request, "matters/_reveal.html", context, status=status)
        else:
            context = self.get_context_data(revealed=cell if cell.value is not None else None, reveal_form=cell)
            response = self.render_to_response(context, status=status)
        add_never_cache_headers(response)  # the full value must not stay in any cache
        return vary_on_htmx(response)

    def _subject(self, matter: Matter, target: str, field: str) -> tuple[Any, PiiCell]:
        """The object and cell that `target` and `field` name on this matter; 404 for anything
        else (a party of another matter, the reporter of an anonymous matter)."""
        from django.http import Http404

        if target == "reporter" and field == "reporter_phone" and matter.reporter_phone and not matter.anonymous:
            return matter, PiiCell(target, field, pii.mask_phone(matter.reporter_phone), owner="")
        if target.startswith("party-") and target[6:].isdigit() and field in Party.pii_fields:
            party = matter.parties.filter(pk=int(target[6:])).first()
            if party is not None and getattr(party, field):
                return party, PiiCell(target, field, pii.mask(field, getattr(party, field)), owner=party.name)
        raise Http404


class MatterAttachView(MatterDetailView):
    """POST a file to the matter (multipart); GET shows the matter's page."""

    http_method_names = ["get", "post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = matter = self.get_object()  # through restrict(viewer, "view"): 404 outside the scope
        form = AttachmentForm(request.POST, request.FILES)
        status = 400
        if form.is_valid():
            try:
                attachment = attachments.attach(
                    matter, form.cleaned_data["file"], actor=request.user, reason=form.cleaned_data["reason"]
                )
            except DomainError as error:
                status = error.status_code
                form.add_error("file" if error.field == "file" else None, error.message)
            except PermissionDenied as denied:
                status = 403
                form.add_error(None, str(denied) or _("您无权对该事项进行此操作。"))
            else:
                messages.success(request, _("已上传附件：%(name)s。") % {"name": attachment.original_name})
                return self.done(matter)
        self.object = Matter.objects.select_related(*self.related).get(pk=matter.pk)
        response: HttpResponse = self.render_to_response(self.get_context_data(attachment_form=form), status=status)
        return response
