from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from zhili.matters.tests.conftest import cast  # noqa: F401  (the matters' people, for intake tests)
from zhili.triage import model


@pytest.fixture(scope="session", autouse=True)
def _models_in_a_temporary_folder(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """Each test session trains the shipped corpus's model once, in a folder of its own (the
    first use trains it, as on a fresh checkout), and never touches var/."""
    folder = tmp_path_factory.mktemp("triage-models")
    patch = pytest.MonkeyPatch()
    patch.setattr(model, "model_dir", lambda: folder)
    model.active.forget()
    yield folder
    model.active.forget()
    patch.undo()
