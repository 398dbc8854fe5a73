"""The app under gunicorn with production configuration; /healthz reports the database."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import requests
from flask.testing import FlaskClient

ROOT = Path(__file__).resolve().parents[2]


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _gunicorn(database_url: str) -> Iterator[str]:
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "REDIS_"))},
        "SUNSHINE_ENV": "production",
        "SECRET_KEY": "p" * 64,
        "WECHAT_APPID": "wxprodlike000000",
        "WECHAT_SECRET": "prod-like-secret",
        "DATABASE_URL": database_url,
        # Required in production; nothing here connects to it (healthz checks the database).
        "REDIS_URL": "redis://127.0.0.1:6379/15",
        # Any Ed25519 key but the published development one (base64 of 32 raw bytes).
        "LEDGER_SIGNING_KEY": "cHJvZC1saWtlLWxlZGdlci1rZXktMzItYnl0ZXMhISE=",
        # Required in production: the public address the statements' QR codes open.
        "PUBLIC_BASE_URL": "https://sunshine.example.cn",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-w", "2", "-b", f"127.0.0.1:{port}", "wsgi:app"],
        cwd=ROOT,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {process.stderr.read().decode()[-2000:]}")  # type: ignore[union-attr]
            try:
                requests.get(f"{base}/healthz", timeout=5)
                break
            except requests.RequestException:
                time.sleep(0.2)
        yield base
    finally:
        process.terminate()
        process.wait(timeout=15)
        process.stderr.close()  # type: ignore[union-attr]


@pytest.fixture
def gunicorn_app(database_url: str) -> Iterator[str]:
    yield from _gunicorn(database_url)


@pytest.fixture
def gunicorn_without_database() -> Iterator[str]:
    yield from _gunicorn("postgresql://sunshine@127.0.0.1:9/nowhere?connect_timeout=1")


def test_gunicorn_serves_healthz_with_production_config(gunicorn_app: str) -> None:
    response = requests.get(f"{gunicorn_app}/healthz", timeout=5)
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["X-Request-ID"]
    docs = requests.get(f"{gunicorn_app}/api/v1/openapi.json", timeout=5)
    assert docs.status_code == 200


def test_healthz_is_503_when_the_database_is_unreachable(gunicorn_without_database: str) -> None:
    response = requests.get(f"{gunicorn_without_database}/healthz", timeout=10)
    assert response.status_code == 503
    assert response.json()["code"] == "health.database_unavailable"


def test_production_refuses_to_start_without_secrets() -> None:
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in {"SECRET_KEY", "WECHAT_SECRET", "LEDGER_SIGNING_KEY"}
    }
    env.update(SUNSHINE_ENV="production", WECHAT_APPID="wxprodlike000000")
    result = subprocess.run(
        [sys.executable, "-c", "import wsgi"], cwd=ROOT, env=env, capture_output=True, timeout=60
    )
    assert result.returncode != 0
    assert b"production configuration refused" in result.stderr


def test_healthz_in_process(client: FlaskClient) -> None:
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok"}
