"""Managing people on the web (人员和角色管理): create a person with a first role, edit them, reset
their password, grant, retitle and revoke roles, and the account-security actions.

Each action is a POST. The person is reached through the viewer's "view" scope (404 outside it);
changing them needs "people.manage" over them (403 otherwise). Forms only parse; the services
check the rules and write the audit events. Success redirects to the person's page (PRG); a
refused action shows the page again, status 400, with that form open and its errors.
"""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import get_object_or_404, redirect
from django.utils.cache import add_never_cache_headers
from django.utils.translation import gettext as _
from django.views.generic import FormView

from zhili.accounts import services
from zhili.accounts.forms import (
    GrantForm,
    PasswordResetForm,
    PersonCreateForm,
    PersonEditForm,
    ReasonForm,
    RetitleForm,
    RevokeForm,
    membership_prefix,
)
from zhili.accounts.models import Membership, User
from zhili.accounts.views import PersonDetailView, visible_memberships
from zhili.core.errors import DomainError
from zhili.core.scope import scope_for


def _show_error(form: forms.Form, error: DomainError) -> None:
    form.add_error(error.field if error.field in form.fields else None, error.message)


class PersonCreateView(LoginRequiredMixin, FormView):
    """新建人员, with the first role: a person without a role in the administrator's reach would be
    invisible to them at once."""

    form_class = PersonCreateForm
    template_name = "accounts/person_form.html"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if request.user.is_authenticated and scope_for(request.user, "people.manage").empty:
            raise PermissionDenied(_("您没有管理人员的权限。"))
        response = super().dispatch(request, *args, **kwargs)
        add_never_cache_headers(response)  # the form carries a password
        return response

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def form_valid(self, form: PersonCreateForm) -> HttpResponse:
        data, reason = form.cleaned_data, form.cleaned_data["reason"]
        try:
            with transaction.atomic():
                person = services.create_person(reason=reason, **form.person_fields())
                services.grant_role(person, data["unit"], data["role"], title=data["title"], reason=reason)
                # The form offers only units in reach; re-checked here after the write, as the API does.
                if not User.objects.restrict(self.request.user, "add").filter(pk=person.pk).exists():
                    raise PermissionDenied(_("您没有管理人员的权限。"))
        except DomainError as error:
            _show_error(form, error)
            return self.form_invalid(form)
        messages.success(self.request, _("已新建人员“%(name)s”。") % {"name": person})
        return redirect("accounts:person_detail", pk=person.pk)

    def form_invalid(self, form: forms.Form) -> HttpResponse:
        return self.render_to_response(self.get_context_data(form=form), status=400)


class PersonActionView(PersonDetailView):
    """One management action on a person; subclasses name the form and call one service."""

    http_method_names = ["post"]
    form_class: ClassVar[type[forms.Form]]
    key: ClassVar[str]  # the form's prefix and its key on the page (see PersonManagement)
    sensitive: ClassVar[bool] = False  # the response must not be cached

    def form_key(self) -> str:
        return self.key

    def get_form(self) -> forms.Form:
        return self.form_class(self.request.POST, prefix=self.form_key())

    # "change": the account as a whole, which needs every role of the person within the viewer's
    # manage scope; "assign": their roles within it (User.objects.restrict).
    person_action: ClassVar[str] = "change"

    def check(self) -> None:
        """Refuse (403) a viewer who sees the person but may not manage them."""
        if not User.objects.restrict(self.request.user, self.person_action).filter(pk=self.object.pk).exists():
            raise PermissionDenied(_("您没有管理该人员的权限。"))

    def perform(self, form: Any) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = self.get_object()  # through restrict(viewer, "view"): 404 outside the scope
        self.check()
        form = self.get_form()
        if form.is_valid():
            try:
                with transaction.atomic():
                    message = self.perform(form)
            except DomainError as error:
                _show_error(form, error)
            else:
                messages.success(request, message)
                return redirect("accounts:person_detail", pk=self.object.pk)
        response = self.render_to_response(self.get_context_data(bound=(self.form_key(), form)), status=400)
        if self.sensitive:
            add_never_cache_headers(response)
        return response


class PersonEditView(PersonActionView):
    form_class = PersonEditForm
    key = "edit"

    def perform(self, form: PersonEditForm) -> str:
        services.update_person(self.object, reason=form.cleaned_data["reason"], **form.changes())
        return _("已保存人员信息。")


class PersonPasswordView(PersonActionView):
    form_class = PasswordResetForm
    key = "password"
    sensitive = True

    def perform(self, form: PasswordResetForm) -> str:
        services.set_password(self.object, form.cleaned_data["password"], reason=form.cleaned_data["reason"])
        if self.object.pk == self.request.user.pk:
            update_session_auth_hash(self.request, self.object)  # an administrator's own reset keeps them signed in
        return _("已重设密码。请通过安全的方式告知本人，并提醒其登录后尽快修改。")


class PersonGrantView(PersonActionView):
    form_class = GrantForm
    key = "grant"
    person_action = "assign"

    def get_form(self) -> forms.Form:
        return GrantForm(self.request.POST, prefix=self.key, user=self.request.user)

    def perform(self, form: GrantForm) -> str:
        data = form.cleaned_data
        membership = services.grant_role(
            self.object, data["unit"], data["role"], title=data["title"], reason=data["reason"]
        )
        # The form offers only units in reach; re-checked here after the write, as the API does.
        if not Membership.objects.restrict(self.request.user, "add").filter(pk=membership.pk).exists():
            raise PermissionDenied(_("您没有在该单位授予角色的权限。"))
        label = f"{membership.unit} · {membership.get_role_display()}"
        return _("已授予角色：%(membership)s。") % {"membership": label}


class MembershipActionView(PersonActionView):
    """An action on one of the person's roles: it must be visible to the viewer (404 otherwise) and
    within their manage scope (403 otherwise)."""

    membership_action: ClassVar[str] = "change"
    person_action = "assign"
    membership: Membership

    def check(self) -> None:
        super().check()
        self.membership = get_object_or_404(
            visible_memberships(self.request.user).filter(user=self.object), pk=self.kwargs["membership"]
        )
        manageable = Membership.objects.restrict(self.request.user, self.membership_action)
        if not manageable.filter(pk=self.membership.pk).exists():
            raise PermissionDenied(_("您没有管理该任职的权限。"))

    def form_key(self) -> str:
        return membership_prefix(self.membership, self.key)


class MembershipRetitleView(MembershipActionView):
    form_class = RetitleForm
    key = "retitle"

    def perform(self, form: RetitleForm) -> str:
        services.retitle_role(self.membership, form.cleaned_data["title"], reason=form.cleaned_data["reason"])
        return _("已修改职务。")


class MembershipRevokeView(MembershipActionView):
    form_class = RevokeForm
    key = "revoke"
    membership_action = "delete"

    def perform(self, form: RevokeForm) -> str:
        label = f"{self.membership.unit} · {self.membership.get_role_display()}"
        services.revoke_role(self.membership, reason=form.cleaned_data["reason"])
        return _("已撤销任职：%(membership)s。") % {"membership": label}


class SecondFactorResetView(PersonActionView):
    form_class = ReasonForm
    key = "second_factor"
    sensitive = True

    def perform(self, form: ReasonForm) -> str:
        services.reset_second_factor(self.object, reason=form.cleaned_data["reason"])
        return _("已重置双因素认证。该人员下次登录时需要重新绑定验证器。")


class UnlockView(PersonActionView):
    form_class = ReasonForm
    key = "unlock"
    sensitive = True

    def perform(self, form: ReasonForm) -> str:
        services.unlock(self.object, reason=form.cleaned_data["reason"])
        return _("已解除登录锁定。")


class TokensRevokeView(PersonActionView):
    form_class = ReasonForm
    key = "tokens"
    sensitive = True

    def perform(self, form: ReasonForm) -> str:
        count = services.revoke_tokens(self.object, reason=form.cleaned_data["reason"])
        return _("已撤销 %(count)d 个接口令牌。") % {"count": count}
