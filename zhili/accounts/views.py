"""Sign-in (password, then TOTP when required) and the people pages.

The second factor is enforced by RequireTwoFactorMiddleware, which sends a signed-in session that
still owes a code to `otp_verify` (device confirmed) or `otp_setup` (no device yet). Views here
only parse input and call services; the audit log records logins through auth signals.
"""

from __future__ import annotations

import base64
from typing import Any, cast

import django_otp
import qrcode
import qrcode.image.svg
from django.conf import settings
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.db import transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.cache import add_never_cache_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods
from django_otp.plugins.otp_totp.models import TOTPDevice

from zhili.accounts import services
from zhili.accounts.exports import PERSON_COLUMNS
from zhili.accounts.filtersets import PersonFilterSet
from zhili.accounts.forms import LoginForm, PersonManagement, RevealForm, TokenForm, pii_label
from zhili.accounts.models import Membership, User, UserQuerySet
from zhili.audit.recording import Kind, record
from zhili.core.errors import DomainError
from zhili.core.scope import scope_for
from zhili.core.views import ScopedDetailView, ScopedListView

# ---------------------------------------------------------------- sign-in


class LoginView(auth_views.LoginView):
    template_name = "accounts/login.html"
    authentication_form = LoginForm
    redirect_authenticated_user = True


def _next_url(request: HttpRequest) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return str(settings.LOGIN_REDIRECT_URL)


def _is_verified(request: HttpRequest) -> bool:
    return bool(getattr(request.user, "is_verified", lambda: False)())


def _throttled(user: Any) -> bool:
    """True when a device refuses codes for now after repeated wrong ones (django-otp throttling)."""
    devices = django_otp.devices_for_user(user, confirmed=None)
    return any(not device.verify_is_allowed()[0] for device in devices)


THROTTLED = gettext_lazy("验证码错误次数过多，请稍等片刻再试。")


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_verify(request: HttpRequest) -> HttpResponse:
    """The second step of sign-in: a code from one of the user's confirmed devices."""
    user = cast(User, request.user)
    devices = list(django_otp.devices_for_user(user, confirmed=True))
    if not devices:
        return redirect("accounts:otp_setup")
    if _is_verified(request):
        return redirect(_next_url(request))
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        if _throttled(user):
            form.add_error("token", str(THROTTLED))
        else:
            token = form.cleaned_data["token"]
            device = next(
                (d for d in devices if django_otp.verify_token(user, d.persistent_id, token) is not None), None
            )
            if device is not None:
                django_otp.login(request, device)
                request.session.cycle_key()  # a new session id once the session is fully authenticated
                record(Kind.LOGIN, user, actor=user, data={"stage": "otp"})
                return redirect(_next_url(request))
            record(Kind.LOGIN_FAILED, user, actor=user, data={"stage": "otp"})
            form.add_error("token", _("验证码不正确或已过期，请重新输入。"))
    return render(request, "accounts/otp_verify.html", {"form": form, "next": request.GET.get("next", "")})


def _qr_svg(data: str) -> str:
    image = qrcode.make(data, image_factory=qrcode.image.svg.SvgPathImage, box_size=10, border=2)
    svg = image.to_string(encoding="unicode")
    # Drop the XML declaration so the SVG can sit inline in the page.
    return svg[svg.index("<svg") :] if "<svg" in svg else svg


@never_cache
@login_required
@require_http_methods(["GET", "POST"])
def otp_setup(request: HttpRequest) -> HttpResponse:
    """Set up a TOTP authenticator: "start" creates an unconfirmed device, a valid code confirms it.

    A session that has not passed its existing device cannot add another one, or a stolen password
    alone would be enough to replace the second factor.
    """
    user = cast(User, request.user)
    has_confirmed = bool(list(django_otp.devices_for_user(user, confirmed=True)))
    if has_confirmed and not _is_verified(request):
        return redirect("accounts:otp_verify")
    pending = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    form = TokenForm()
    if request.method == "POST":
        action = request.POST.get("action")
        if action == "start":
            with transaction.atomic():
                TOTPDevice.objects.filter(user=user, confirmed=False).delete()
                TOTPDevice.objects.create(user=user, name=_("验证器应用"), confirmed=False)
            return redirect("accounts:otp_setup")
        if action == "confirm" and pending is not None:
            form = TokenForm(request.POST)
            if form.is_valid() and not pending.verify_is_allowed()[0]:
                form.add_error("token", str(THROTTLED))
            elif form.is_valid():
                with transaction.atomic():
                    device = TOTPDevice.objects.select_for_update().get(pk=pending.pk)
                    confirmed = device.verify_token(form.cleaned_data["token"])
                    if confirmed:
                        device.confirmed = True
                        device.save(update_fields=["confirmed"])
                        # The new authenticator replaces any earlier one.
                        replaced, _detail = TOTPDevice.objects.filter(user=user).exclude(pk=device.pk).delete()
                        record(Kind.UPDATE, user, actor=user, data={"op": "otp_device_confirmed", "replaced": replaced})
                if confirmed:
                    django_otp.login(request, device)
                    request.session.cycle_key()
                    return redirect(settings.LOGIN_REDIRECT_URL)
                form.add_error("token", _("验证码不正确，请确认手机时间准确后重新输入。"))
    context: dict[str, Any] = {"form": form, "has_confirmed": has_confirmed, "pending": pending}
    if pending is not None:
        context["qr_svg"] = mark_safe(_qr_svg(pending.config_url))  # noqa: S308 - generated by qrcode
        context["secret"] = base64.b32encode(pending.bin_key).decode("ascii")
    return render(request, "accounts/otp_setup.html", context)


# ---------------------------------------------------------------- people


def visible_memberships(user: Any) -> QuerySet[Membership]:
    """A person's memberships that the viewer may see; others stay hidden even on a visible person."""
    return Membership.objects.restrict(user).select_related("unit").order_by("unit__path", "role")


class PersonListView(ScopedListView):
    model = User
    filterset_class = PersonFilterSet
    export_columns = PERSON_COLUMNS
    export_name = "people"
    template_name = "accounts/person_list.html"
    page_title = pgettext_lazy("list", "人员")
    hidden_filters = ["unit"]

    def get_queryset(self) -> QuerySet:
        people = cast(UserQuerySet, super().get_queryset())
        return people.with_memberships_for(self.request.user).order_by("username")

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("can_add", not scope_for(self.request.user, "people.manage").empty)
        return super().get_context_data(**kwargs)


class PersonDetailView(ScopedDetailView):
    """A person's account and roles; for a viewer who may manage the person, also the management
    forms (views_manage.py handles their POSTs)."""

    model = User
    template_name = "accounts/person_detail.html"
    context_object_name = "person"  # not "user": that name is the signed-in user in every template

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        person = self.object
        viewer = self.request.user
        kwargs.setdefault("reveal_form", RevealForm())
        memberships = list(visible_memberships(viewer).filter(user=person).select_related("unit__unit_type"))
        if User.objects.restrict(viewer, "assign").filter(pk=person.pk).exists():
            manageable = set(
                Membership.objects.restrict(viewer, "change").filter(user=person).values_list("pk", flat=True)
            )
            # The account itself only when all of the person's roles lie within the viewer's scope.
            account = User.objects.restrict(viewer, "change").filter(pk=person.pk).exists()
            bound = kwargs.pop("bound", None)
            kwargs["manage"] = PersonManagement(viewer, person, memberships, manageable, account=account, bound=bound)
            if account:
                kwargs["security"] = services.account_security(person)
        return super().get_context_data(
            memberships=memberships,
            can_reveal=User.objects.restrict(viewer, "reveal").filter(pk=person.pk).exists(),
            **kwargs,
        )


class PersonRevealView(PersonDetailView):
    """POST: show one masked field in full, once, with a reason (logged). GET shows the detail page."""

    http_method_names = ["get", "post"]

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        self.object = self.get_object()  # through restrict(viewer, "view"): 404 outside the scope
        form = RevealForm(request.POST)
        revealed = None
        if form.is_valid():
            field = form.cleaned_data["field"]
            try:
                value = services.reveal(request.user, self.object, field, reason=form.cleaned_data["reason"])
            except DomainError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                revealed = {"field": field, "label": pii_label(field), "value": value}
                form = RevealForm()
        # A refused reveal (no reason, …) is bad input, as on every form of the site: 400.
        response = self.render_to_response(
            self.get_context_data(reveal_form=form, revealed=revealed), status=200 if revealed else 400
        )
        add_never_cache_headers(response)  # the full value must not stay in any cache
        return response
