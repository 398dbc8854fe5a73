"""Security headers set by the app on every response (sunshine/http.py), and the docs page's
own Content-Security-Policy (sunshine/openapi.py)."""

from __future__ import annotations

import base64
import hashlib
import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

API_CSP = "default-src 'none'; frame-ancestors 'none'"


@pytest.mark.parametrize(
    "path", ["/healthz", "/api/v1/me", "/api/v1/nowhere", "/api/v1/openapi.json"]
)
def test_every_response_carries_the_security_headers(client: FlaskClient, path: str) -> None:
    response = client.get(path)

    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["Content-Security-Policy"] == API_CSP
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    assert response.headers["Cache-Control"] == "no-store"


def test_development_sends_no_hsts(
    app: Flask, client: FlaskClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "ENV_NAME", "development")

    response = client.get("/healthz")

    assert "Strict-Transport-Security" not in response.headers
    assert response.headers["X-Frame-Options"] == "DENY"


def test_the_docs_page_may_run_only_its_own_scripts(client: FlaskClient) -> None:
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    policy = dict(
        directive.partition(" ")[::2]
        for directive in page.headers["Content-Security-Policy"].split("; ")
    )

    inline = re.findall(r"<script>(.*?)</script>", html, re.DOTALL)
    assert len(inline) == 1
    digest = base64.b64encode(hashlib.sha256(inline[0].encode()).digest()).decode()
    assert policy["script-src"] == f"'self' 'sha256-{digest}'"
    assert policy["default-src"] == "'none'"
    assert policy["connect-src"] == "'self'"  # the document is fetched from this server
    assert policy["frame-ancestors"] == "'none'"
    # Every file the page loads comes from this server.
    for source in re.findall(r'(?:src|href)="([^"]+)"', html):
        assert source.startswith("/api/v1/docs/assets/"), source
        asset = client.get(source)
        asset.close()  # a file response
        assert asset.status_code == 200
