"""HTTP throughput of Sunshine under gunicorn: GET /healthz against GET /api/v1/me.

One command does everything: it empties the bench database and migrates it, starts the fake
WeChat server in this process and gunicorn (4 sync workers) as a subprocess, logs in once
through the real API, loads both endpoints for ``--duration`` seconds each on 127.0.0.1, stops
everything and prints a Markdown table (requests/s and p50/p95/p99 latency).

The load comes from ``wrk`` when it is installed (``apt-get install -y wrk``), otherwise from a
Python load generator (threads with ``http.client`` connections, bounded in count and time).
Every response must be a 200; any other status or socket error makes the run fail (exit 1).
The CPU that other processes used during each measurement is reported (from /proc): the
machine may be shared. With ``--rounds N`` the endpoints are measured in turn N times and the
table shows, for each endpoint, the median (by requests/s) of the rounds in which other
processes used the least CPU (within 2 percentage points of the least).

    .venv/bin/python bench/http_throughput.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/sunshine_bench --duration 10

Without ``--database-url`` a fresh SQLite file in a temporary folder is used. The database is
wiped (PostgreSQL: its public schema is dropped), so its name must contain "bench" unless
``--allow-any-database`` is given.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import math
import os
import platform
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

from sunshine.config import normalise_database_url
from sunshine.fake_wechat import FakeWeChat

ROOT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent  # the virtualenv's bin: flask and gunicorn live there
HOST = "127.0.0.1"  # the only host this script ever sends load to
WORKERS = 4
REDIS_URL = "redis://127.0.0.1:6379/14"
BENCH_OPENID = "bench-user"
MAX_CONNECTIONS = 256  # bound of the Python load generator (and a sanity bound for wrk)
MAX_DURATION = 300.0
# Every variable sunshine/config.py reads: none may leak in from the caller's environment.
APP_VARIABLES = (
    "SUNSHINE_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_API_BASE",
    "WECHAT_TIMEOUT",
    "AUTH_TOKEN_TTL",
    "LOGIN_RATE_LIMIT",
    "TRUSTED_PROXIES",
    "MAX_CONTENT_LENGTH",
    "LOG_LEVEL",
    "GUNICORN_CMD_ARGS",
)

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
    """One endpoint's figures; latencies in milliseconds."""

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


# Database ------------------------------------------------------------------------------------


def prepare_database(url: str, allow_any: bool) -> str:
    """Empty the database (drop the public schema, or delete the SQLite file); its version."""
    parsed = make_url(normalise_database_url(url))
    name = parsed.database or ""
    if not allow_any and "bench" not in Path(name).name.lower():
        raise SystemExit(
            f"refusing to wipe database {name!r}: its name does not contain 'bench' "
            "(pass --allow-any-database to wipe it anyway)"
        )
    if parsed.get_backend_name() == "sqlite":
        if not name or name == ":memory:":
            raise SystemExit("SQLite needs a file: gunicorn workers cannot share :memory:")
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(name + suffix).unlink(missing_ok=True)
        return f"SQLite {sqlite3.sqlite_version}"
    if parsed.get_backend_name() != "postgresql":
        raise SystemExit(f"unsupported database {parsed.get_backend_name()!r}")
    engine = sa.create_engine(parsed)
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql("SET LOCAL lock_timeout = '10s'")  # a stray session: fail
            conn.exec_driver_sql("DROP SCHEMA IF EXISTS public CASCADE")
            conn.exec_driver_sql("CREATE SCHEMA public")
            version = conn.exec_driver_sql("SHOW server_version").scalar_one()
    finally:
        engine.dispose()
    return f"PostgreSQL {str(version).split()[0]}"


def app_environment(database_url: str, fake: FakeWeChat, redis: bool) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env.update(
        SUNSHINE_ENV="development",
        SECRET_KEY=secrets.token_hex(32),
        DATABASE_URL=database_url,
        WECHAT_APPID=fake.appid,
        WECHAT_SECRET=fake.secret,
        WECHAT_API_BASE=fake.url,
        LOGIN_RATE_LIMIT="100000 per minute",
    )
    if redis:
        env["REDIS_URL"] = REDIS_URL
    return env


def migrate(env: dict[str, str]) -> None:
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


# Servers -------------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind((HOST, 0))
        port: int = sock.getsockname()[1]
        return port


@contextlib.contextmanager
def fake_wechat() -> Iterator[FakeWeChat]:
    fake = FakeWeChat().start()
    try:
        yield fake
    finally:
        fake.stop()


@contextlib.contextmanager
def gunicorn(
    env: dict[str, str], port: int, log_path: Path, app: str = "wsgi:app"
) -> Iterator[subprocess.Popen[bytes]]:
    """gunicorn in its own process group, stopped (and if need be killed) on the way out."""
    with log_path.open("wb") as log:
        proc = subprocess.Popen(
            [str(BIN / "gunicorn"), "-w", str(WORKERS), "-b", f"{HOST}:{port}", app],
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
                    os.killpg(proc.pid, signal.SIGKILL)  # the group this script created
                    proc.wait(timeout=10)


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


def tail(path: Path, lines: int = 40) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"


def login(port: int, fake: FakeWeChat) -> str:
    status, body = request(
        port, "POST", "/api/v1/auth/login", {"code": fake.issue_code(BENCH_OPENID)}
    )
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
        # A script may count each status (bench/checkin_throughput.py); WRK_LUA does not.
        statuses={int(k): v for k, v in data.get("statuses", {}).items()},
    )


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(pct / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def run_python(
    name: str, port: int, path: str, headers: dict[str, str], duration: float, connections: int
) -> Result:
    """``connections`` threads, each one HTTP/1.1 connection, sending until the deadline.

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
    last_end = start

    def worker() -> None:
        nonlocal errors, last_end
        mine: list[float] = []
        my_statuses: Counter[int] = Counter()
        my_errors = 0
        conn = http.client.HTTPConnection(HOST, port, timeout=5)
        try:
            while time.perf_counter() < deadline:
                t0 = time.perf_counter()
                try:
                    conn.request("GET", path, headers=headers)
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
        non200=sum(n for status, n in counted.items() if status != 200),
        errors=total_errors,
        p50=percentile(values, 50) * 1000,
        p95=percentile(values, 95) * 1000,
        p99=percentile(values, 99) * 1000,
        max=(values[-1] if values else math.nan) * 1000,
        statuses=counted,
    )


def measure(
    args: argparse.Namespace,
    wrk: str | None,
    lua: Path,
    port: int,
    targets: list[tuple[str, str, dict[str, str]]],
    pg_database: str | None,
) -> list[list[Result]]:
    """Warm every endpoint up once, then measure them in turn ``--rounds`` times."""

    def load(name: str, path: str, headers: dict[str, str], seconds: float) -> Result:
        if wrk:
            return run_wrk(
                wrk, lua, name, port, path, headers, seconds, args.connections, args.wrk_threads
            )
        return run_python(name, port, path, headers, seconds, args.connections)

    if args.warmup > 0:
        for name, path, headers in targets:
            print(f"warm-up: {name} for {args.warmup:g}s…", file=sys.stderr)
            load(name, path, headers, args.warmup)
    rounds = []
    for n in range(1, args.rounds + 1):
        results = []
        for name, path, headers in targets:
            print(f"round {n}/{args.rounds}: {name} for {args.duration:g}s…", file=sys.stderr)
            before = cpu_snapshot(pg_database)
            result = load(name, path, headers, args.duration)
            result.other_cpu = other_cpu_share(before, cpu_snapshot(pg_database))
            results.append(result)
        rounds.append(results)
    return rounds


def quietest_round(runs: list[Result]) -> Result:
    """Among the runs with the least CPU used by other processes (within 2 points of the
    least), the one with the median requests/s (the lower middle one for an even count)."""
    shares = [r.other_cpu for r in runs if not math.isnan(r.other_cpu)]
    least = min(shares) if shares else math.nan
    quiet = [r for r in runs if math.isnan(least) or r.other_cpu <= least + 0.02] or runs
    return sorted(quiet, key=lambda r: r.rps)[(len(quiet) - 1) // 2]


# CPU used by other processes ---------------------------------------------------------------


def _process_times() -> dict[int, tuple[int, str, int, int]]:
    """pid -> (ppid, name, own CPU ticks, reaped children's CPU ticks), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # the process has just gone
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # fields[0] is the state (stat field 3): utime, stime, cutime, cstime are fields 14-17.
        table[int(entry)] = (
            int(fields[1]),
            name,
            int(fields[11]) + int(fields[12]),
            int(fields[13]) + int(fields[14]),
        )
    return table


def _serves(pid: int, database: str) -> bool:
    """Whether a ``postgres`` process is a backend connected to ``database``."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, UnicodeDecodeError):
        return False
    # "postgres: 15/main: <user> <database> <client> <activity>"
    return f" {database} " in title


def cpu_snapshot(pg_database: str | None = None) -> tuple[float, int, int]:
    """(time, CPU ticks busy in user and system mode, ticks of this bench).

    The bench's ticks are those of this process and its descendants (gunicorn and its
    workers, wrk once reaped) and of the PostgreSQL backends connected to ``pg_database``.
    """
    with open("/proc/stat") as stat:
        user, nice, system = (int(v) for v in stat.readline().split()[1:4])
    table = _process_times()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    ours, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        if pid in table:
            ours += table[pid][2] + table[pid][3]
        todo.extend(children.get(pid, []))
    if pg_database:
        ours += sum(
            own + reaped
            for pid, (_, name, own, reaped) in table.items()
            if name == "postgres" and _serves(pid, pg_database)
        )
    return time.monotonic(), user + nice + system, ours


def other_cpu_share(before: tuple[float, int, int], after: tuple[float, int, int]) -> float:
    """Share (0-1) of all CPUs that processes outside the bench used between two snapshots."""
    capacity = (after[0] - before[0]) * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)
    foreign = (after[1] - before[1]) - (after[2] - before[2])
    return max(0.0, foreign / capacity) if capacity > 0 else math.nan


# Report --------------------------------------------------------------------------------------


def table(results: list[Result]) -> str:
    rows = [
        "| Endpoint | Requests | Requests/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) "
        "| Non-200 | Socket errors | Other processes' CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for r in results:
        rows.append(
            f"| `{r.name}` | {r.requests} | {r.rps:.0f} | {r.p50:.1f} | {r.p95:.1f} "
            f"| {r.p99:.1f} | {r.max:.1f} | {r.non200} | {r.errors} | {r.other_cpu:.0%} |"
        )
    return "\n".join(rows)


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url",
        help="database to WIPE and use (default: a fresh SQLite file in a temporary folder)",
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--connections", type=int, default=32, help="concurrent connections")
    parser.add_argument(
        "--warmup", type=float, default=2.0, help="seconds of unrecorded load per endpoint"
    )
    parser.add_argument(
        "--rounds",
        type=int,
        default=1,
        help="measure the endpoints in turn this many times; the table shows, per endpoint, "
        "the median (by requests/s) of the rounds with the least CPU used by other processes",
    )
    parser.add_argument("--redis", action="store_true", help=f"give the app REDIS_URL={REDIS_URL}")
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="auto",
        help="auto: wrk when installed, else the Python generator",
    )
    parser.add_argument(
        "--wrk-threads", type=int, default=1, help="wrk threads (the load shares the CPUs)"
    )
    parser.add_argument(
        "--allow-any-database",
        action="store_true",
        help="wipe the database even if its name does not contain 'bench'",
    )
    args = parser.parse_args(argv)
    if not 1 <= args.connections <= MAX_CONNECTIONS:
        parser.error(f"--connections must be between 1 and {MAX_CONNECTIONS}")
    if not 1 <= args.duration <= MAX_DURATION:
        parser.error(f"--duration must be between 1 and {MAX_DURATION:.0f} seconds")
    if not 0 <= args.warmup <= 60:
        parser.error("--warmup must be between 0 and 60 seconds")
    if not 1 <= args.rounds <= 9:
        parser.error("--rounds must be between 1 and 9")
    if args.wrk_threads < 1:
        parser.error("--wrk-threads must be at least 1")
    return args


def _stop(signum: int, _frame: Any) -> None:
    raise SystemExit(128 + signum)  # unwinds the context managers: gunicorn and the fake stop


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    signal.signal(signal.SIGTERM, _stop)
    signal.signal(signal.SIGINT, signal.default_int_handler)  # even if started in background
    wrk = shutil.which("wrk") if args.load_generator in ("auto", "wrk") else None
    if args.load_generator == "wrk" and wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    if args.redis:
        import redis

        try:
            redis.Redis.from_url(REDIS_URL, socket_timeout=2).ping()
        except redis.RedisError as exc:
            raise SystemExit(f"--redis: cannot reach {REDIS_URL}: {exc}") from None

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sunshine-bench-") as tmp:
        tmp_dir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{tmp_dir / 'sunshine_bench.sqlite3'}"
        print(
            f"preparing {make_url(normalise_database_url(database_url)).get_backend_name()} "
            "database…",
            file=sys.stderr,
        )
        db_version = prepare_database(database_url, args.allow_any_database)
        parsed_url = make_url(normalise_database_url(database_url))
        pg_database = parsed_url.database if parsed_url.get_backend_name() == "postgresql" else None

        with fake_wechat() as fake:
            env = app_environment(database_url, fake, args.redis)
            migrate(env)
            port = free_port()
            log_path = tmp_dir / "gunicorn.log"
            print(f"starting gunicorn ({WORKERS} workers) on {HOST}:{port}…", file=sys.stderr)
            with gunicorn(env, port, log_path) as proc:
                wait_healthy(proc, port, log_path, timeout=60)
                token = login(port, fake)
                targets = [
                    ("GET /healthz", "/healthz", {}),
                    ("GET /api/v1/me", "/api/v1/me", {"Authorization": f"Bearer {token}"}),
                ]
                lua = tmp_dir / "bench.lua"
                lua.write_text(WRK_LUA)
                generator = wrk_version(wrk) if wrk else "Python threads + http.client"
                rounds = measure(args, wrk, lua, port, targets, pg_database)
                load_after = os.getloadavg()[0]
                if proc.poll() is not None:
                    raise SystemExit(f"gunicorn died during the run:\n{tail(log_path)}")
            log_text = tail(log_path, 200)

    results = [quietest_round([r[i] for r in rounds]) for i in range(len(targets))]
    print(
        f"\n{db_version}, Redis {'on' if args.redis else 'off'}, gunicorn {WORKERS} sync workers, "
        f"{generator}, {args.connections} connections, {args.duration:g} s per endpoint "
        f"(after {args.warmup:g} s warm-up), Python {platform.python_version()}, "
        f"{os.cpu_count()} CPUs shared by the load generator and the workers; "
        f"1-minute load average {load_before:.2f} at start, {load_after:.2f} at the end.\n"
    )
    if args.rounds > 1:
        for i, (name, _, _) in enumerate(targets):
            runs = ", ".join(f"{r[i].rps:.0f} ({r[i].other_cpu:.0%})" for r in rounds)
            print(
                f"- `{name}` requests/s per round (other processes' CPU): {runs}; "
                "the table shows the median of the quietest rounds"
            )
        print()
    print(table(results))
    failed = [r for rnd in rounds for r in rnd if not r.ok]
    if failed:
        for r in failed:
            print(
                f"\nFAILED {r.name}: {r.non200} non-200 responses, {r.errors} socket errors"
                + (f", statuses {r.statuses}" if r.statuses else ""),
                file=sys.stderr,
            )
        print(f"\ngunicorn log (tail):\n{log_text}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
