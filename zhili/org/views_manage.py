"""单位管理: the pages an administrator uses to create a child unit, edit, move and delete a unit.

Each is a small form page posting back to itself. The unit is reached through
`restrict(user, "view")`, so what is outside the viewer's scope answers 404; changing it needs the
manage scope over it ("org.manage"), else 403. The views parse the form and call
zhili.org.services, which holds every rule and writes the audit log; a refusal appears on the form.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django_stubs_ext import StrOrPromise

from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.core.views import ScopedDetailView
from zhili.org import services
from zhili.org.forms import UnitCreateForm, UnitDeleteForm, UnitForm, UnitMoveForm
from zhili.org.models import Unit
from zhili.org.views import unit_ancestors


class UnitManageView(ScopedDetailView):
    """GET shows the form, POST applies it and redirects (PRG); a refusal re-shows the form with
    the message and the status of the error (400, or 409 for a conflict).

    The unit comes through `restrict(user, "view")` as on its own page (404 outside the viewer's
    scope); then the viewer needs `manage_action` on it, else 403.
    """

    model = Unit
    related = ("unit_type",)
    context_object_name = "unit"
    http_method_names = ["get", "post"]
    template_name = "org/unit_form.html"
    title: ClassVar[StrOrPromise]
    submit_label: ClassVar[StrOrPromise] = gettext_lazy("保存")
    submit_class: ClassVar[str] = "btn-primary"
    kind: ClassVar[str]  # which page: the template adds its own words for each
    manage_action: ClassVar[str] = "change"  # all of them need "org.manage" (Unit.scope_permissions)
    object: Unit

    def get_object(self, queryset: Any = None) -> Unit:
        unit = super().get_object(queryset)
        if not Unit.objects.restrict(self.request.user, self.manage_action).filter(pk=unit.pk).exists():
            raise PermissionDenied
        return unit

    @property
    def unit(self) -> Unit:
        return self.object

    def get_form(self, data: Any = None) -> forms.Form:
        raise NotImplementedError

    def perform(self, form: Any) -> str:
        """Apply the valid form through the services (and say so); answer where to go next."""
        raise NotImplementedError

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        return self.show(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        form = self.get_form(request.POST)
        status = 400
        if form.is_valid():
            try:
                target = self.perform(form)
            except DomainError as error:
                status = error.status_code
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                return redirect(target)
        return self.show(form, status=status)

    def show(self, form: forms.Form, status: int = 200) -> HttpResponse:
        context = self.get_context_data(
            ancestors=unit_ancestors(self.request.user, self.unit),
            form=form,
            page_title=self.title,
            submit_label=self.submit_label,
            submit_class=self.submit_class,
            kind=self.kind,
        )
        return self.render_to_response(context, status=status)

    def unit_url(self, unit: Unit) -> str:
        return reverse("org:unit_detail", args=[unit.pk])


class UnitCreateView(UnitManageView):
    """新建下级单位: a child of the unit of the URL, which the viewer must manage."""

    kind = "create"
    manage_action = "add"
    title = gettext_lazy("新建下级单位")
    submit_label = gettext_lazy("新建")

    def get_form(self, data: Any = None) -> forms.Form:
        return UnitCreateForm(data, parent=self.unit)

    def perform(self, form: Any) -> str:
        child = services.create_unit(
            parent=self.unit,
            unit_type=form.cleaned_data["unit_type"],
            reason=form.cleaned_data["reason"],
            **form.unit_fields(),
        )
        messages.success(self.request, _("已新建单位“%(name)s”。") % {"name": child.name})
        return self.unit_url(child)


class UnitUpdateView(UnitManageView):
    """编辑: the unit's attributes (its type stays as created)."""

    kind = "update"
    title = gettext_lazy("编辑单位")

    def get_form(self, data: Any = None) -> forms.Form:
        initial = {name: getattr(self.unit, name) for name in UnitForm.base_fields if name != "reason"}
        return UnitForm(data, initial=initial)

    def perform(self, form: Any) -> str:
        fields = form.unit_fields(changed_only=True)
        unit = services.update_unit(self.unit, reason=form.cleaned_data["reason"], **fields) if fields else self.unit
        messages.success(self.request, _("已保存“%(name)s”的修改。") % {"name": unit.name})
        return self.unit_url(unit)


class UnitMoveView(UnitManageView):
    """移动: under another unit the viewer manages."""

    kind = "move"
    title = gettext_lazy("移动单位")
    submit_label = gettext_lazy("移动")

    def get_form(self, data: Any = None) -> forms.Form:
        return UnitMoveForm(data, user=self.request.user, unit=self.unit)

    def perform(self, form: Any) -> str:
        # The pick-list holds only units the viewer manages; read the choice through the same scope.
        new_parent = Unit.objects.restrict(self.request.user, "change").filter(pk=form.cleaned_data["parent"]).first()
        if new_parent is None:
            raise DomainError("unit_parent_not_found", _("您不能把单位移到该上级单位下。"), field="parent")
        unit = services.move_unit(self.unit, new_parent, reason=form.cleaned_data["reason"])
        messages.success(
            self.request, _("已将“%(name)s”移到“%(parent)s”之下。") % {"name": unit.name, "parent": new_parent.name}
        )
        return self.unit_url(unit)


class UnitDeleteView(UnitManageView):
    """删除: a confirmation page with a reason; afterwards, the parent's page."""

    kind = "delete"
    manage_action = "delete"
    title = gettext_lazy("删除单位")
    submit_label = gettext_lazy("确认删除")
    submit_class = "btn-danger"

    def get_form(self, data: Any = None) -> forms.Form:
        return UnitDeleteForm(data)

    def perform(self, form: Any) -> str:
        parent = Unit.objects.get_parent(self.unit)
        services.delete_unit(self.unit, reason=form.cleaned_data["reason"])
        messages.success(self.request, _("已删除单位“%(name)s”。") % {"name": self.unit.name})
        scope = scope_for(self.request.user, Unit.permission_for("view"))
        if parent is not None and scope.covers(parent.path):
            return self.unit_url(parent)
        return reverse("org:unit_list")
