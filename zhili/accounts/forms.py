from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.core.validators import RegexValidator
from django.utils.translation import gettext_lazy as _

from zhili.accounts.models import User


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
