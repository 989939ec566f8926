from __future__ import annotations

import pytest

from zhili import testing


@pytest.fixture
def tree(db: None) -> testing.Tree:
    return testing.tree()


@pytest.fixture(autouse=True)
def _fast_tasks(settings: pytest.FixtureRequest) -> None:
    settings.HUEY = {**settings.HUEY, "immediate": True}
