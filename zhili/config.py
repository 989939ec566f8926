"""Settings read from the environment, validated once at start-up.

Every setting has a safe local default. A bad value raises ConfigError naming the variable and
the reason; the `zhili` command prints that as one line and exits (see zhili.cli).
"""

from __future__ import annotations

import os
import re
import secrets
from collections.abc import Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import environ
from django.core.exceptions import ImproperlyConfigured

TRUE = {"1", "true", "yes", "on"}
FALSE = {"0", "false", "no", "off", ""}


class ConfigError(ImproperlyConfigured):
    """One environment variable is wrong; the message says which and why."""

    def __init__(self, name: str, why: str) -> None:
        self.name = name
        self.why = why
        super().__init__(f"{name}: {why}")


# Aliases: the methods below are named after the types they return, which would shadow them.
Text = str
Flag = bool
Number = int


class Env:
    """Typed, strict access to environment variables."""

    def __init__(self, environ_: Mapping[str, str] | None = None) -> None:
        self.environ = os.environ if environ_ is None else environ_

    def raw(self, name: Text) -> Text | None:
        value = self.environ.get(name)
        return None if value is None else value.strip()

    def str(self, name: Text, default: Text) -> Text:
        value = self.raw(name)
        return default if value is None or value == "" else value

    def bool(self, name: Text, default: Flag) -> Flag:
        value = self.raw(name)
        if value is None:
            return default
        if value.lower() in TRUE:
            return True
        if value.lower() in FALSE:
            return False
        raise ConfigError(name, f"expected true or false, got {value!r}")

    def int(self, name: Text, default: Number, minimum: Number = 0, maximum: Number | None = None) -> Number:
        value = self.raw(name)
        if value is None or value == "":
            return default
        try:
            number = int(value)
        except ValueError:
            raise ConfigError(name, f"expected a whole number, got {value!r}") from None
        if number < minimum or (maximum is not None and number > maximum):
            bound = f"between {minimum} and {maximum}" if maximum is not None else f">= {minimum}"
            raise ConfigError(name, f"must be {bound}, got {number}")
        return number

    def rate(self, name: Text, default: Text) -> Text:
        """A rate as django-ratelimit reads it: a count per period, "20/h" or "100/10m"."""
        value = self.str(name, default)
        if not re.fullmatch(r"[0-9]+/[0-9]*[smhd][a-z]*", value, flags=re.IGNORECASE):
            raise ConfigError(name, f"expected a count per period such as 20/h or 100/10m, got {value!r}")
        return value

    def list(self, name: Text, default: list[Text]) -> list[Text]:
        value = self.raw(name)
        if value is None or value == "":
            return default
        return [item.strip() for item in value.split(",") if item.strip()]


def var_dir(env: Env) -> Path:
    path = Path(env.str("ZHILI_VAR_DIR", str(Path.cwd() / "var"))).resolve()
    try:
        path.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ConfigError("ZHILI_VAR_DIR", f"cannot create {path}: {exc.strerror}") from None
    return path


def database(env: Env, var: Path) -> dict[str, Any]:
    url = env.str("DATABASE_URL", f"sqlite:///{var / 'zhili.sqlite3'}")
    scheme = urlsplit(url).scheme
    if scheme not in {"sqlite", "postgres", "postgresql", "pgsql"}:
        raise ConfigError("DATABASE_URL", f"unsupported scheme {scheme!r}; use sqlite:/// or postgres://")
    try:
        config: dict[str, Any] = environ.Env.db_url_config(url)
    except Exception as exc:  # environ raises several types for malformed URLs
        raise ConfigError("DATABASE_URL", f"cannot parse {url!r}: {exc}") from None
    if config["ENGINE"] == "django.db.backends.sqlite3":
        # WAL lets the web server and the worker read while one of them writes; IMMEDIATE takes
        # the write lock at BEGIN so concurrent writers queue instead of failing mid-transaction,
        # and our backend makes them queue without sleeping (zhili/core/sqlite/base.py).
        config["ENGINE"] = "zhili.core.sqlite"
        config["OPTIONS"] = {
            "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL; PRAGMA foreign_keys=ON;",
            "transaction_mode": "IMMEDIATE",
            "timeout": 20,
        }
        # Tests run in memory, as Django's own SQLite backend does by default (pytest-django
        # recognises that default only by the engine's name, which ours does not have).
        config["TEST"] = {"NAME": ":memory:"}
        if config["NAME"] not in {":memory:", ""}:
            Path(config["NAME"]).parent.mkdir(parents=True, exist_ok=True)
    # Keep connections between requests: opening one costs a SQLite connection its PRAGMAs and
    # schema parse, a PostgreSQL one its handshake, on every request.
    config["CONN_MAX_AGE"] = env.int("DATABASE_CONN_MAX_AGE", 60)
    config["CONN_HEALTH_CHECKS"] = True
    config["ATOMIC_REQUESTS"] = False
    return config


def secret_key(env: Env, var: Path, production: bool) -> str:
    key = env.raw("SECRET_KEY")
    if key:
        if production and (len(key) < 50 or len(set(key)) < 5):
            raise ConfigError("SECRET_KEY", "must be at least 50 random characters in production")
        return key
    if production:
        raise ConfigError("SECRET_KEY", "must be set when ZHILI_HTTPS is on (production)")
    # Local default: a random key kept under var/, so sessions survive restarts and no key is
    # ever shared between installations.
    path = var / "secret_key"
    if not path.exists():
        # Write then rename: processes starting together never read a half-written key, and
        # the first rename wins for all of them.
        temporary = var / f".secret_key.{os.getpid()}"
        temporary.write_text(secrets.token_urlsafe(64))
        temporary.chmod(0o600)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            temporary.unlink()
    return path.read_text().strip()


def cache(env: Env) -> dict[str, Any]:
    """Django's cache: in each process's memory by default (one process: `zhili serve`), Redis
    when several web processes run. What it keeps for a person (the queues' counts, throttles)
    is then the same in every process, and a step taken through one forgets it in all."""
    url = env.str("ZHILI_CACHE_URL", "")
    if not url:
        return {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"}
    scheme = urlsplit(url).scheme
    if scheme in {"redis", "rediss"}:
        return {"BACKEND": "django.core.cache.backends.redis.RedisCache", "LOCATION": url, "KEY_PREFIX": "zhili"}
    raise ConfigError("ZHILI_CACHE_URL", f"unsupported scheme {scheme!r}; use redis:// (or leave it unset)")


def broker(env: Env, var: Path) -> dict[str, Any]:
    """Huey settings: SQLite under var/ by default, Redis in production."""
    url = env.str("ZHILI_BROKER_URL", f"sqlite:///{var / 'tasks.sqlite3'}")
    parts = urlsplit(url)
    common: dict[str, Any] = {"name": "zhili", "immediate": env.bool("ZHILI_TASKS_IMMEDIATE", False)}
    if parts.scheme == "sqlite":
        # sqlite:///relative/path or sqlite:////absolute/path, as in DATABASE_URL
        filename = url.removeprefix("sqlite:///") or str(var / "tasks.sqlite3")
        return {**common, "huey_class": "huey.SqliteHuey", "filename": filename}
    if parts.scheme in {"redis", "rediss"}:
        return {**common, "huey_class": "huey.PriorityRedisHuey", "url": url}
    raise ConfigError("ZHILI_BROKER_URL", f"unsupported scheme {parts.scheme!r}; use sqlite:/// or redis://")
