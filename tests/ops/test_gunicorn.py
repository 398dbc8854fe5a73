"""The app under gunicorn with the project's gunicorn.conf.py and production configuration.

Each server is a real gunicorn process on 127.0.0.1, spoken to over HTTP or a raw socket:
health and readiness, the database and Redis out of reach (every Redis here is a port
where nothing listens, so the rate limiter runs on its in-memory fallback), chunked bodies,
the masked access log, and gunicorn's own answers (a worker killed by the timeout, a request
it cannot parse) in the JSON error shape.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest
import requests

ROOT = Path(__file__).resolve().parents[2]
NOWHERE_REDIS = "redis://127.0.0.1:9/0"
NOWHERE_PG = "postgresql://sunshine@127.0.0.1:9/nowhere?connect_timeout=1"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Server:
    base: str
    port: int
    log: Path

    def output(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")


def _gunicorn(
    log: Path, database_url: str, *args: str, probe: str | None = "/healthz", **env_overrides: str
) -> Iterator[Server]:
    """gunicorn with the project's config; ready once ``probe`` answers (or, without one, once
    the port accepts connections)."""
    port = _free_port()
    env = {
        **{k: v for k, v in os.environ.items() if not k.startswith(("WECHAT_", "REDIS_"))},
        "SUNSHINE_ENV": "production",
        "SECRET_KEY": "p" * 64,
        "WECHAT_APPID": "wxprodlike000000",
        "WECHAT_SECRET": "prod-like-secret",
        "WECHAT_API_BASE": "https://127.0.0.1:9",  # nothing listens: WeChat is never reached
        "DATABASE_URL": database_url,
        "REDIS_URL": NOWHERE_REDIS,
        # Any Ed25519 key but the published development one (base64 of 32 raw bytes).
        "LEDGER_SIGNING_KEY": "cHJvZC1saWtlLWxlZGdlci1rZXktMzItYnl0ZXMhISE=",
        # Required in production: the public address the statements' QR codes open.
        "PUBLIC_BASE_URL": "https://sunshine.example.cn",
        **env_overrides,
    }
    command = [sys.executable, "-m", "gunicorn", "-c", "gunicorn.conf.py"]
    command += ["-w", "1", "-b", f"127.0.0.1:{port}", *args]
    with log.open("wb") as out:
        process = subprocess.Popen(command, cwd=ROOT, env=env, stdout=out, stderr=out)
    server = Server(f"http://127.0.0.1:{port}", port, log)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            if process.poll() is not None:
                pytest.fail(f"gunicorn exited: {server.output()[-2000:]}")
            try:
                if probe:
                    requests.get(f"{server.base}{probe}", timeout=5)
                else:
                    socket.create_connection(("127.0.0.1", port), timeout=1).close()
                break
            except (OSError, requests.RequestException):
                time.sleep(0.2)
        yield server
    finally:
        process.terminate()
        process.wait(timeout=15)


@pytest.fixture(scope="module")
def served(database_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app on the suite's database (these tests write nothing to it); Redis down."""
    yield from _gunicorn(tmp_path_factory.mktemp("g") / "log", database_url)


@pytest.fixture(scope="module")
def everything_down(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Server]:
    """The app with neither its database nor its Redis answering."""
    log = tmp_path_factory.mktemp("g") / "log"
    yield from _gunicorn(log, NOWHERE_PG, LOGIN_RATE_LIMIT="2 per minute")


def raw(port: int, request: bytes) -> tuple[int, dict[str, str], bytes]:
    """Send ``request`` as it is; the status, headers and body of the answer."""
    with socket.create_connection(("127.0.0.1", port), timeout=20) as sock:
        sock.sendall(request)
        answer = b""
        while chunk := sock.recv(65536):
            answer += chunk
    head, _, body = answer.partition(b"\r\n\r\n")
    lines = head.decode("latin-1").split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    return int(lines[0].split()[1]), {k.lower(): v for k, v in headers.items()}, body


def chunked_login(port: int, body: bytes) -> tuple[int, dict[str, str], bytes]:
    chunks = b"".join(
        b"%x\r\n%s\r\n" % (len(body[i : i + 65536]), body[i : i + 65536])
        for i in range(0, len(body), 65536)
    )
    return raw(
        port,
        b"POST /api/v1/auth/login HTTP/1.1\r\nHost: test\r\nConnection: close\r\n"
        b"Content-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n"
        + chunks
        + b"0\r\n\r\n",
    )


def test_health_answers_and_the_api_is_served(served: Server) -> None:
    response = requests.get(f"{served.base}/healthz", timeout=5)

    assert response.status_code == 200
    assert response.json() == {"status": "ok", "database": "ok"}
    assert response.headers["X-Request-ID"]
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    assert requests.get(f"{served.base}/api/v1/openapi.json", timeout=5).status_code == 200


def test_readiness_is_503_while_redis_is_down(served: Server) -> None:
    response = requests.get(f"{served.base}/readyz", timeout=10)

    assert response.status_code == 503
    assert response.json()["code"] == "health.redis_unavailable"


def test_a_chunked_body_is_read_within_the_limit(served: Server) -> None:
    status, _, body = chunked_login(served.port, json.dumps({"unknown": 1}).encode())

    assert status == 422
    assert json.loads(body)["fields"] == {"code": ["此项必填"], "unknown": ["不允许的字段"]}


def test_a_chunked_body_over_the_limit_is_413(served: Server) -> None:
    big = json.dumps({"code": "a" * (2 * 1024 * 1024)}).encode()

    status, headers, body = chunked_login(served.port, big)

    assert status == 413
    assert headers["content-type"] == "application/json"
    assert json.loads(body)["code"] == "request.too_large"


def test_the_access_log_masks_personal_query_values(served: Server) -> None:
    response = requests.get(
        f"{served.base}/healthz",
        params={"q": "13912345678", "name": "王小明", "cursor": "42", "city_id": "7"},
        headers={"Referer": "https://console.test/members?phone=13912345678&status=verified"},
        timeout=5,
    )
    request_id = response.headers["X-Request-ID"]

    line = _access_line(served, request_id)
    assert '"GET /healthz?q=***&name=***&cursor=42&city_id=7 HTTP/1.1" 200' in line
    assert "console.test/members?phone=***&status=verified" in line
    for secret in ("13912345678", "王小明", quote("王小明")):
        assert secret not in served.output()


def test_a_request_gunicorn_cannot_parse_is_answered_in_json(served: Server) -> None:
    status, headers, body = raw(served.port, b"NOT A REQUEST LINE AT ALL\r\n\r\n")

    assert status == 400
    assert headers["content-type"] == "application/json"
    assert json.loads(body) == {
        "status": 400,
        "code": "request.malformed",
        "message": "请求格式有误",
        "request_id": None,
    }


def test_with_everything_down_health_and_readiness_are_503(everything_down: Server) -> None:
    for path in ("/healthz", "/readyz"):
        response = requests.get(f"{everything_down.base}{path}", timeout=10)
        assert response.status_code == 503
        assert response.json()["code"] == "health.database_unavailable"


def test_with_everything_down_requests_are_503_and_the_limiter_still_counts(
    everything_down: Server,
) -> None:
    me = requests.get(
        f"{everything_down.base}/api/v1/me", headers={"Authorization": "Bearer x"}, timeout=10
    )
    logins = [
        requests.post(f"{everything_down.base}/api/v1/auth/login", json={"code": "c"}, timeout=10)
        for _ in range(3)
    ]

    assert (me.status_code, me.json()["code"]) == (503, "database.unavailable")
    assert [(r.status_code, r.json()["code"]) for r in logins] == [
        (503, "redis.unavailable"),
        (503, "redis.unavailable"),
        (429, "rate_limited"),  # LOGIN_RATE_LIMIT=2 per minute, counted in the worker's memory
    ]
    output = everything_down.output()
    assert "Rate limit storage unreachable - falling back to in-memory storage" in output
    assert "security event login/redis.unavailable not recorded" in output


def test_a_worker_killed_by_the_timeout_answers_in_json(tmp_path: Path, database_url: str) -> None:
    slow = ("-t", "1", "tests.ops.slow_app:app")
    for server in _gunicorn(tmp_path / "log", database_url, *slow, probe=None):
        status, headers, body = raw(server.port, b"GET / HTTP/1.1\r\nHost: test\r\n\r\n")

        assert status == 500
        assert headers["content-type"] == "application/json"
        assert json.loads(body)["code"] == "request.timeout"
        assert "WORKER TIMEOUT" in server.output()


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


def _access_line(server: Server, request_id: str) -> str:
    for _ in range(50):  # the access log line follows the response by a moment
        for line in server.output().splitlines():
            if f"rid={request_id}" in line:
                return line
        time.sleep(0.1)
    raise AssertionError(f"no access log line for {request_id}: {server.output()[-2000:]}")
