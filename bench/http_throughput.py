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
wiped (PostgreSQL: created if missing, its public schema dropped), so its name must contain
"bench" unless ``--allow-any-database`` is given.

``--smoke``: 1-s runs (at most 300 requests each with the Python generator) with 4
connections after a 0.5-s warm-up, in 2 rounds.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import sys
import tempfile
from pathlib import Path

from _lib import smoke
from _lib.app import fake_wechat
from _lib.cpu import other_cpu_share, tree_snapshot
from _lib.databases import backend_of, prepare_database
from _lib.load import (
    HOST,
    MAX_CONNECTIONS,
    SMOKE_WORKERS,
    WORKERS,
    WRK_LUA,
    Result,
    app_environment,
    check_redis,
    fixed,
    free_port,
    gunicorn,
    login_http,
    migrate_cli,
    quietest_round,
    run_python,
    run_wrk,
    stop_on_sigterm,
    tail,
    wait_healthy,
    wrk_version,
)
from sqlalchemy.engine import make_url

from sunshine.config import normalise_database_url

REDIS_URL = "redis://127.0.0.1:6379/14"
BENCH_OPENID = "bench-user"
MAX_DURATION = 300.0


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
        return run_python(
            name, port, fixed(path, headers), seconds, args.connections, 200, args.max_requests
        )

    if args.warmup > 0:
        for name, path, headers in targets:
            print(f"warm-up: {name} for {args.warmup:g}s…", file=sys.stderr)
            load(name, path, headers, args.warmup)
    rounds = []
    for n in range(1, args.rounds + 1):
        results = []
        for name, path, headers in targets:
            print(f"round {n}/{args.rounds}: {name} for {args.duration:g}s…", file=sys.stderr)
            before = tree_snapshot(pg_database)
            result = load(name, path, headers, args.duration)
            result.other_cpu = other_cpu_share(before, tree_snapshot(pg_database))
            results.append(result)
        rounds.append(results)
    return rounds


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
    parser.add_argument("--redis", action="store_true", help="give the app REDIS_URL")
    parser.add_argument(
        "--redis-url", default=REDIS_URL, help=f"with --redis (default {REDIS_URL})"
    )
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
        "--max-requests", type=int, help="Python generator: at most this many requests per run"
    )
    parser.add_argument(
        "--allow-any-database",
        action="store_true",
        help="wipe the database even if its name does not contain 'bench'",
    )
    parser.add_argument(
        "--workers", type=int, default=WORKERS, help=f"gunicorn sync workers ({WORKERS})"
    )
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(
        args,
        workers=SMOKE_WORKERS,
        duration=1.0,
        warmup=0.5,
        rounds=2,
        connections=4,
        max_requests=300,
    )
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


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_sigterm()
    wrk = shutil.which("wrk") if args.load_generator in ("auto", "wrk") else None
    if args.load_generator == "wrk" and wrk is None:
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")

    redis_url = args.redis_url if args.redis else None
    if redis_url:
        check_redis(redis_url)

    load_before = os.getloadavg()[0]
    with tempfile.TemporaryDirectory(prefix="sunshine-bench-") as tmp:
        tmp_dir = Path(tmp)
        database_url = args.database_url or f"sqlite:///{tmp_dir / 'sunshine_bench.sqlite3'}"
        print(f"preparing {backend_of(database_url)} database…", file=sys.stderr)
        db_version = prepare_database(database_url, args.allow_any_database)
        parsed_url = make_url(normalise_database_url(database_url))
        pg_database = parsed_url.database if parsed_url.get_backend_name() == "postgresql" else None

        with fake_wechat() as fake:
            env = app_environment(database_url, fake, redis_url)
            migrate_cli(env)
            port = free_port()
            log_path = tmp_dir / "gunicorn.log"
            print(f"starting gunicorn ({args.workers} workers) on {HOST}:{port}…", file=sys.stderr)
            with gunicorn(env, port, log_path, args.workers) as proc:
                wait_healthy(proc, port, log_path, timeout=60)
                token = login_http(port, fake, BENCH_OPENID)
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
        f"\n{db_version}, Redis {'on' if redis_url else 'off'}, "
        f"gunicorn {args.workers} sync workers, "
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
