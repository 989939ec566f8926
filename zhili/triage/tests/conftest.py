from __future__ import annotations

from zhili.matters.tests.conftest import cast  # noqa: F401  (the matters' people, for intake tests)
