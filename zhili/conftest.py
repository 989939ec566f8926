from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from django.core.cache import cache
from huey.contrib.djhuey import HUEY

from zhili import testing
from zhili.core import memo
from zhili.web.tests.browser import browser, page  # noqa: F401  (browser tests in every app)


@pytest.fixture
def tree(db: None) -> testing.Tree:
    return testing.tree()


@pytest.fixture(autouse=True)
def _fast_password_hashing(settings: Any) -> None:
    # Argon2 is the production hasher (a test checks it); hashing every test account with it would
    # make the suite slow for nothing.
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]


@pytest.fixture(scope="session", autouse=True)
def _triage_models_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[None]:
    """Each test session trains the shipped corpus's triage model once, on first use (as on a
    fresh checkout), in a folder of its own: never var/, never a model left by an earlier run."""
    from zhili.triage import model

    folder = tmp_path_factory.mktemp("triage-models")
    patch = pytest.MonkeyPatch()
    patch.setattr(model, "model_dir", lambda: folder)
    model.active.forget()
    yield
    model.active.forget()
    patch.undo()


@pytest.fixture(autouse=True)
def _fresh_reference_caches() -> Iterator[None]:
    # Reference data cached per process (zhili.core.memo) is cleared by model signals, but a test's
    # rolled-back transaction sends none: start and end every test with empty caches.
    memo.clear_all()
    cache.clear()  # and the queues' counts kept per person (matters/queues.py), by user id
    yield
    memo.clear_all()
    cache.clear()


@pytest.fixture(autouse=True)
def _tasks_run_in_process() -> Iterator[None]:
    # djhuey builds its queue once at start-up; switching the instance itself runs tasks
    # in-process (memory storage) instead of queueing them in var/tasks.sqlite3.
    before = HUEY.immediate
    HUEY.immediate = True
    try:
        yield
    finally:
        HUEY.immediate = before
