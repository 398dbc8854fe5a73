"""Check-in throughput under gunicorn against GET /healthz of the same app in the same run.

Issue 5's target: ``POST /api/v1/punches`` (a fresh check-in with a rotating code) reaches at
least 40 % of the requests/s of a trivial JSON endpoint of the same app, with p99 ≤ 150 ms,
under gunicorn (4 sync workers) on PostgreSQL with 100 concurrent clients.

One command, bounded in time, talking only to 127.0.0.1:

1. creates the database if it is missing (its name must contain "bench"), drops its public
   schema and migrates it (``flask_migrate.upgrade()``);
2. writes ``--members`` verified members (each with an active report-in to one of five
   communities), ``--shifts`` published tasks with one shift each (community-visible,
   ``scope_path`` set as ``tasks.service.visible_prefix`` does, started 10 minutes ago, four
   hours long, capacity ``members / shifts`` and full), a confirmed signup per member (members
   dealt round-robin over the shifts) and a bearer token per member straight into the tables
   with COPY, as ``tests.builders.token_for`` makes them; VACUUM (ANALYZE);
3. starts the fake WeChat and gunicorn (4 sync workers, a SECRET_KEY this script chose,
   REDIS_URL ``--redis-url``, db 12) serving ``wsgi:app`` and with wrk and 100 connections
   loads, in turn
   and ``--rounds`` times: ``GET /healthz``; ``POST /api/v1/punches`` with
   ``{"code", "direction": "in"}`` where every request is a member's first check-in (expected
   201); as a secondary row, ``POST /api/v1/punches`` repeated by members who have already
   checked in (expected 200); and the first check-in again with each of the 100 clients
   pausing before every request, ``--think-ms`` (1 s) on average (exponential, as independent
   people arrive; an asyncio client in this script, connecting only when it sends), for the
   p99: without pauses every connection always waits in the server's queue, and the mean
   latency is 100 ÷ requests/s (Little's law) whatever the endpoint;
4. stops the server and, in this process (Flask test client, one request at a time), counts
   each request's SQL statements and round trips to PostgreSQL (libpq's protocol trace),
   splits its time between this process's CPU, the database backend's CPU and waiting, and
   profiles check-ins with cProfile (CPU time).

Each table row is, per endpoint, the median round among those in which other processes used
the least CPU (``_lib.load.quietest_round``); before each run the script waits for the
workers to answer what the previous run left queued.

**Codes.** A rotating code is accepted during its 30-second step and the next one, so a code
computed just before a run stays valid for at least 30 s. The script computes every shift's
code with ``codes.rotating_code`` in an app context holding the server's SECRET_KEY right
before each wrk run and caps a run at 25 s (``--duration`` and ``--warmup``): no code expires
during a run, and nothing has to be rewritten while wrk runs.

**Fresh punches.** Before each check-in run the script asks the database which members have
not checked in yet, leaves out every member an earlier run may have sent (its check-in may
still be queued), and hands the rest to wrk in files, one per wrk thread; the Lua script takes
each member once, in order. A member sent twice would get a 200, which fails the run, as does
any status other than the expected one or any socket error. Before each run the script checks
that enough members are left for twice the best rate seen: raise ``--members`` for long runs.

wrk is required (``apt-get install -y wrk``): the Python load generator (``--load-generator
python``) would, with 100 threads, take most of a core from the server. ``--smoke`` uses wrk
when it is installed, else the Python generator: 1-s runs, 4 connections, one round, at most
300 requests per run, 10,000 members on 10 shifts (enough for wrk at up to 5,000 requests/s),
2 gunicorn workers, 5 profiled check-ins.

    .venv/bin/python bench/checkin_throughput.py --duration 10 --rounds 3

Progress goes to stderr, the Markdown report to stdout; the exit status is 1 if any response
was not the expected one.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import cProfile
import http.client
import itertools
import json
import math
import os
import platform
import pstats
import random
import re
import secrets
import shutil
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from _lib import smoke
from _lib.app import fake_wechat, make_app, new_token
from _lib.cpu import backend_pids, idle_share, other_cpu_share, ticks, tree_snapshot
from _lib.databases import Rows, conninfo_of, migrate, prepare_database
from _lib.load import (
    HOST,
    SMOKE_WORKERS,
    WORKERS,
    WRK_LUA,
    Outgoing,
    Result,
    app_environment,
    check_redis,
    fixed,
    free_port,
    gunicorn,
    quietest_round,
    request,
    run_python,
    run_wrk,
    stop_on_sigterm,
    tail,
    wait_healthy,
    wrk_version,
)
from _lib.report import log, machine_facts, percentile
from psycopg import sql
from sqlalchemy import event, select
from sqlalchemy.engine import make_url
from sqlalchemy.orm import Session

from sunshine.attendance import codes
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import AreaLevel
from sunshine.tasks.models import TaskCategory

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_bench_checkin"
REDIS_URL = "redis://127.0.0.1:6379/12"
RUN_MAX_REQUESTS = 300  # --smoke: the Python generator's bound per run
PUNCHES = "/api/v1/punches"
COMMUNITIES = 5
MAX_RUN_SECONDS = 25.0  # a code computed just before a run is valid for at least 30 s
TARGET_RATIO = 0.40
TARGET_P99_MS = 150.0
QUIET = 0.05  # a round is judged reliable when other processes used at most this share
REPEATERS = 2000  # members who punch again in the secondary row

HEALTHZ = "GET /healthz"
CHECKIN = "POST /api/v1/punches (first check-in)"
REPEAT = "POST /api/v1/punches (repeated)"
PACED = "POST /api/v1/punches (first check-in, clients pausing)"
ENDPOINTS = (HEALTHZ, CHECKIN, REPEAT, PACED)  # the order of a round
PATHS = {CHECKIN: PUNCHES, PACED: PUNCHES}

# wrk, generated per run: each thread reads its members (token, code) from FILES.<thread> and
# sends each one's check-in once, in order; every status is counted, and any other than
# EXPECTED counts as a failure (the "non200" key run_wrk reads).
CHECKIN_LUA = """
local FILES = "%(files)s"
local EXPECTED = %(expected)d
local threads = {}

function setup(thread)
  table.insert(threads, thread)
  thread:set("number", #threads)
end

function init(args)
  auths, bodies = {}, {}
  for line in io.lines(FILES .. "." .. number) do
    local token, code = line:match("^(%%S+)%%s+(%%S+)$")
    auths[#auths + 1] = "Bearer " .. token
    bodies[#bodies + 1] = '{"code": "' .. code .. '", "direction": "in"}'
  end
  position, responses, unexpected, statuses = 0, 0, 0, {}
end

function request()
  position = position %% #auths + 1  -- wraps round only if the list was too short: a 200
  return wrk.format("POST", nil, {
    ["Authorization"] = auths[position],
    ["Content-Type"] = "application/json",
  }, bodies[position])
end

function response(status, headers, body)
  responses = responses + 1
  statuses[status] = (statuses[status] or 0) + 1
  if status ~= EXPECTED then
    unexpected = unexpected + 1
  end
end

function done(summary, latency, requests)
  local responses, unexpected, statuses, parts = 0, 0, {}, {}
  for _, thread in ipairs(threads) do
    responses = responses + thread:get("responses")
    unexpected = unexpected + thread:get("unexpected")
    for status, n in pairs(thread:get("statuses")) do
      statuses[status] = (statuses[status] or 0) + n
    end
  end
  for status, n in pairs(statuses) do
    table.insert(parts, string.format('"%%d": %%d', status, n))
  end
  local e = summary.errors
  io.write(string.format(
    'BENCH_RESULT {"requests": %%d, "responses": %%d, "non200": %%d, "duration_us": %%d, '
    .. '"errors": %%d, "p50_us": %%d, "p95_us": %%d, "p99_us": %%d, "max_us": %%d, '
    .. '"statuses": {%%s}}\\n',
    summary.requests, responses, unexpected, summary.duration,
    e.connect + e.read + e.write + e.timeout,
    latency:percentile(50), latency:percentile(95), latency:percentile(99), latency.max,
    table.concat(parts, ", ")))
end
"""


# Data ----------------------------------------------------------------------------------------


@dataclass
class Dataset:
    shift_ids: list[int]
    tokens: dict[int, str]  # member id -> raw bearer token
    shift_of: dict[int, int]  # member id -> the shift the member signed up for
    counts: dict[str, int] = field(default_factory=dict)
    load_s: float = 0.0


def load_data(app: Any, conninfo: str, members: int, shifts: int) -> Dataset:
    """Areas through the org service, everything else with COPY (see the module docstring)."""
    started = time.perf_counter()
    with app.app_context():
        city = org.create_area(name="基准市", level=AreaLevel.CITY)
        street = org.create_area(name="基准街道", level=AreaLevel.STREET, parent=city)
        communities = [
            org.create_area(name=f"基准社区{i + 1}", level=AreaLevel.COMMUNITY, parent=street)
            for i in range(COMMUNITIES)
        ]
        unit = org.create_work_unit(name="基准单位", city=city)
        db.session.commit()
        places = [(c.id, c.path) for c in communities]
        unit_id = unit.id
        category_id = db.session.scalar(
            select(TaskCategory.id).where(TaskCategory.active).order_by(TaskCategory.id).limit(1)
        )
        db.session.commit()
    now = datetime.now(UTC)
    capacity = members // shifts
    rows = Rows()
    shift_community = {}
    for n in range(1, shifts + 1):
        community_id, path = places[(n - 1) % COMMUNITIES]
        shift_community[n] = (community_id, path)
        rows.add(
            "task",
            id=n,
            area_id=community_id,
            area_path=path,
            kind="activity",
            category_id=category_id,
            title=f"文明劝导{n}",
            content="路口文明劝导",
            address="府前街与崇文路口",
            latitude=37.146,
            longitude=111.781,
            checkin_radius_m=200,
            checkin_mode="rotating",
            visibility="community",
            contact_name="王书记",
            contact_phone="0358-7221234",
            status="published",
            created_at=now - timedelta(days=3),
            updated_at=now - timedelta(days=3),
            published_at=now - timedelta(days=3),
        )
        starts = now - timedelta(minutes=10)
        rows.add(
            "shift",
            id=n,
            task_id=n,
            scope_path=path,  # visible_prefix of a community-visible task
            task_status="published",  # what a shift carries of its task
            task_kind="activity",
            task_category_id=category_id,
            task_area_path=path,
            starts_at=starts,
            ends_at=starts + timedelta(hours=4),
            capacity=capacity,
            signup_deadline=starts - timedelta(hours=2),
            status="open",
            confirmed_count=capacity,
            created_at=now - timedelta(days=3),
        )
    tokens, shift_of = {}, {}
    for m in range(1, capacity * shifts + 1):
        shift_id = (m - 1) % shifts + 1  # round-robin: neighbours in a run hit other shifts
        community_id, path = shift_community[shift_id]
        registered = now - timedelta(days=30)
        rows.add(
            "account",
            id=m,
            openid=f"o-bench-checkin-{m}",
            phone=f"139{m:08d}",
            phone_bound_at=registered,
            status="active",
            created_at=registered,
        )
        rows.add(
            "member",
            id=m,
            account_id=m,
            name=f"党员{m}",
            unit_id=unit_id,
            residence_id=community_id,
            area_path=path,
            status="verified",
            available_weekday_daytime=False,
            available_evenings=False,
            available_weekends=False,
            created_at=registered,
            updated_at=registered,
        )
        rows.add(
            "report_in",
            id=m,
            member_id=m,
            community_id=community_id,
            status="active",
            requested_at=registered,
            decided_at=registered,
        )
        rows.add(
            "signup",
            id=m,
            shift_id=shift_id,
            member_id=m,
            status="confirmed",
            created_at=now - timedelta(days=1),
            confirmed_at=now - timedelta(days=1),
            late_cancel=False,
        )
        raw, digest = new_token()  # only the hash is stored
        rows.add(
            "auth_token",
            id=m,
            account_id=m,
            token_hash=digest,
            created_at=now,
            expires_at=now + timedelta(hours=6),
        )
        tokens[m], shift_of[m] = raw, shift_id
    rows.copy(conninfo)
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return Dataset(
        shift_ids=list(range(1, shifts + 1)),
        tokens=tokens,
        shift_of=shift_of,
        counts=rows.counts(),
        load_s=time.perf_counter() - started,
    )


def fresh_members(conninfo: str) -> list[int]:
    """Members with a confirmed signup who have not checked in yet, by id."""
    with psycopg.connect(conninfo) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT s.member_id FROM signup s WHERE s.status = 'confirmed' AND NOT EXISTS "
                "(SELECT 1 FROM punch p WHERE p.shift_id = s.shift_id "
                "AND p.member_id = s.member_id AND p.direction = 'in') ORDER BY s.member_id"
            )
        ]


def punched_members(conninfo: str, limit: int) -> list[int]:
    with psycopg.connect(conninfo) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT member_id FROM punch WHERE direction = 'in' ORDER BY id LIMIT %s",
                (limit,),
            )
        ]


def current_codes(app: Any, shift_ids: list[int]) -> dict[int, str]:
    """Every shift's rotating code for this 30-second step, signed with the server's key."""
    with app.app_context():
        now = datetime.now(UTC)
        return {s: codes.rotating_code(s, now).code for s in shift_ids}


# Load ----------------------------------------------------------------------------------------


@dataclass
class Bench:
    args: argparse.Namespace
    wrk: str | None  # None: the Python load generator
    app: Any
    conninfo: str
    database: str
    data: Dataset
    port: int
    tmp: Path
    runs: int = 0
    rates: dict[str, float] = field(default_factory=dict)  # the best requests/s seen
    # Members handed to wrk whose check-in may still be on its way (sent by wrk, queued in
    # gunicorn or in a worker while the next list is drawn): never handed out again.
    used: set[int] = field(default_factory=set)

    def run(self, name: str, seconds: float) -> Result:
        """One load run of an endpoint, with the CPU other processes used meanwhile."""
        self.settle()
        before = tree_snapshot(self.database)
        if name == HEALTHZ:
            if self.wrk:
                lua = self.tmp / "healthz.lua"
                lua.write_text(WRK_LUA)
                result = self._wrk(name, "/healthz", lua, seconds)
            else:
                result = self._python(name, fixed("/healthz"), 200, seconds)
        elif name == REPEAT:
            repeaters = punched_members(self.conninfo, REPEATERS)
            if not repeaters:
                raise SystemExit("no member has checked in: nothing to repeat")
            result = self._punches(name, PUNCHES, repeaters, 200, seconds)
        else:
            members = self._fresh(name, seconds)
            if name == PACED:
                result = self._paced(name, members, seconds)
            else:
                result = self._punches(name, PATHS[name], members, 201, seconds)
            # Thread t sent members[t::threads][:k] with k ≤ every request wrk sent or had
            # in flight: all of them lie in the first threads * k of the list. (The Python
            # generator takes them in order from one list: one "thread".)
            threads = min(self.args.wrk_threads, self.args.connections) if self.wrk else 1
            sent = result.requests + result.errors + self.args.connections
            self.used.update(members[: threads * sent])
        after = tree_snapshot(self.database)
        result.other_cpu = other_cpu_share(before, after)
        IDLE[id(result)] = idle_share(before, after)
        self.rates[name] = max(self.rates.get(name, 0.0), result.rps)
        return result

    def settle(self) -> None:
        """Wait until the workers have answered what the last run left queued: a request
        accepted after wrk stopped would otherwise slow the next run down (and a check-in
        still queued would be handed out again)."""
        for _ in range(6):  # up to a minute
            with contextlib.suppress(OSError, http.client.HTTPException):
                status, _ = request(self.port, "GET", "/healthz")
                if status != 200:
                    raise SystemExit(f"GET /healthz between runs: HTTP {status}")
                return
        raise SystemExit("GET /healthz between runs: no answer within a minute")

    def _fresh(self, name: str, seconds: float) -> list[int]:
        """Members who have not checked in; enough for twice the best rate seen (this
        endpoint's, else /healthz's: a check-in is not faster)."""
        members = [m for m in fresh_members(self.conninfo) if m not in self.used]
        rate = self.rates.get(name) or self.rates.get(HEALTHZ) or 1000.0
        if name == PACED:  # every client sends at most one request per pause
            rate = self.args.connections * 1000 / self.args.think_ms
        needed = math.ceil(rate * seconds * 2) + self.args.connections
        if len(members) < needed:
            raise SystemExit(
                f"only {len(members)} members have not checked in, and a {seconds:g}-s run "
                f"may need {needed} (at twice {rate:.0f} requests/s): raise --members"
            )
        return members

    def _punches(
        self, name: str, path: str, members: list[int], expected: int, seconds: float
    ) -> Result:
        """wrk sends each of ``members`` (split over its threads) one check-in, in order
        (the Python generator takes them in order from one list)."""
        self.runs += 1
        codes = current_codes(self.app, self.data.shift_ids)  # valid ≥ 30 s from now
        if not self.wrk:
            # Like the Lua script, start over if the list runs out (then a 200 fails the run).
            bodies = itertools.cycle(
                [
                    (
                        "POST",
                        path,
                        {
                            "Authorization": f"Bearer {self.data.tokens[m]}",
                            "Content-Type": "application/json",
                        },
                        json.dumps({"code": codes[self.data.shift_of[m]]} | IN).encode(),
                    )
                    for m in members
                ]
            )
            return self._python(name, lambda: next(bodies), expected, seconds)
        threads = min(self.args.wrk_threads, self.args.connections)
        files = self.tmp / f"members-{self.runs}"
        for t in range(threads):
            lines = (
                f"{self.data.tokens[m]} {codes[self.data.shift_of[m]]}\n"
                for m in members[t::threads]
            )
            Path(f"{files}.{t + 1}").write_text("".join(lines))
        lua = self.tmp / f"punch-{self.runs}.lua"
        lua.write_text(CHECKIN_LUA % {"files": files, "expected": expected})
        return self._wrk(name, path, lua, seconds)

    def _paced(self, name: str, members: list[int], seconds: float) -> Result:
        """Each of ``--connections`` clients pauses a random time (``--think-ms`` on average,
        exponential) and then checks a member in on a new connection, for ``seconds``."""
        codes = current_codes(self.app, self.data.shift_ids)
        bodies = [
            (self.data.tokens[m], json.dumps({"code": codes[self.data.shift_of[m]]} | IN))
            for m in members
        ]
        return asyncio.run(
            paced_load(name, self.port, bodies, self.args.connections, self.args.think_ms, seconds)
        )

    def _python(
        self, name: str, source: Callable[[], Outgoing], expected: int, seconds: float
    ) -> Result:
        return run_python(
            name,
            self.port,
            source,
            seconds,
            self.args.connections,
            expected,
            self.args.max_requests,
        )

    def _wrk(self, name: str, path: str, lua: Path, seconds: float) -> Result:
        assert self.wrk is not None
        return run_wrk(
            self.wrk,
            lua,
            name,
            self.port,
            path,
            {},
            seconds,
            self.args.connections,
            self.args.wrk_threads,
        )


IN = {"direction": "in"}


async def paced_load(
    name: str,
    port: int,
    bodies: list[tuple[str, str]],
    clients: int,
    think_ms: int,
    seconds: float,
) -> Result:
    """Open-model load: people, not a saturating loop. Each client waits an exponential pause
    (``think_ms`` on average, so arrivals are as random as independent people's), then opens a
    connection, sends one check-in (the next of ``bodies``: token, JSON) and reads the answer;
    the latency runs from before the connect to the last byte. Connecting only when there is
    something to send matters: gunicorn's sync workers block on an idle open connection.
    """
    rng = random.Random(0)
    queue = iter(bodies)
    latencies: list[float] = []
    statuses: Counter[int] = Counter()
    errors = 0
    deadline = time.perf_counter() + seconds

    async def one(token: str, body: str) -> None:
        nonlocal errors
        began = time.perf_counter()
        try:
            reader, writer = await asyncio.open_connection(HOST, port)
            payload = body.encode()
            writer.write(
                f"POST {PUNCHES} HTTP/1.1\r\nHost: {HOST}:{port}\r\n"
                f"Authorization: Bearer {token}\r\nContent-Type: application/json\r\n"
                f"Content-Length: {len(payload)}\r\nConnection: close\r\n\r\n".encode()
                + payload
            )
            response = await asyncio.wait_for(reader.read(), timeout=30)
            writer.close()
            status = int(response.split(b" ", 2)[1])
        except (OSError, ValueError, IndexError, TimeoutError):
            errors += 1
            return
        latencies.append((time.perf_counter() - began) * 1000)
        statuses[status] += 1

    async def client() -> None:
        while True:
            await asyncio.sleep(rng.expovariate(1000 / think_ms))
            if time.perf_counter() >= deadline:
                return
            item = next(queue, None)
            if item is None:
                raise SystemExit(f"{name}: ran out of members: raise --members")
            await one(*item)

    await asyncio.gather(*(client() for _ in range(clients)))
    latencies.sort()
    return Result(  # requests/s over the time clients started requests in
        name=name,
        requests=len(latencies),
        seconds=seconds,
        non200=sum(n for status, n in statuses.items() if status != 201),
        errors=errors,
        p50=percentile(latencies, 50),
        p95=percentile(latencies, 95),
        p99=percentile(latencies, 99),
        max=latencies[-1] if latencies else math.nan,
        statuses=dict(statuses),
    )


IDLE: dict[int, float] = {}  # id(Result) -> share of all CPUs idle during its run


def measure(bench: Bench) -> tuple[list[Result], list[list[Result]]]:
    """A warm-up of each endpoint, then ``--rounds`` rounds of all of them in turn:
    (the warm-up runs, the rounds)."""
    args = bench.args
    warmups = []
    if args.warmup > 0:
        log(f"warm-up: each endpoint for {args.warmup:g}s")
        warmups = [bench.run(name, args.warmup) for name in ENDPOINTS]
    rounds = []
    for n in range(1, args.rounds + 1):
        log(f"round {n}/{args.rounds}: {len(ENDPOINTS)} endpoints, {args.duration:g}s each")
        results = [bench.run(name, args.duration) for name in ENDPOINTS]
        rounds.append(results)
        log(
            "  "
            + " / ".join(f"{r.rps:.0f}" for r in results)
            + " requests/s; other processes' CPU "
            + " / ".join(f"{r.other_cpu:.0%}" for r in results)
        )
    return warmups, rounds


# In-process: statements, CPU split, profile --------------------------------------------------


@dataclass
class Request:
    wall: float
    cpu: float  # this thread's CPU: Flask, the app, SQLAlchemy, psycopg
    sql: list[tuple[str, float]]  # (statement, seconds from execute to result)
    commit: float  # seconds in COMMIT


class Tracer:
    """What the app's engine sends: SQLAlchemy's statements with their wall time, and, for
    one request at a time, every message of the PostgreSQL protocol (libpq's trace), which
    also shows the pool's pre-ping, BEGIN, COMMIT and ROLLBACK."""

    def __init__(self, engine: Any, trace_path: Path) -> None:
        self.statements: list[tuple[str, float]] = []
        self.commit_s = 0.0
        self._t = 0.0
        self._commit_t = 0.0
        self.trace_path = trace_path
        self.connections: list[Any] = []
        event.listen(engine, "before_cursor_execute", self._before)
        event.listen(engine, "after_cursor_execute", self._after)
        event.listen(engine, "commit", self._commit)
        event.listen(engine, "connect", lambda dbapi, _record: self.connections.append(dbapi))

    def _before(self, *_: Any) -> None:
        self._t = time.perf_counter()

    def _after(self, _conn: Any, _cursor: Any, statement: str, *_: Any) -> None:
        self.statements.append((statement, time.perf_counter() - self._t))

    def _commit(self, *_: Any) -> None:
        self._commit_t = time.perf_counter()  # the session's after_commit closes the span

    def committed(self) -> None:
        if self._commit_t:
            self.commit_s += time.perf_counter() - self._commit_t
            self._commit_t = 0.0

    def reset(self) -> None:
        self.statements, self.commit_s = [], 0.0

    def round_trips(self, request: Any) -> list[str]:
        """Run ``request()`` with the protocol traced: one label per round trip, in order."""
        with self.trace_path.open("w") as out:
            live = [c for c in self.connections if not c.closed]
            for connection in live:
                connection.pgconn.trace(out.fileno())
            try:
                request()
            finally:
                for connection in live:
                    connection.pgconn.untrace()  # flushes libpq's buffer
        # psycopg sends a statement without parameters (SAVEPOINT …) as a simple query, and
        # one with parameters as Parse/Bind/Execute/Sync: match them to SQLAlchemy's, in order.
        pending = [" ".join(statement.split()) for statement, _ in self.statements]
        trips = []
        for line in self.trace_path.read_text().splitlines():
            fields = line.split("\t")
            if len(fields) < 4 or fields[1] != "F":
                continue
            if fields[3] == "Query":  # BEGIN, COMMIT, the pre-ping, SAVEPOINT …
                sent = fields[4].strip().strip('"') if len(fields) > 4 else ""
                if pending and pending[0] == sent:
                    pending.pop(0)
                trips.append("pre-ping (empty query)" if sent == ";" else statement_label(sent))
            elif fields[3] == "Sync":
                trips.append(statement_label(pending.pop(0)) if pending else "?")
        return trips


def send(
    client: Any, tracer: Tracer, method: str, path: str, expected: int, **kwargs: Any
) -> Request:
    tracer.reset()
    wall, cpu = time.perf_counter(), time.thread_time()
    response = client.open(path, method=method, **kwargs)
    cpu, wall = time.thread_time() - cpu, time.perf_counter() - wall
    if response.status_code != expected:
        raise SystemExit(f"in-process {method} {path}: {response.status_code} {response.json}")
    return Request(wall, cpu, tracer.statements, tracer.commit_s)


@dataclass
class Profiled:
    name: str
    requests: list[Request]
    backend_cpu: float  # seconds of the database backend per request
    round_trips: list[str]  # those of one more request
    other_cpu: float  # share of all CPUs used by unrelated processes meanwhile


def in_process(bench: Bench, n: int) -> tuple[list[Profiled], list[str]]:
    """Sequential requests through the test client on a quiet machine (gunicorn stopped)."""
    app, data = bench.app, bench.data
    client = app.test_client()
    with app.app_context():
        db.engine.dispose()  # connections made from now on are known to the tracer
        tracer = Tracer(db.engine, bench.tmp / "libpq-trace.txt")
    event.listen(Session, "after_commit", lambda _session: tracer.committed())
    fresh = iter(m for m in fresh_members(bench.conninfo) if m not in bench.used)
    repeaters = punched_members(bench.conninfo, REPEATERS)
    codes: dict[int, str] = {}
    computed = -math.inf

    def punch(member: int, expected: int, path: str = PUNCHES) -> Request:
        nonlocal codes, computed
        if time.monotonic() - computed > 20:  # well inside the codes' lifetime
            codes, computed = current_codes(app, data.shift_ids), time.monotonic()
        headers = {"Authorization": f"Bearer {data.tokens[member]}"}
        body = {"code": codes[data.shift_of[member]], "direction": "in"}
        return send(client, tracer, "POST", path, expected, json=body, headers=headers)

    def batch(name: str, one: Callable[[int], Request], count: int) -> Profiled:
        one(0)  # the pool's connection exists, caches are warm
        pids = backend_pids(bench.conninfo)
        backend_ticks, before = sum(ticks(p) for p in pids), tree_snapshot(bench.database)
        requests = [one(i + 1) for i in range(count)]
        other = other_cpu_share(before, tree_snapshot(bench.database))
        backend = (sum(ticks(p) for p in pids) - backend_ticks) / os.sysconf("SC_CLK_TCK")
        trips = tracer.round_trips(lambda: one(count + 1))
        return Profiled(name, requests, backend / count, trips, other)

    results = [
        batch(HEALTHZ, lambda _i: send(client, tracer, "GET", "/healthz", 200), n),
        batch(CHECKIN, lambda _i: punch(next(fresh), 201), n),
        batch(REPEAT, lambda i: punch(repeaters[i % len(repeaters)], 200), n),
    ]
    # CPU time, not wall time: where the app's processor time goes (the database's is above).
    profiler = cProfile.Profile(time.thread_time)
    profiler.enable()
    for _ in range(n):
        punch(next(fresh), 201)
    profiler.disable()
    return results, profile_lines(profiler, n)


# Where a check-in's CPU goes, by step: (label, file suffix, function), cumulative.
PHASES = (
    ("the whole request (Flask's wsgi_app)", "flask/app.py", "wsgi_app"),
    ("login_required: authenticate (token ⨝ account ⟕ member)", "auth/service.py", "authenticate"),
    ("service.punch", "attendance/service.py", "punch"),
    ("… shift ⨝ task ⟕ the member's punches", "attendance/service.py", "_site_and_punches"),
    ("db.session.commit()", "orm/scoping.py", "commit"),
    ("_punch_view (the response, built before the commit)", "attendance/routes.py", "_punch_view"),
    ("every SQL statement (Connection.execute)", "engine/base.py", "execute"),
)


def package_of(filename: str) -> str:
    if "site-packages" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if "/sunshine/" in filename:
        return "sunshine." + filename.split("/sunshine/")[1].split("/")[0].removesuffix(".py")
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "stdlib"


def profile_lines(profiler: cProfile.Profile, n: int) -> list[str]:
    stats = pstats.Stats(profiler)
    by_package: Counter[str] = Counter()
    functions = []
    total = 0.0
    for (filename, line, name), (_, calls, own, cumulative, _) in stats.stats.items():  # type: ignore[attr-defined]
        total += own
        package = package_of(filename)
        by_package[package] += own
        functions.append(
            (own, cumulative, calls, f"{package}:{Path(filename).name}:{line}({name})")
        )
    whole = 0.0
    phases = []
    for label, suffix, function in PHASES:
        cumulative = sum(
            entry[3]
            for (filename, _, name), entry in stats.stats.items()  # type: ignore[attr-defined]
            if filename.endswith(suffix) and name == function
        )
        whole = whole or cumulative
        phases.append(
            f"| {label} | {cumulative / n * 1000:.2f} | {cumulative / whole:.0%} |"
            if whole
            else f"| {label} | – | – |"
        )
    lines = [
        f"cProfile of {n} first check-ins in-process, in CPU time (profiling slows Python code "
        "down about threefold, so compare the shares). By step:",
        "",
        "| Step | CPU ms / check-in (profiled) | share |",
        "| --- | ---: | ---: |",
        *phases,
        "",
        "By package (own time):",
        "",
        "| Package | ms / check-in | share |",
        "| --- | ---: | ---: |",
    ]
    for package, own in by_package.most_common(10):
        lines.append(f"| {package} | {own / n * 1000:.2f} | {own / total:.0%} |")
    lines += [
        "",
        "| Function (top own time) | calls / check-in | own ms | cumulative ms |",
        "| --- | ---: | ---: | ---: |",
    ]
    for own, cumulative, calls, where in sorted(functions, reverse=True)[:12]:
        lines.append(
            f"| `{where}` | {calls / n:.0f} | {own / n * 1000:.2f} | {cumulative / n * 1000:.2f} |"
        )
    return lines


def statement_label(statement: str) -> str:
    """A short name for a statement: its verb and table(s)."""
    flat = " ".join(statement.split())
    verb = flat.split(" ", 1)[0].upper()
    if verb == "SELECT":
        tables = re.findall(r"\b(?:FROM|JOIN) (\w+)", flat)
        return "SELECT " + " ⨝ ".join(dict.fromkeys(tables)) if tables else flat[:40]
    if verb == "INSERT":
        return "INSERT " + flat.split()[2]
    if verb == "UPDATE":
        return "UPDATE " + flat.split()[1]
    return flat[:60]


# Report --------------------------------------------------------------------------------------


def status_cells(r: Result) -> tuple[str, str, str]:
    """201, 200 and other responses; WRK_LUA counts only "not 200" (requests not answered
    before the end of the run count there too, as in run_wrk)."""
    if not r.statuses:
        return "–", f"{r.requests - r.non200}", f"{r.non200}"
    other = sum(n for s, n in r.statuses.items() if s not in (200, 201))
    other += r.requests - sum(r.statuses.values())  # sent, not answered within the run
    return f"{r.statuses.get(201, 0)}", f"{r.statuses.get(200, 0)}", f"{other}"


def table(results: list[Result]) -> str:
    rows = [
        "| Endpoint | Requests | Requests/s | p50 (ms) | p95 (ms) | p99 (ms) | max (ms) "
        "| 201 | 200 | Other | Socket errors | Other processes' CPU | Idle CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: "
        "| ---: |",
    ]
    for r in results:
        created, ok, other = status_cells(r)
        rows.append(
            f"| `{r.name}` | {r.requests} | {r.rps:.0f} | {r.p50:.1f} | {r.p95:.1f} "
            f"| {r.p99:.1f} | {r.max:.1f} | {created} | {ok} | {other} | {r.errors} "
            f"| {r.other_cpu:.0%} | {IDLE.get(id(r), math.nan):.0%} |"
        )
    return "\n".join(rows)


def ms(values: list[float], pct: float) -> float:
    return percentile(sorted(values), pct) * 1000


def in_process_report(results: list[Profiled], profile: list[str]) -> list[str]:
    lines = [
        "In-process (Flask test client, one request at a time, gunicorn stopped), means per "
        "request: wall time, this process's CPU (Flask, the app, SQLAlchemy, psycopg), the "
        "database backend's CPU, SQLAlchemy's statements, round trips to PostgreSQL (libpq's "
        "protocol trace: statements plus the pool's pre-ping, BEGIN, COMMIT, ROLLBACK), the "
        "wall time from sending a statement to its result, and COMMIT's wall time.",
        "",
        "| Request | n | wall p50 (ms) | wall mean (ms) | app CPU (ms) | backend CPU (ms) "
        "| statements | round trips | statement wait (ms) | COMMIT (ms) | other processes' CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for p in results:
        reqs = p.requests
        count = len(reqs)
        walls = [r.wall for r in reqs]
        lines.append(
            f"| `{p.name}` | {count} | {ms(walls, 50):.2f} | {sum(walls) / count * 1000:.2f} "
            f"| {sum(r.cpu for r in reqs) / count * 1000:.2f} | {p.backend_cpu * 1000:.2f} "
            f"| {sum(len(r.sql) for r in reqs) / count:.1f} | {len(p.round_trips)} "
            f"| {sum(sum(t for _, t in r.sql) for r in reqs) / count * 1000:.2f} "
            f"| {sum(r.commit for r in reqs) / count * 1000:.2f} | {p.other_cpu:.0%} |"
        )
    for p in results:
        lines += ["", f"Round trips of one `{p.name}`:", ""]
        lines += [f"{i}. `{trip}`" for i, trip in enumerate(p.round_trips, 1)]
    return [*lines, "", *profile]


def postgres_settings(conninfo: str) -> str:
    with psycopg.connect(conninfo) as conn:
        names = ("synchronous_commit", "fsync", "wal_sync_method", "max_connections")
        values = [
            conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()
            for name in names
        ]
    return "- commit settings: " + ", ".join(
        f"{name}={value[0] if value else '?'}" for name, value in zip(names, values, strict=True)
    )


def verdict(
    results: list[Result], rounds: list[list[Result]], connections: int, think_ms: int
) -> list[str]:
    """The targets, judged on the round in which the busier of its /healthz and check-in
    runs had the least CPU used by other processes: the ratio of one round's pair, not of
    two rows that may come from rounds with different load. The p99 is judged on the same
    round's paced run: the closed-loop runs keep every connection busy, so their latency is
    the queue in front of a saturated server (Little's law), whatever the endpoint."""
    i, j, k = (ENDPOINTS.index(name) for name in (HEALTHZ, CHECKIN, PACED))
    n, pair = min(enumerate(rounds, 1), key=lambda nr: max(nr[1][i].other_cpu, nr[1][j].other_cpu))
    health, checkin, paced = pair[i], pair[j], pair[k]
    busy = max(health.other_cpu, checkin.other_cpu, paced.other_cpu) > QUIET

    def ratio(r: Result, of: Result) -> float:
        return r.rps / of.rps if of.rps else math.nan

    def each(index: int) -> str:
        return ", ".join(f"{ratio(r[index], r[i]):.0%}" for r in rounds)

    met_ratio = ratio(checkin, health) >= TARGET_RATIO
    met_p99 = paced.p99 <= TARGET_P99_MS
    little = ", ".join(
        f"{connections / r.rps * 1000:.0f} ms" for r in results[: ENDPOINTS.index(PACED)] if r.rps
    )
    return [
        f"- Judged on round {n}, whose `/healthz` and check-in runs had the least CPU used by "
        f"other processes ({health.other_cpu:.0%} and {checkin.other_cpu:.0%}): "
        f"{health.rps:.0f} and {checkin.rps:.0f} requests/s.",
        f"- Check-in / `/healthz` requests/s: **{ratio(checkin, health):.0%}** (target ≥ "
        f"{TARGET_RATIO:.0%}: {'met' if met_ratio else 'not met'}); every round: {each(j)}; "
        f"the table's rows: {ratio(results[j], results[i]):.0%}",
        f"- Check-in p99 with {connections} clients each pausing {think_ms} ms on average "
        f"({paced.rps:.0f} requests/s): **{paced.p99:.1f} ms** (target ≤ {TARGET_P99_MS:.0f} "
        f"ms: {'met' if met_p99 else 'not met'}); every round: "
        + ", ".join(f"{r[k].p99:.0f} ms" for r in rounds),
        f"- Target **{'met' if met_ratio and met_p99 else 'not met'}**."
        + (
            f" **Unreliable: other processes used more than {QUIET:.0%} of the CPUs during "
            "that round** (load slows the endpoints unequally); run again when it is quiet."
            if busy
            else ""
        ),
        f"- Without pauses wrk keeps {connections} requests in flight, so the mean latency is "
        f"{connections} divided by the requests/s (Little's law): {little} for the closed-loop "
        f"rows; a p99 ≤ {TARGET_P99_MS:.0f} ms there would need more than "
        f"{connections / TARGET_P99_MS * 1000:.0f} requests/s (check-in p99 "
        f"{checkin.p99:.0f} ms, `/healthz` p99 {health.p99:.0f} ms in round {n}).",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--database-url", help=f"PostgreSQL database to WIPE (default {DEFAULT_URL})"
    )
    parser.add_argument("--duration", type=float, default=10.0, help="seconds per endpoint")
    parser.add_argument("--rounds", type=int, default=3, help="rounds of the three endpoints")
    parser.add_argument("--warmup", type=float, default=2.0, help="unrecorded seconds each")
    parser.add_argument("--connections", type=int, default=100, help="concurrent connections")
    parser.add_argument("--wrk-threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--load-generator",
        choices=("auto", "wrk", "python"),
        default="wrk",
        help="wrk (default; required), python (threads in this process, which take CPU from "
        "the server), or auto: wrk when installed, else python",
    )
    parser.add_argument(
        "--max-requests", type=int, help="Python generator: at most this many requests per run"
    )
    parser.add_argument("--redis-url", default=REDIS_URL, help=f"the app's (default {REDIS_URL})")
    parser.add_argument("--members", type=int, default=30_000, help="members signed up")
    parser.add_argument("--shifts", type=int, default=30, help="shifts (capacity ≤ 1000 each)")
    parser.add_argument(
        "--think-ms",
        type=int,
        default=1000,
        help="the paced row: each client's mean pause (exponential) before each check-in",
    )
    parser.add_argument(
        "--profile-punches", type=int, default=300, help="in-process check-ins to analyse"
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
        warmup=0.0,
        rounds=1,
        connections=4,
        think_ms=100,
        members=10_000,
        shifts=10,
        profile_punches=5,
        load_generator="auto",
        max_requests=RUN_MAX_REQUESTS,
    )
    args.database_url = smoke.database_url(args, DEFAULT_URL)
    if not 1 <= args.duration <= MAX_RUN_SECONDS:
        parser.error(f"--duration must be 1-{MAX_RUN_SECONDS:.0f} s (the codes' lifetime)")
    if not 0 <= args.warmup <= MAX_RUN_SECONDS:
        parser.error(f"--warmup must be 0-{MAX_RUN_SECONDS:.0f} s (the codes' lifetime)")
    if not 1 <= args.rounds <= 9:
        parser.error("--rounds must be between 1 and 9")
    if not 1 <= args.connections <= 256:
        parser.error("--connections must be between 1 and 256")
    if not 100 <= args.think_ms <= 10_000:
        parser.error("--think-ms must be between 100 and 10000")
    if not 1 <= args.wrk_threads <= 8:
        parser.error("--wrk-threads must be between 1 and 8")
    if args.shifts < 1 or not 1 <= args.members // args.shifts <= 1000:
        parser.error("--members / --shifts must be between 1 and 1000 (a shift's capacity)")
    if make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url must be PostgreSQL")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    stop_on_sigterm()
    wrk = shutil.which("wrk") if args.load_generator in ("auto", "wrk") else None
    if wrk is None and args.load_generator == "wrk":
        raise SystemExit("wrk is not installed (apt-get install -y wrk)")
    check_redis(args.redis_url)

    url = args.database_url
    conninfo = conninfo_of(url)
    database = make_url(url).database or ""
    log("wiping and migrating the database")
    db_version = prepare_database(url, args.allow_any_database)
    secret_key = secrets.token_hex(32)  # gunicorn's and this process's: codes match
    load_before = os.getloadavg()
    with tempfile.TemporaryDirectory(prefix="sunshine-checkin-") as tmp, fake_wechat() as fake:
        tmp_dir = Path(tmp)
        env = app_environment(url, fake, args.redis_url)
        env.update(SECRET_KEY=secret_key)
        app = make_app(url, secret_key=secret_key, redis_url=args.redis_url, env_name="development")
        migrate(app)
        log(f"loading {args.members} members over {args.shifts} shifts (COPY)")
        data = load_data(app, conninfo, args.members, args.shifts)
        log(f"loaded in {data.load_s:.1f}s: {data.counts}")
        port = free_port()
        log_path = tmp_dir / "gunicorn.log"
        log(f"starting gunicorn ({args.workers} workers) on {HOST}:{port}")
        with gunicorn(env, port, log_path, args.workers) as proc:
            wait_healthy(proc, port, log_path, timeout=60)
            bench = Bench(args, wrk, app, conninfo, database, data, port, tmp_dir)
            warmups, rounds = measure(bench)
            load_after = os.getloadavg()
            if proc.poll() is not None:
                raise SystemExit(f"gunicorn died during the run:\n{tail(log_path)}")
        log_text = tail(log_path, 200)
        log("in-process analysis")
        profiled, profile = in_process(bench, args.profile_punches)
        facts = [*machine_facts(conninfo), postgres_settings(conninfo)]

    results = [quietest_round([r[i] for r in rounds]) for i in range(len(ENDPOINTS))]
    generator = (
        f"{wrk_version(wrk)} ({args.wrk_threads} thread)"
        if wrk
        else f"Python threads + http.client (at most {args.max_requests} requests per run)"
    )
    print(
        "\n".join(facts)
        + f"\n- {db_version}, gunicorn {args.workers} sync workers, Redis {args.redis_url}, "
        f"{generator}, {args.connections} connections, {args.duration:g} s per "
        f"endpoint after {args.warmup:g} s warm-up, {args.rounds} rounds; "
        f"{len(data.tokens)} members over {args.shifts} shifts (loaded in {data.load_s:.0f} s); "
        f"1-minute load average {load_before[0]:.2f} at the start, {load_after[0]:.2f} after "
        f"the runs; Python {platform.python_version()}\n"
    )
    for i, name in enumerate(ENDPOINTS):
        runs = ", ".join(
            f"{r[i].rps:.0f} ({r[i].other_cpu:.0%}, {IDLE.get(id(r[i]), math.nan):.0%})"
            for r in rounds
        )
        print(f"- `{name}` requests/s per round (other processes' CPU, idle CPU): {runs}")
    print("\nEach row: the median round among those with the least CPU used by other processes.\n")
    print(table(results))
    print()
    print("\n".join(verdict(results, rounds, args.connections, args.think_ms)))
    print()
    print("\n".join(in_process_report(profiled, profile)))
    failed = [r for r in warmups + [r for rnd in rounds for r in rnd] if not r.ok]
    if failed:
        for r in failed:
            print(
                f"\nFAILED {r.name}: {r.non200} unexpected responses, {r.errors} socket errors, "
                f"statuses {r.statuses}",
                file=sys.stderr,
            )
        print(f"\ngunicorn log (tail):\n{log_text}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
