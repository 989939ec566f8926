"""The committed OpenAPI schema (docs/openapi.yaml) matches the code. Regenerate with `make openapi`."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml
from django.conf import settings
from django.core.management import call_command
from django.utils import translation

SCHEMA = Path(__file__).resolve().parents[3] / "docs" / "openapi.yaml"


@pytest.mark.skipif(not SCHEMA.parent.exists(), reason="docs/ is not part of an installed package")
def test_committed_schema_matches_the_code(tmp_path: Path) -> None:
    generated = tmp_path / "openapi.yaml"
    # The schema's texts are translatable: generate in the default language, as `make openapi`
    # does, whatever an earlier test in this process left active.
    with translation.override(settings.LANGUAGE_CODE):
        call_command("spectacular", "--file", str(generated), "--validate", "--fail-on-warn")
    assert SCHEMA.exists(), "docs/openapi.yaml is missing: run `make openapi`"
    assert yaml.safe_load(SCHEMA.read_text()) == yaml.safe_load(generated.read_text()), (
        "the API changed: run `make openapi` and commit docs/openapi.yaml"
    )


@pytest.mark.django_db
def test_schema_and_docs_are_served_with_local_assets(client) -> None:  # type: ignore[no-untyped-def]
    assert client.get("/api/schema/").status_code == 200
    docs = client.get("/api/docs/")
    assert docs.status_code == 200
    html = docs.content.decode()
    assert "http://" not in html and "https://" not in html
    assert "/static/drf_spectacular_sidecar/swagger-ui-dist/" in html
    asset = client.get("/static/drf_spectacular_sidecar/swagger-ui-dist/swagger-ui-bundle.js")
    assert asset.status_code == 200


@pytest.mark.django_db
def test_unknown_api_paths_answer_json_and_pages_html(client) -> None:  # type: ignore[no-untyped-def]
    response = client.get("/api/v1/no-such-thing/")
    assert response.status_code == 404 and response["Content-Type"] == "application/json"
    assert response.json() == {
        "type": "client_error",
        "errors": [{"code": "not_found", "detail": "未找到。", "attr": None}],
    }
    page = client.get("/no-such-page/")
    assert page.status_code == 404 and page["Content-Type"].startswith("text/html")
