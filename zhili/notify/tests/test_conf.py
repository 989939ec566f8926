"""Backend settings are checked while the settings load: a mistake stops start-up with its name."""

from __future__ import annotations

import pytest

from zhili.config import ConfigError, Env
from zhili.notify import conf

HTTP = "zhili.notify.backends.HttpSmsBackend"


def test_the_default_backend_is_the_file_backend() -> None:
    assert conf.backend(Env({}), "ZHILI_SMS_BACKEND", "sms") == "zhili.notify.backends.FileBackend"
    assert conf.sms_gateway(Env({}), conf.DEFAULT_BACKEND) == {"url": "", "token": "", "sign": ""}


@pytest.mark.parametrize(
    ("path", "why"),
    [
        ("zhili.notify.backends.NoSuchBackend", "cannot import"),
        ("no.such.module.Backend", "cannot import"),
        ("zhili.config.Env", "is not a notice backend"),
        ("zhili.notify.backends.SMS", "is not a notice backend"),
        (HTTP, "cannot send email"),
    ],
)
def test_a_bad_backend_path_is_a_config_error(path: str, why: str) -> None:
    with pytest.raises(ConfigError, match=why) as error:
        conf.backend(Env({"ZHILI_EMAIL_BACKEND": path}), "ZHILI_EMAIL_BACKEND", "email")
    assert error.value.name == "ZHILI_EMAIL_BACKEND"


def test_the_email_backend_cannot_send_sms() -> None:
    with pytest.raises(ConfigError, match="cannot send sms"):
        conf.backend(Env({"ZHILI_SMS_BACKEND": "zhili.notify.backends.DjangoEmailBackend"}), "ZHILI_SMS_BACKEND", "sms")


@pytest.mark.parametrize(
    ("environ", "name"),
    [
        ({"ZHILI_SMS_SIGN": "治理平台"}, "ZHILI_SMS_URL"),
        ({"ZHILI_SMS_URL": "ftp://gateway/send", "ZHILI_SMS_SIGN": "治理平台"}, "ZHILI_SMS_URL"),
        ({"ZHILI_SMS_URL": "https://sms.example.org/send"}, "ZHILI_SMS_SIGN"),
        ({"ZHILI_SMS_URL": "https://sms.example.org/send", "ZHILI_SMS_SIGN": "【】"}, "ZHILI_SMS_SIGN"),
    ],
)
def test_the_http_gateway_needs_a_url_and_a_signature(environ: dict[str, str], name: str) -> None:
    with pytest.raises(ConfigError) as error:
        conf.sms_gateway(Env(environ), HTTP)
    assert error.value.name == name


def test_the_signature_is_accepted_with_or_without_brackets() -> None:
    environ = {
        "ZHILI_SMS_URL": "https://sms.example.org/send",
        "ZHILI_SMS_TOKEN": "t",
        "ZHILI_SMS_SIGN": "【治理平台】",
    }
    assert conf.sms_gateway(Env(environ), HTTP) == {
        "url": "https://sms.example.org/send",
        "token": "t",
        "sign": "治理平台",
    }
