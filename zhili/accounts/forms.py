from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from zhili.accounts.models import Membership, User
from zhili.accounts.roles import STAFF_ROLES, Role
from zhili.audit.forms import reason_field
from zhili.core.scope import prefix_q, scope_for
from zhili.org.forms import unit_choices
from zhili.org.models import Unit


class LoginForm(AuthenticationForm):
    """Username and password. Authentication passes the request, which django-axes needs."""

    error_messages = {
        "invalid_login": _("账号或密码不正确。"),
        "inactive": _("该账号已停用。"),
    }

    def __init__(self, request: Any = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("账号")
        self.fields["password"].label = _("密码")
        self.fields["username"].widget.attrs.update({"autocomplete": "username", "autocapitalize": "none"})
        self.fields["password"].widget.attrs.update({"autocomplete": "current-password"})


class TokenForm(forms.Form):
    """A six-digit code from the authenticator app."""

    token = forms.CharField(
        label=_("验证码"),
        min_length=6,
        max_length=8,
        validators=[RegexValidator(r"^[0-9]+$", _("验证码只能是数字。"))],
        widget=forms.TextInput(
            attrs={"inputmode": "numeric", "autocomplete": "one-time-code", "pattern": "[0-9]*", "autofocus": True}
        ),
        help_text=_("打开手机上的验证器应用，输入显示的 6 位数字。"),
    )

    def clean_token(self) -> str:
        return self.cleaned_data["token"].replace(" ", "")


def pii_label(name: str) -> Any:
    """The (lazy, translatable) label of a protected personal-data field of User."""
    return getattr(User._meta.get_field(name), "verbose_name", name)


class RevealForm(forms.Form):
    """Ask to see one masked field in full; the reason goes to the audit log."""

    field = forms.ChoiceField(
        label=_("查看项目"),
        choices=[(name, pii_label(name)) for name in User.pii_fields],
    )
    reason = forms.CharField(
        label=_("查看原因"),
        min_length=2,
        max_length=500,
        help_text=_("例如：回访当事人需要联系电话。原因将记入审计日志。"),
        widget=forms.Textarea(attrs={"rows": 2}),
    )


# ---------------------------------------------------------------- managing people (people.manage)
# These forms only parse what the administrator typed; the services check the rules (a free
# account name, a strong enough password, a valid phone or ID number) and write the audit events.


def staff_role_choices() -> list[tuple[str, Any]]:
    return [("", _("请选择")), *((role.value, role.label) for role in Role if role in STAFF_ROLES)]


def manageable_units(user: Any) -> list[tuple[Any, str]]:
    """Units where `user` may grant roles, as a bounded, indented pick-list."""
    return unit_choices(user, permission="people.manage")


class PasswordPairForm(forms.Form):
    """A new password typed twice. Its strength is checked by the service (Django's validators)."""

    password = forms.CharField(
        label=_("新密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("至少 10 位，不能是常见密码或纯数字，不能与账号、姓名相近。"),
    )
    password_again = forms.CharField(
        label=_("再次输入新密码"),
        strip=False,
        max_length=128,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        first, again = cleaned.get("password"), cleaned.get("password_again")
        if first and again and first != again:
            self.add_error("password_again", _("两次输入的密码不一致。"))
        return cleaned


class UnitRoleForm(forms.Form):
    """A unit in the administrator's manage scope and a staff role there, with an optional title.

    The pick-list holds the administrator's top units and two levels below (bounded); a unit
    further down (a grid, say) is given by its code instead.
    """

    unit = forms.TypedChoiceField(
        label=_("任职单位"),
        coerce=int,
        required=False,
        empty_value=None,
        error_messages={"invalid_choice": _("单位不存在或不在您的管理范围内。")},
    )
    unit_code = forms.CharField(
        label=_("或填写单位代码"),
        max_length=32,
        required=False,
        help_text=_("列表只列出上面几级单位；网格等更下级的单位请填写其单位代码。"),
    )
    role = forms.ChoiceField(label=_("角色"), choices=staff_role_choices)
    title = forms.CharField(label=_("职务"), max_length=60, required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        units: Any = self.fields["unit"]
        units.choices = [("", _("请选择")), *manageable_units(user)]

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        picked, code = cleaned.get("unit"), (cleaned.get("unit_code") or "").strip()
        if "unit" in self.errors:
            return cleaned
        if picked and code:
            self.add_error("unit_code", _("请只选择单位或只填写单位代码，不要同时填写。"))
        elif not picked and not code:
            self.add_error("unit", _("请选择任职单位，或填写单位代码。"))
        else:
            found = manageable_unit(self.user, pk=picked) if picked else manageable_unit(self.user, code=code)
            if found is None:
                self.add_error("unit_code" if code else "unit", _("单位不存在或不在您的管理范围内。"))
            cleaned["unit"] = found
        return cleaned


def manageable_unit(user: Any, **lookup: Any) -> Unit | None:
    """The unit matching `lookup` if `user` may grant roles there (people.manage), else None."""
    scope = scope_for(user, "people.manage")
    if scope.empty:
        return None
    units = Unit.objects.filter(**lookup)
    if not scope.everything:
        units = units.filter(prefix_q("path", scope.paths))
    return units.first()


class PersonCreateForm(PasswordPairForm, UnitRoleForm):
    """新建人员: the account, an initial password and the first role, which makes the new person
    visible to the administrator who creates them."""

    field_order = [
        "username", "full_name", "phone", "id_number", "password", "password_again",
        "unit", "unit_code", "role", "title", "reason",
    ]  # fmt: skip

    username = forms.CharField(
        label=_("账号"),
        max_length=150,
        widget=forms.TextInput(attrs={"autocomplete": "off", "autocapitalize": "none"}),
        help_text=_("登录时使用，创建后不能修改。"),
    )
    full_name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("手机号码"), max_length=20, required=False)
    id_number = forms.CharField(label=_("身份证号"), max_length=18, required=False)
    reason = reason_field()

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["password"].label = _("初始密码")
        self.fields["password_again"].label = _("再次输入初始密码")

    def person_fields(self) -> dict[str, Any]:
        data = self.cleaned_data
        return {name: data[name] for name in ("username", "full_name", "phone", "id_number", "password")}


class PersonEditForm(forms.Form):
    """编辑: name, contact and whether the account may sign in. Phone and ID number are never put
    into the form (that would show them unmasked without a logged reveal): a blank field keeps the
    stored value, and a tick clears it."""

    full_name = forms.CharField(label=_("姓名"), max_length=60)
    phone = forms.CharField(label=_("新手机号码"), max_length=20, required=False, help_text=_("留空则不修改。"))
    clear_phone = forms.BooleanField(label=_("清除手机号码"), required=False)
    id_number = forms.CharField(label=_("新身份证号"), max_length=18, required=False, help_text=_("留空则不修改。"))
    clear_id_number = forms.BooleanField(label=_("清除身份证号"), required=False)
    is_active = forms.BooleanField(
        label=_("启用（可以登录）"), required=False, help_text=_("停用后该账号不能登录，历史记录保留。")
    )
    reason = reason_field()

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        for name in ("phone", "id_number"):
            if cleaned.get(name) and cleaned.get(f"clear_{name}"):
                self.add_error(name, _("填写了新的号码时不能同时勾选清除。"))
        return cleaned

    def changes(self) -> dict[str, Any]:
        data = self.cleaned_data
        fields: dict[str, Any] = {"full_name": data["full_name"], "is_active": data["is_active"]}
        for name in ("phone", "id_number"):
            if data[f"clear_{name}"]:
                fields[name] = ""
            elif data[name]:
                fields[name] = data[name]
        return fields


class PasswordResetForm(PasswordPairForm):
    """重设密码, by an administrator."""

    reason = reason_field()


class GrantForm(UnitRoleForm):
    """任职: a new role for the person."""

    reason = reason_field()


class RetitleForm(forms.Form):
    title = forms.CharField(label=_("职务"), max_length=60, required=False)
    reason = reason_field()


class RevokeForm(forms.Form):
    confirm = forms.BooleanField(label=_("确认撤销此任职"), error_messages={"required": _("请勾选确认后再撤销。")})
    reason = reason_field()


class ReasonForm(forms.Form):
    """An action that takes nothing but a reason (reset the second factor, unlock, revoke tokens)."""

    reason = reason_field()


@dataclass
class MembershipRow:
    membership: Membership
    retitle: RetitleForm | None = None  # None: the viewer sees this role but may not change it
    revoke: RevokeForm | None = None


class PersonManagement:
    """The management forms of one person's page, for a viewer who may manage the person.

    Each form has its own prefix so they can share the page; an action that failed passes its
    bound form as `bound` (under the same key) so the page shows it open with its errors.
    """

    def __init__(
        self,
        viewer: Any,
        person: User,
        memberships: list[Membership],
        manageable: set[int],
        account: bool = True,
        bound: tuple[str, forms.Form] | None = None,
    ) -> None:
        # account: the viewer may change the account itself (details, password, security), not
        # only the roles within their scope (User.objects.restrict, "change" against "assign").
        self.account = account
        self.open, bound_form = bound if bound is not None else ("", None)
        self.edit = PersonEditForm(
            prefix="edit", initial={"full_name": person.full_name, "is_active": person.is_active}
        )
        self.password = PasswordResetForm(prefix="password")
        self.grant = GrantForm(prefix="grant", user=viewer)
        self.second_factor = ReasonForm(prefix="second_factor")
        self.unlock = ReasonForm(prefix="unlock")
        self.tokens = ReasonForm(prefix="tokens")
        if bound_form is not None and hasattr(self, self.open):
            setattr(self, self.open, bound_form)
        self.rows: list[MembershipRow] = []
        for membership in memberships:
            row = MembershipRow(membership)
            if membership.pk in manageable:
                retitle_key = membership_prefix(membership, "retitle")
                revoke_key = membership_prefix(membership, "revoke")
                row.retitle = RetitleForm(prefix=retitle_key, initial={"title": membership.title})
                row.revoke = RevokeForm(prefix=revoke_key)
                if self.open == retitle_key:
                    row.retitle = cast(RetitleForm, bound_form)
                elif self.open == revoke_key:
                    row.revoke = cast(RevokeForm, bound_form)
            self.rows.append(row)


def membership_prefix(membership: Membership, action: str) -> str:
    return f"m{membership.pk}-{action}"
