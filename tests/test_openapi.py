"""The OpenAPI document is valid and complete, and its docs page works offline."""

from __future__ import annotations

import re

from flask.testing import FlaskClient
from openapi_spec_validator import validate

PUBLIC = {
    ("/api/v1/auth/login", "post"),
    ("/healthz", "get"),
    ("/readyz", "get"),
    ("/api/v1/privacy-notice", "get"),
    ("/api/v1/statements/verify", "get"),
}


def test_openapi_document_is_valid_and_complete(client: FlaskClient) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    spec = response.json
    validate(spec)
    assert spec["components"]["securitySchemes"]["bearerAuth"]["scheme"] == "bearer"
    error = spec["components"]["schemas"]["Error"]["properties"]
    assert {"status", "code", "message", "fields", "request_id"} <= set(error)
    operations = [
        (path, method, op)
        for path, item in spec["paths"].items()
        for method, op in item.items()
        if method in {"get", "post", "put", "patch", "delete"}
    ]
    assert len(operations) >= 10
    for path, method, op in operations:
        assert op.get("summary"), f"{method} {path} has no summary"
        assert "default" in op["responses"], f"{method} {path} documents no error response"
        if (path, method) in PUBLIC:
            assert "security" not in op
        else:
            assert op["security"] == [{"bearerAuth": []}], f"{method} {path}"
            assert "401" in op["responses"] and "403" in op["responses"]
        if "requestBody" in op:
            assert "422" in op["responses"], f"{method} {path}"


def test_docs_page_loads_its_assets_from_this_server(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets and all(a.startswith("/api/v1/docs/assets/") for a in assets)
    for asset in assets:
        asset_response = client.get(asset)
        assert asset_response.status_code == 200
        asset_response.close()
