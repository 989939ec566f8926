from __future__ import annotations

from collections.abc import Iterator

import pytest
from huey.contrib.djhuey import HUEY

from zhili import testing


@pytest.fixture
def tree(db: None) -> testing.Tree:
    return testing.tree()


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
