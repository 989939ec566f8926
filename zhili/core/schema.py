"""OpenAPI post-processing shared by every app."""

from __future__ import annotations

from typing import Any

# Integer bounds Django takes from the database backend (SQLite: 64-bit, PostgreSQL: 16/32-bit),
# not from the domain. Dropped so the schema is the same whichever database generated it.
BACKEND_BOUNDS = {2**15 - 1, -(2**15), 2**31 - 1, -(2**31), 2**63 - 1, -(2**63)}


def drop_backend_integer_bounds(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    def clean(node: Any) -> None:
        if isinstance(node, dict):
            if node.get("type") == "integer":
                for key in ("maximum", "minimum"):
                    if node.get(key) in BACKEND_BOUNDS:
                        del node[key]
                        node.pop("format", None)
            for value in node.values():
                clean(value)
        elif isinstance(node, list):
            for value in node:
                clean(value)

    clean(result.get("components", {}))
    clean(result.get("paths", {}))
    return result
