from __future__ import annotations

import os
import secrets
import string
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.cache.backends.redis import RedisCache

from zhili import config
from zhili.config import ConfigError, Env

REPO = Path(config.__file__).resolve().parent.parent


def clean_env(**extra: str) -> dict[str, str]:
    """The parent's environment minus every setting, so only what a test gives is configured."""
    keep = {"PATH", "HOME", "LANG", "LC_ALL", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV"}
    return {**{k: v for k, v in os.environ.items() if k in keep}, **extra}


def random_key(length: int = 60) -> str:
    alphabet = string.ascii_letters + string.digits
    return "".join(secrets.choice(alphabet) for _ in range(length))


@pytest.mark.parametrize(
    ("raw", "expected"),
    [("true", True), ("YES", True), (" 1 ", True), ("on", True), ("false", False), ("0", False), ("", False)],
)
def test_bool_accepts_the_usual_spellings(raw: str, expected: bool) -> None:
    assert Env({"FLAG": raw}).bool("FLAG", not expected) is expected


def test_bool_defaults_when_unset() -> None:
    assert Env({}).bool("FLAG", True) is True


@pytest.mark.parametrize("raw", ["maybe", "2", "tru", "y e s"])
def test_bool_rejects_anything_else(raw: str) -> None:
    with pytest.raises(ConfigError) as error:
        Env({"DEBUG": raw}).bool("DEBUG", False)
    assert error.value.name == "DEBUG"
    assert repr(raw) in str(error.value)


def test_int_parses_and_defaults() -> None:
    env = Env({"N": " 42 ", "EMPTY": ""})
    assert env.int("N", 1) == 42
    assert env.int("EMPTY", 7) == 7
    assert env.int("MISSING", 9) == 9


@pytest.mark.parametrize("raw", ["ten", "1.5", "0x10", "5 minutes"])
def test_int_rejects_non_integers(raw: str) -> None:
    with pytest.raises(ConfigError, match="expected a whole number") as error:
        Env({"ZHILI_LOCKOUT_MINUTES": raw}).int("ZHILI_LOCKOUT_MINUTES", 15)
    assert error.value.name == "ZHILI_LOCKOUT_MINUTES"


def test_int_enforces_bounds() -> None:
    env = Env({"LOW": "0", "HIGH": "70000", "OK": "8000", "NEGATIVE": "-1"})
    with pytest.raises(ConfigError, match=">= 1"):
        env.int("LOW", 5, minimum=1)
    with pytest.raises(ConfigError, match="between 1 and 65535"):
        env.int("HIGH", 8000, minimum=1, maximum=65535)
    with pytest.raises(ConfigError, match=">= 0"):
        env.int("NEGATIVE", 0)
    assert env.int("OK", 1, minimum=1, maximum=65535) == 8000


def test_list_splits_and_trims() -> None:
    assert Env({"HOSTS": " a.example.org, ,b.example.org "}).list("HOSTS", []) == [
        "a.example.org",
        "b.example.org",
    ]
    assert Env({}).list("HOSTS", ["localhost"]) == ["localhost"]


def test_rate_takes_a_count_per_period_and_names_the_variable_otherwise() -> None:
    assert Env({}).rate("ZHILI_PORTAL_REPORT_RATE", "20/h") == "20/h"
    assert Env({"R": "100/10m"}).rate("R", "20/h") == "100/10m"
    assert Env({"R": "50/hour"}).rate("R", "20/h") == "50/hour"
    for bad in ("20", "20/w", "many/h", "/h"):
        with pytest.raises(ConfigError, match="R"):
            Env({"R": bad}).rate("R", "20/h")


@pytest.mark.parametrize("url", ["mysql://u:p@db/zhili", "oracle://db/zhili", "redis://localhost/0"])
def test_database_url_rejects_unsupported_schemes(url: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="unsupported scheme") as error:
        config.database(Env({"DATABASE_URL": url}), tmp_path)
    assert error.value.name == "DATABASE_URL"


def test_database_defaults_to_sqlite_wal_under_var(tmp_path: Path) -> None:
    db = config.database(Env({}), tmp_path)
    assert db["ENGINE"] == "zhili.core.sqlite"
    assert Path(db["NAME"]) == tmp_path / "zhili.sqlite3"
    assert "journal_mode=WAL" in db["OPTIONS"]["init_command"]


def test_database_postgres_url() -> None:
    db = config.database(Env({"DATABASE_URL": "postgres://postgres@127.0.0.1:5432/zhili"}), Path("/nonexistent"))
    assert db["ENGINE"] == "django.db.backends.postgresql"
    assert db["NAME"] == "zhili"
    assert db["CONN_HEALTH_CHECKS"] is True


def test_production_requires_a_secret_key(tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="must be set") as error:
        config.secret_key(Env({}), tmp_path, production=True)
    assert error.value.name == "SECRET_KEY"


@pytest.mark.parametrize("key", ["short-key", "a" * 60, "abab" * 20])
def test_production_rejects_weak_secret_keys(key: str, tmp_path: Path) -> None:
    with pytest.raises(ConfigError, match="at least 50 random characters"):
        config.secret_key(Env({"SECRET_KEY": key}), tmp_path, production=True)


def test_production_accepts_a_strong_secret_key(tmp_path: Path) -> None:
    key = random_key()
    assert config.secret_key(Env({"SECRET_KEY": key}), tmp_path, production=True) == key
    assert not (tmp_path / "secret_key").exists()


def test_local_secret_key_is_generated_once_and_private(tmp_path: Path) -> None:
    first = config.secret_key(Env({}), tmp_path, production=False)
    second = config.secret_key(Env({}), tmp_path, production=False)
    assert first == second
    assert len(first) >= 50
    assert (tmp_path / "secret_key").stat().st_mode & 0o777 == 0o600


def test_broker_defaults_to_sqlite_and_rejects_unknown_schemes(tmp_path: Path) -> None:
    assert config.broker(Env({}), tmp_path)["huey_class"] == "huey.SqliteHuey"
    assert config.broker(Env({"ZHILI_BROKER_URL": "redis://localhost:6379/0"}), tmp_path)["url"].startswith("redis")
    with pytest.raises(ConfigError) as error:
        config.broker(Env({"ZHILI_BROKER_URL": "amqp://localhost"}), tmp_path)
    assert error.value.name == "ZHILI_BROKER_URL"


def test_cache_is_local_by_default_and_redis_shares_it_between_processes() -> None:
    assert config.cache(Env({}))["BACKEND"].endswith("LocMemCache")
    with pytest.raises(ConfigError) as error:
        config.cache(Env({"ZHILI_CACHE_URL": "memcached://localhost"}))
    assert error.value.name == "ZHILI_CACHE_URL"
    # Two web processes with the same ZHILI_CACHE_URL see one cache (the Redis of this machine).
    settings = config.cache(Env({"ZHILI_CACHE_URL": "redis://127.0.0.1:6379/15"}))
    first, second = (RedisCache(settings["LOCATION"], {"KEY_PREFIX": settings["KEY_PREFIX"]}) for _process in range(2))
    first.set("zhili-test-counts", {"dispatch": 3}, 30)
    assert second.get("zhili-test-counts") == {"dispatch": 3}
    second.delete("zhili-test-counts")
    assert first.get("zhili-test-counts") is None


def run_zhili(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "zhili", *args],
        cwd=REPO,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


@pytest.mark.slow
def test_bad_setting_is_one_line_and_exit_status_2(tmp_path: Path) -> None:
    result = run_zhili("check", env=clean_env(DEBUG="maybe", ZHILI_VAR_DIR=str(tmp_path)))
    assert result.returncode == 2, result.stderr
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert "DEBUG" in lines[0]
    assert "maybe" in lines[0]


@pytest.mark.slow
def test_production_settings_pass_the_deploy_check(tmp_path: Path) -> None:
    env = clean_env(
        ZHILI_HTTPS="true",
        SECRET_KEY=random_key(),
        DEBUG="false",
        ALLOWED_HOSTS="zhili.example.org",
        ZHILI_VAR_DIR=str(tmp_path),
        DATABASE_URL=f"sqlite:///{tmp_path / 'zhili.sqlite3'}",
    )
    result = run_zhili("check", "--deploy", "--fail-level", "WARNING", env=env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout
