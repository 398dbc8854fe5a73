"""gunicorn serving the app, HTTP requests to it, and the load generators: wrk when it is
installed, else Python threads with ``http.client`` (bounded in count and time). Every
request goes to 127.0.0.1."""

from __future__ import annotations

import contextlib
import http.client
import json
import math
import os
import secrets
import signal
import socket
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from _lib.app import APP_VARIABLES
from _lib.report import percentile
from sunshine.fake_wechat import FakeWeChat

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent  # the virtualenv's bin: flask and gunicorn live there
HOST = "127.0.0.1"  # the only host the benches ever send load to
WORKERS = 4  # gunicorn's sync workers in a real run (--smoke: 2, which boot faster)
SMOKE_WORKERS = 2
MAX_CONNECTIONS = 256  # bound of the Python load generator (and a sanity bound for wrk)

# wrk: count every status per thread, then print one machine-readable line at the end.
WRK_LUA = """
local threads = {}

function setup(thread)
  table.insert(threads, thread)
end

function init(args)
  responses = 0
  non200 = 0
end

function response(status, headers, body)
  responses = responses + 1
  if status ~= 200 then
    non200 = non200 + 1
  end
end

function done(summary, latency, requests)
  local responses, non200 = 0, 0
  for _, thread in ipairs(threads) do
    responses = responses + thread:get("responses")
    non200 = non200 + thread:get("non200")
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %d, "responses": %d, "non200": %d, "duration_us": %d, '
    .. '"errors": %d, "p50_us": %d, "p95_us": %d, "p99_us": %d, "max_us": %d}\\n',
    summary.requests, responses, non200, summary.duration,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max))
end
"""


@dataclass
class Result:
    """One endpoint's figures; latencies in milliseconds. ``non200`` counts the responses
    other than the expected status (200 unless the run said otherwise)."""

    name: str
    requests: int
    seconds: float
    non200: int
    errors: int
    p50: float
    p95: float
    p99: float
    max: float
    statuses: dict[int, int] = field(default_factory=dict)
    other_cpu: float = math.nan  # share of all CPUs used by unrelated processes meanwhile

    @property
    def rps(self) -> float:
        return self.requests / self.seconds if self.seconds > 0 else 0.0

    @property
    def ok(self) -> bool:
        return self.requests > 0 and self.non200 == 0 and self.errors == 0


def quietest_round(runs: list[Result]) -> Result:
    """Among the runs with the least CPU used by other processes (within 2 points of the
    least), the one with the median requests/s (the lower middle one for an even count)."""
    shares = [r.other_cpu for r in runs if not math.isnan(r.other_cpu)]
    least = min(shares) if shares else math.nan
    quiet = [r for r in runs if math.isnan(least) or r.other_cpu <= least + 0.02] or runs
    return sorted(quiet, key=lambda r: r.rps)[(len(quiet) - 1) // 2]


# The server ----------------------------------------------------------------------------------


def app_environment(database_url: str, fake: FakeWeChat, redis_url: str | None) -> dict[str, str]:
    """The environment of an app in another process (flask, gunicorn): this one's without
    any variable the app reads, then the bench database, the fake WeChat and a fresh key."""
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env.update(
        SUNSHINE_ENV="development",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        WECHAT_APPID=fake.appid,
        WECHAT_SECRET=fake.secret,
        WECHAT_API_BASE=fake.url,
        LOGIN_RATE_LIMIT="100000 per minute",
        # A bench repeats a few thousand members far faster than people tap: the limit is
        # still checked (its cost is measured), never reached.
        PUNCH_RATE_LIMIT="100000 per minute",
        CHECKIN_CODE_RATE_LIMIT="100000 per minute",
    )
    if redis_url:
        env["REDIS_URL"] = redis_url
    return env


def migrate_cli(env: dict[str, str]) -> None:
    """``flask db upgrade`` in a subprocess with the app's environment."""
    done = subprocess.run(
        [str(BIN / "flask"), "--app", "wsgi", "db", "upgrade"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if done.returncode != 0:
        raise SystemExit(f"migration failed:\n{done.stdout}{done.stderr}")


def check_redis(url: str) -> None:
    import redis

    try:
        redis.Redis.from_url(url, socket_timeout=2).ping()
    except redis.RedisError as exc:
        raise SystemExit(f"cannot reach {url}: {exc}") from None


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], port: int, log_path: Path, workers: int = WORKERS, app: str = "wsgi:app"
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn in its own process group, stopped (and if need be killed) on the way out."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(workers), "-b", f"{HOST}:{port}", app],
            cwd=ROOT,
            env=env,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            yield proc
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)  # graceful: the master stops its workers
                try:
                    proc.wait(timeout=35)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)  # the group this bench created
                    proc.wait(timeout=10)


def stop_on_sigterm() -> None:
    """SIGTERM and SIGINT unwind the context managers: gunicorn and the fake stop."""

    def _stop(signum: int, _frame: Any) -> None:
        raise SystemExit(128 + signum)

    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started in background


def request(
    port: int, method: str, path: str, body: Any = None, headers: dict[str, str] | None = None
) -> tuple[int, Any]:
    """One request on a fresh connection; (status, JSON body or None)."""
    conn = http.client.HTTPConnection(HOST, port, timeout=10)
    try:
        payload = None if body is None else json.dumps(body).encode()
        all_headers = dict(headers or {})
        if payload is not None:
            all_headers["Content-Type"] = "application/json"
        conn.request(method, path, body=payload, headers=all_headers)
        response = conn.getresponse()
        raw = response.read()
    finally:
        conn.close()
    try:
        return response.status, json.loads(raw) if raw else None
    except ValueError:
        return response.status, None


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def wait_healthy(proc: subprocess.Popen[bytes], port: int, log_path: Path, timeout: float) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"gunicorn exited ({proc.returncode}):\n{tail(log_path)}")
        with contextlib.suppress(OSError, http.client.HTTPException):
            if request(port, "GET", "/healthz")[0] == 200:
                return
        time.sleep(0.2)
    raise SystemExit(f"gunicorn did not answer /healthz within {timeout:.0f}s:\n{tail(log_path)}")


def login_http(port: int, fake: FakeWeChat, openid: str) -> str:
    """Log in through the server with the fake WeChat and check ``GET /api/v1/me``."""
    status, body = request(port, "POST", "/api/v1/auth/login", {"code": fake.issue_code(openid)})
    if status != 200 or not isinstance(body, dict) or "access_token" not in body:
        raise SystemExit(f"login failed: HTTP {status} {body}")
    token: str = body["access_token"]
    status, me = request(port, "GET", "/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    if status != 200 or not isinstance(me, dict) or "account" not in me:
        raise SystemExit(f"GET /api/v1/me after login failed: HTTP {status} {me}")
    return token


# Load generators -----------------------------------------------------------------------------


def wrk_version(wrk: str) -> str:
    out = subprocess.run([wrk, "-v"], capture_output=True, text=True, check=False, timeout=10)
    words = (out.stdout + out.stderr).split()
    return f"wrk {words[1]}" if len(words) > 1 else "wrk"


def run_wrk(
    wrk: str,
    lua: Path,
    name: str,
    port: int,
    path: str,
    headers: dict[str, str],
    duration: float,
    connections: int,
    threads: int,
) -> Result:
    """wrk with a Lua script that prints a ``BENCH_RESULT`` line (as ``WRK_LUA``)."""
    command = [
        wrk,
        f"-t{min(threads, connections)}",
        f"-c{connections}",
        f"-d{max(1, round(duration))}s",
        "--timeout",
        "5s",
        "--latency",
        "-s",
        str(lua),
    ]
    for key, value in headers.items():
        command += ["-H", f"{key}: {value}"]
    command.append(f"http://{HOST}:{port}{path}")
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=duration + 60, check=False
    )
    line = next((ln for ln in done.stdout.splitlines() if ln.startswith("BENCH_RESULT ")), None)
    if done.returncode != 0 or line is None:
        raise SystemExit(f"wrk failed ({done.returncode}):\n{done.stdout}{done.stderr}")
    data = json.loads(line.removeprefix("BENCH_RESULT "))
    return Result(
        name=name,
        requests=data["requests"],
        seconds=data["duration_us"] / 1e6,
        non200=data["non200"] + (data["requests"] - data["responses"]),
        errors=data["errors"],
        p50=data["p50_us"] / 1000,
        p95=data["p95_us"] / 1000,
        p99=data["p99_us"] / 1000,
        max=data["max_us"] / 1000,
        # A script may count each status (checkin_throughput.py's); WRK_LUA does not.
        statuses={int(k): v for k, v in data.get("statuses", {}).items()},
    )


# (method, path, headers, body) of one request of the Python load generator
Outgoing = tuple[str, str, dict[str, str], bytes | None]


def fixed(path: str, headers: dict[str, str] | None = None) -> Callable[[], Outgoing]:
    """The same GET every time."""
    request = ("GET", path, dict(headers or {}), None)
    return lambda: request


def run_python(
    name: str,
    port: int,
    source: Callable[[], Outgoing],
    duration: float,
    connections: int,
    expected: int = 200,
    max_requests: int | None = None,
) -> Result:
    """``connections`` threads, each one HTTP/1.1 connection, sending the requests ``source``
    gives (called under a lock) until the deadline or ``max_requests`` have been sent.

    gunicorn's sync workers close the connection after each response; http.client then
    reconnects on the next request, as wrk does.
    """
    connections = min(connections, MAX_CONNECTIONS)
    start = time.perf_counter()
    deadline = start + duration
    lock = threading.Lock()
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    issued = 0
    last_end = start

    def take() -> Outgoing | None:
        nonlocal issued
        with lock:
            if max_requests is not None and issued >= max_requests:
                return None
            issued += 1
            return source()

    def worker() -> None:
        nonlocal errors, last_end
        mine: list[float] = []
        my_statuses: Counter[int] = Counter()
        my_errors = 0
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            while time.perf_counter() < deadline:
                item = take()
                if item is None:
                    break
                method, path, headers, body = item
                t0 = time.perf_counter()
                try:
                    conn.request(method, path, body=body, headers=headers)
                    response = conn.getresponse()
                    response.read()
                except (OSError, http.client.HTTPException):
                    my_errors += 1
                    conn.close()
                    time.sleep(0.01)  # no busy loop against a refusing server
                    continue
                mine.append(time.perf_counter() - t0)
                my_statuses[response.status] += 1
        finally:
            conn.close()
            with lock:
                latencies.extend(mine)
                statuses.update(my_statuses)
                errors += my_errors
                last_end = max(last_end, time.perf_counter())

    pool = [threading.Thread(target=worker, daemon=True) for _ in range(connections)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join(timeout=max(0.0, deadline - time.perf_counter()) + 10)
    with lock:  # a thread still stuck after the grace period counts as an error
        stuck = sum(thread.is_alive() for thread in pool)
        values = sorted(latencies)
        counted = dict(statuses)
        total_errors = errors + stuck
        seconds = last_end - start
    return Result(
        name=name,
        requests=len(values),
        seconds=seconds,
        non200=sum(n for status, n in counted.items() if status != expected),
        errors=total_errors,
        p50=percentile(values, 50) * 1000,
        p95=percentile(values, 95) * 1000,
        p99=percentile(values, 99) * 1000,
        max=(values[-1] if values else math.nan) * 1000,
        statuses=counted,
    )
