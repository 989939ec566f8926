"""Notice settings read from the environment, checked while the settings load.

A wrong backend path or an incomplete SMS gateway stops start-up with a ConfigError naming the
variable, instead of surfacing as notices that fail one by one in the worker hours later.
"""

from __future__ import annotations

from urllib.parse import urlsplit

from django.utils.module_loading import import_string

from zhili.config import ConfigError, Env
from zhili.notify.backends import Backend, HttpSmsBackend

DEFAULT_BACKEND = "zhili.notify.backends.FileBackend"


def _load(variable: str, path: str) -> type[Backend]:
    try:
        backend = import_string(path)
    except Exception as exc:  # ImportError, or whatever the module raises while it imports
        raise ConfigError(variable, f"cannot import {path!r}: {exc}") from None
    if not (isinstance(backend, type) and issubclass(backend, Backend)):
        raise ConfigError(variable, f"{path!r} is not a notice backend (a subclass of {Backend.__qualname__})")
    return backend


def backend(env: Env, variable: str, channel: str) -> str:
    """The dotted path of the backend for one channel ("sms" or "email")."""
    path = env.str(variable, DEFAULT_BACKEND)
    if channel not in _load(variable, path).channels:
        raise ConfigError(variable, f"{path} cannot send {channel}")
    return path


def sms_gateway(env: Env, sms_backend: str) -> dict[str, str]:
    """URL, token and signature of the HTTP SMS gateway; required only when it is the SMS backend."""
    gateway = {
        "url": env.str("ZHILI_SMS_URL", ""),
        "token": env.str("ZHILI_SMS_TOKEN", ""),
        # Accept the signature with or without its brackets: 治理平台 or 【治理平台】.
        "sign": env.str("ZHILI_SMS_SIGN", "").strip("【】 "),
    }
    if not issubclass(_load("ZHILI_SMS_BACKEND", sms_backend), HttpSmsBackend):
        return gateway
    parts = urlsplit(gateway["url"])
    if parts.scheme not in {"http", "https"} or not parts.netloc:
        raise ConfigError("ZHILI_SMS_URL", f"the SMS gateway needs an http(s) URL, got {gateway['url']!r}")
    if not gateway["sign"]:
        raise ConfigError("ZHILI_SMS_SIGN", "required: carriers deliver only SMS that carry a registered 【signature】")
    return gateway
