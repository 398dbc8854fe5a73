"""Member feed latency, GET /api/v1/me/feed (target: p95 ≤ 50 ms at province scale on
PostgreSQL).

In-process (Flask test client of ``create_app()`` followed by ``gc.freeze()``, as ``wsgi.py``
does; no HTTP server), against a fresh SQLite file and PostgreSQL on 127.0.0.1:

1. **Xiaoyi on SQLite** (a temporary file): one city by ``sunshine.demo.build_city`` (305
   communities), ``--xiaoyi-members`` verified members reported in (an urban 社区 weighs 4 村),
   ``--xiaoyi-tasks`` tasks with 1–3 shifts; bulk INSERTs.
2. **A province on PostgreSQL** (database ``sunshine_bench_feed``, created if missing, its public
   schema dropped and migrated; the name must contain "bench"): ``--members`` members from
   ``bench/_lib/province.py`` in 11 cities, ``--tasks`` tasks with 1–4 shifts each (~100,000
   open shifts) spread over the cities by their member share, loaded with COPY; VACUUM
   (ANALYZE). ``--reuse`` keeps data of the same shape generated less than a day ago.

Tasks: 70 % community-, 20 % street-, 10 % city-visible, 30 % asking for 1–2 skills, 5 % more
draft or cancelled; shifts start 3 h to 30 days ahead and carry ``scope_path`` from the app's
own ``tasks.service.visible_prefix`` and their task's status, kind and category (as
``tasks.service.carried``); ~20 % of the members hold one or two live signups.

For three members of each database (the busiest urban community, a village of a 乡, one with
skills and live signups) the first page, ``category_id=`` and ``kind=post`` are timed
``--reps`` times after ``--warmup``, in ``--rounds`` rounds; each row keeps its quietest round.
On PostgreSQL, ``--history-months N`` then commits N months of past shifts (still ``open``:
nothing closes them), times the first pages again and deletes them.

    .venv/bin/python bench/feed_latency.py            # both databases (~10 min, ~4 of them data)
    .venv/bin/python bench/feed_latency.py --reuse    # keep the province if it is still there

Progress goes to stderr, the Markdown report to stdout.

``--smoke``: cities of 22 communities (``_lib.smoke.CITY``); Xiaoyi with 200 members and 30
tasks, the province with 1,000 members and 200 tasks (on ``sunshine_bench_smoke`` by default);
5 requests per case after 1, one round, one month of history.
"""

from __future__ import annotations

import argparse
import gc
import math
import os
import random
import shutil
import sys
import tempfile
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Any
from urllib.parse import urlencode
from zoneinfo import ZoneInfo

import psycopg
from _lib import app as bench_app
from _lib import province, smoke
from _lib.app import catalogue, token_for
from _lib.cpu import backend_pids, other_cpu_share, snapshot
from _lib.databases import (
    SqlLog,
    by_table,
    conninfo_of,
    copy_table,
    current_marker,
    ensure_postgres,
    explain,
    inline,
    migrate,
    set_marker,
    wipe,
)
from _lib.province import city_of, street_of
from _lib.report import log, machine_facts, ms, percentile
from sqlalchemy import insert, text

from sunshine.database import Base
from sunshine.demo import SEED, XIAOYI, build_city, person_name, roster_rows
from sunshine.extensions import db
from sunshine.tasks.models import Visibility
from sunshine.tasks.service import visible_prefix

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_bench_feed"
# bump when the generated tasks, shifts or signups change (2: scope_path, 3: task_status,
# task_kind and task_category_id, 4: task_area_path)
DATA_VERSION = 4
SHANGHAI = ZoneInfo("Asia/Shanghai")
WINDOW = timedelta(days=30)
TARGET_MS = 50.0
MAX_SECONDS_PER_CASE = 30.0  # per round: a request slower than this gets fewer repetitions
VISIBILITY = (("community", 0.70), ("street", 0.20), ("city", 0.10))
KINDS = (("post", 0.40), ("activity", 0.45), ("wish", 0.15))
TASK_SKILLS = 0.30  # share of tasks asking for 1–2 skills
NOISE_TASKS = 0.05  # extra draft or cancelled tasks, not counted in --tasks
SIGNED_UP = 0.20  # share of reported-in verified members with one or two live signups
LOCAL_HOURS = (8, 9, 10, 14, 15, 16, 18, 19)  # shift starts, Beijing time
COLUMNS = {  # of the generated rows, in foreign-key order; columns left out are NULL
    "account": "id openid phone phone_bound_at status created_at last_login_at",
    "roster_entry": "id city_id name phone unit_id party_org_id created_at updated_at",
    "member": "id account_id name unit_id party_org_id residence_id area_path status "
    "roster_entry_id available_weekday_daytime available_evenings available_weekends "
    "reviewed_at created_at updated_at",
    "member_skill": "member_id skill_id",
    "report_in": "id member_id community_id status requested_at decided_at",
    "task": "id area_id area_path kind category_id title content address checkin_radius_m "
    "visibility contact_name contact_phone status created_at updated_at published_at "
    "cancelled_at cancel_reason",
    "task_skill": "task_id skill_id",
    "shift": "id task_id scope_path task_status task_kind task_category_id task_area_path "
    "starts_at ends_at "
    "capacity signup_deadline status confirmed_count created_at cancelled_at cancel_reason",
    "signup": "id shift_id member_id status created_at confirmed_at cancelled_at late_cancel",
}


def make_app(url: str) -> Any:
    app = bench_app.make_app(url)
    gc.freeze()  # as wsgi.py does after create_app()
    return app


# Generated rows ------------------------------------------------------------------------------

Rows = dict[str, list[tuple[Any, ...]]]  # per table, values in COLUMNS order


@dataclass
class ShiftInfo:
    id: int
    task_id: int
    scope_path: str
    task_status: str
    kind: str
    category_id: int
    area_path: str
    starts_at: datetime
    ends_at: datetime
    capacity: int
    created_at: datetime
    cancelled: bool
    confirmed: int = 0


def _weighted(rng: random.Random, pairs: tuple[tuple[str, float], ...]) -> str:
    roll, total = rng.random(), 0.0
    for value, share in pairs:
        total += share
        if roll < total:
            return value
    return pairs[-1][0]


def _shift_start(rng: random.Random, now: datetime) -> datetime:
    """A start on the hour or half-hour at a usual local time, 3 h to 30 days from now."""
    local_now = now.astimezone(SHANGHAI)
    day = local_now + timedelta(days=rng.randrange(0, 30))
    start = day.replace(
        hour=rng.choice(LOCAL_HOURS), minute=rng.choice((0, 30)), second=0, microsecond=0
    )
    while start <= local_now + timedelta(hours=3):
        start += timedelta(days=1)
    while start >= local_now + WINDOW - timedelta(hours=1):
        start -= timedelta(days=1)
    return start.astimezone(UTC)


def task_rows(
    rng: random.Random,
    cities: list[province.CityData],
    tasks: int,
    shifts_max: int,
    now: datetime,
    rows: Rows,
) -> list[ShiftInfo]:
    """``tasks`` published tasks and 5 % more draft or cancelled ones, into ``rows``; returns
    their 1..shifts_max shifts each (rows written by ``shift_rows`` once signups are known)."""
    skill_ids, categories = catalogue()
    populated = [c for c in cities if c.weight > 0]
    street_weights: dict[int, list[int]] = {}
    for c in populated:
        weights: Counter[str] = Counter()
        for (_, path), w in zip(c.communities, c.community_weights, strict=True):
            weights[street_of(path)] += w
        street_weights[c.id] = [weights[path] for _, _, path in c.streets]
    shifts: list[ShiftInfo] = []
    for task_id in range(1, tasks + round(tasks * NOISE_TASKS) + 1):
        city = rng.choices(populated, [c.weight for c in populated])[0]
        visibility = _weighted(rng, VISIBILITY)
        if (visibility == "street" and rng.random() < 0.5) or (
            visibility == "city" and rng.random() < 0.7
        ):  # a task of the street office
            area_id, where, area_path = rng.choices(city.streets, street_weights[city.id])[0]
        else:
            area_id, area_path = rng.choices(city.communities, city.community_weights)[0]
            where = f"{city.name}{area_id}号社区"
        # The app's own rule: the community, street or city path members must be under.
        scope_path = visible_prefix(
            SimpleNamespace(area_path=area_path, visibility=Visibility(visibility))
        )
        status = "published" if task_id <= tasks else rng.choice(("draft", "cancelled"))
        cancelled = status == "cancelled"
        category_id, category = rng.choice(categories)
        kind = _weighted(rng, KINDS)
        title = f"{category}{'志愿岗' if kind == 'post' else '活动'}{task_id}"
        created = now - timedelta(days=rng.uniform(1, 20))
        rows["task"].append(
            (task_id, area_id, area_path, kind, category_id, title,
             f"{category}：请按时到岗，服从现场安排。", f"{where}党群服务中心", 200, visibility,
             person_name(rng), f"1350000{task_id % 10000:04d}", status, created, created,
             None if status == "draft" else created,
             now - timedelta(hours=1) if cancelled else None, "天气原因取消" if cancelled else None)
        )  # fmt: skip
        if rng.random() < TASK_SKILLS:
            for skill_id in rng.sample(skill_ids, rng.randint(1, 2)):
                rows["task_skill"].append((task_id, skill_id))
        for _ in range(rng.randint(1, shifts_max)):
            starts = _shift_start(rng, now)
            ends = starts + timedelta(hours=rng.choice((2, 3, 4)))
            capacity = rng.choice((5, 10, 10, 20, 20, 30, 50))
            info = ShiftInfo(
                len(shifts) + 1, task_id, scope_path, status, kind, category_id, area_path,
                starts, ends, capacity, created, cancelled
            )  # fmt: skip
            shifts.append(info)
    return shifts


def signup_rows(
    rng: random.Random, shifts: list[ShiftInfo], members: list[tuple[int, str]], now: datetime
) -> tuple[list[tuple[Any, ...]], int]:
    """Live signups for SIGNED_UP of ``members`` ((id, community path) of reported-in verified
    members), on open shifts visible to their community and not clashing, and a few cancelled
    ones; counts the shifts' confirmed places. Returns the rows and the members signed up."""
    by_scope: dict[str, list[ShiftInfo]] = defaultdict(list)
    for s in shifts:
        if not s.cancelled:
            by_scope[s.scope_path].append(s)
    rows: list[tuple[Any, ...]] = []
    signed_up = 0
    for member_id, path in members:
        if rng.random() >= SIGNED_UP:
            continue
        held: list[ShiftInfo] = []
        for _ in range(1 if rng.random() < 0.7 else 2):
            level = _weighted(rng, (("community", 0.5), ("street", 0.25), ("city", 0.25)))
            scope = {"community": path, "street": street_of(path), "city": city_of(path)}[level]
            choices = by_scope.get(scope) or by_scope.get(city_of(path))
            if not choices:
                continue
            shift = rng.choice(choices)
            if any(s.starts_at < shift.ends_at and s.ends_at > shift.starts_at for s in held):
                continue  # the same shift or a clash: the app would refuse it
            held.append(shift)
            confirmed = shift.confirmed < shift.capacity
            shift.confirmed += confirmed
            created = now - timedelta(hours=rng.uniform(1, 200))
            status = "confirmed" if confirmed else "waitlisted"
            confirmed_at = created if confirmed else None
            rows.append(
                (len(rows) + 1, shift.id, member_id, status, created, confirmed_at, None, False)
            )
        signed_up += bool(held)
        choices = by_scope.get(city_of(path))
        if choices and rng.random() < 0.1:  # an earlier signup the member cancelled
            shift_id, earlier = rng.choice(choices).id, now - timedelta(days=3)
            row = (shift_id, member_id, "cancelled", earlier, earlier, now - timedelta(days=1))
            rows.append((len(rows) + 1, *row, False))
    return rows, signed_up


def shift_rows(shifts: list[ShiftInfo], now: datetime) -> list[tuple[Any, ...]]:
    rows = []
    for s in shifts:
        status, cancelled_at = (
            ("cancelled", now - timedelta(hours=1)) if s.cancelled else ("open", None)
        )
        rows.append(
            (s.id, s.task_id, s.scope_path, s.task_status, s.kind, s.category_id, s.area_path,
             s.starts_at, s.ends_at, s.capacity,
             s.starts_at - timedelta(hours=2), status, s.confirmed, s.created_at, cancelled_at,
             "天气原因取消" if s.cancelled else None)
        )  # fmt: skip
    return rows


def tasks_and_signups(
    rng: random.Random,
    cities: list[province.CityData],
    tasks: int,
    shifts_max: int,
    members: list[tuple[int, str]],
    now: datetime,
    rows: Rows,
) -> int:
    """Tasks, their skills, shifts and signups into ``rows``; returns the members signed up."""
    shifts = task_rows(rng, cities, tasks, shifts_max, now, rows)
    rows["signup"], signed_up = signup_rows(rng, shifts, members, now)
    rows["shift"] = shift_rows(shifts, now)
    return signed_up


# SQLite: Xiaoyi ------------------------------------------------------------------------------


def xiaoyi_member_rows(
    rng: random.Random,
    city: Any,
    units: list[Any],
    communities: Any,
    size: int,
    now: datetime,
    rows: Rows,
) -> list[tuple[int, str]]:
    """Verified members with an active report-in each; returns (member id, community path)."""
    skill_ids, _ = catalogue()
    members = []
    for k, entry in enumerate(roster_rows(rng, city, units, size, 13_900_000_000), start=1):
        created = now - timedelta(days=rng.uniform(30, 300))
        community_id, path = rng.choices(communities.communities, communities.community_weights)[0]
        name, phone, unit_id, org_id = (
            entry[c] for c in ("name", "phone", "unit_id", "party_org_id")
        )
        rows["account"].append((k, f"bench-feed-m{k}", phone, created, "active", created, created))
        rows["roster_entry"].append((k, city.id, name, phone, unit_id, org_id, created, created))
        rows["member"].append(
            (k, k, name, unit_id, org_id, community_id, path, "verified", k, rng.random() < 0.3,
             rng.random() < 0.5, rng.random() < 0.6, created, created, created)
        )  # fmt: skip
        rows["report_in"].append((k, k, community_id, "active", created, created))
        if rng.random() < 0.4:
            for skill_id in rng.sample(skill_ids, rng.randint(1, 3)):
                rows["member_skill"].append((k, skill_id))
        members.append((k, path))
    return members


def generate_sqlite(app: Any, args: argparse.Namespace) -> dict[str, Any]:
    """Xiaoyi: migrate, build the city, generate and INSERT (Core executemany) every row."""
    started = time.perf_counter()
    migrate(app)
    now = datetime.now(UTC)
    rows: Rows = defaultdict(list)
    with app.app_context():
        rng = random.Random(SEED)
        shape = smoke.CITY if args.smoke else XIAOYI
        city, _, units = build_city(rng, "孝义市", "141181000000", shape)
        db.session.commit()
        data = province.city_data(city.id, 1)
        rng = random.Random(SEED * 7 + args.xiaoyi_members)
        members = xiaoyi_member_rows(rng, city, units, data, args.xiaoyi_members, now, rows)
        signed_up = tasks_and_signups(rng, [data], args.xiaoyi_tasks, 3, members, now, rows)
        for name, columns in COLUMNS.items():
            keys, table = columns.split(), Base.metadata.tables[name]
            for start in range(0, len(rows[name]), 5_000):
                batch = rows[name][start : start + 5_000]
                db.session.execute(insert(table), [dict(zip(keys, r, strict=True)) for r in batch])
        db.session.commit()
    counts = {name: len(r) for name, r in rows.items()}
    log(f"SQLite: rows inserted: {counts}")
    return {"seconds": time.perf_counter() - started, "counts": counts, "members": len(members),
            "signed_up": signed_up, "generated_at": now}  # fmt: skip


# PostgreSQL: the province --------------------------------------------------------------------


def data_marker(args: argparse.Namespace) -> str:
    return (
        f"sunshine bench/feed_latency: data v{DATA_VERSION}/province v"
        f"{province.DATA_VERSION}, seed {SEED}, {args.members} members, {args.tasks} tasks"
        + (" (smoke)" if args.smoke else "")
    )


def generate_postgres(app: Any, conninfo: str, args: argparse.Namespace) -> dict[str, Any]:
    """The province: wipe, migrate, areas and members (province_data), then tasks, shifts and
    signups by COPY; VACUUM (ANALYZE); the data marker last."""
    started = time.perf_counter()
    set_marker(conninfo, None)
    wipe(conninfo)
    migrate(app)
    now = datetime.now(UTC)
    with app.app_context():
        cities = province.build_areas(log, smoke.CITY if args.smoke else province.SHAPE)
        counts = province.bulk_load(conninfo, cities, args.members, log)
        with psycopg.connect(conninfo) as conn:
            members = conn.execute(
                "SELECT m.id, a.path FROM member m JOIN report_in r ON r.member_id = m.id "
                "AND r.status = 'active' JOIN area a ON a.id = r.community_id "
                "WHERE m.status = 'verified' ORDER BY m.id"
            ).fetchall()
        rows: Rows = defaultdict(list)
        rng = random.Random(SEED * 11 + args.tasks)
        signed_up = tasks_and_signups(rng, cities, args.tasks, 4, members, now, rows)
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        for name in ("task", "task_skill", "shift", "signup"):
            copy_table(cur, name, COLUMNS[name].split(), rows[name])
            log(f"PostgreSQL: COPY {name}: {len(rows[name]):,} rows")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("VACUUM (ANALYZE)")
    set_marker(conninfo, f"{data_marker(args)}; generated {now.isoformat()}")
    counts |= {name: len(rows[name]) for name in ("task", "task_skill", "shift", "signup")}
    return {"seconds": time.perf_counter() - started, "counts": counts, "members": len(members),
            "signed_up": signed_up, "generated_at": now}  # fmt: skip


def reusable(conninfo: str, args: argparse.Namespace) -> datetime | None:
    """When the database holds this shape of data generated less than a day ago: then."""
    marker = current_marker(conninfo) or ""
    prefix = data_marker(args) + "; generated "
    if not marker.startswith(prefix):
        log(f"--reuse: no matching data (found {marker!r})")
        return None
    generated = datetime.fromisoformat(marker[len(prefix) :])
    if datetime.now(UTC) - generated > timedelta(days=1):
        log(f"--reuse: data generated {generated:%Y-%m-%d %H:%M} UTC is over a day old")
        return None
    return generated


# The members measured ------------------------------------------------------------------------


@dataclass
class Subject:
    """A member whose feed is measured."""

    label: str
    member_id: int
    community: str  # street and community names
    community_members: int  # members reported in there
    skills: int
    live_signups: int
    headers: dict[str, str] = field(default_factory=dict)


ELIGIBLE = (
    "SELECT m.id FROM member m JOIN report_in r ON r.member_id = m.id AND r.status = 'active' "
    "JOIN account acc ON acc.id = m.account_id AND acc.status = 'active' "
    "WHERE m.status = 'verified'"
)
PICKS = [  # label, condition added to ELIGIBLE: the first such member (by id) is measured
    (
        "busiest urban community",
        "r.community_id = (SELECT r2.community_id FROM report_in r2 JOIN area a "
        "ON a.id = r2.community_id WHERE r2.status = 'active' AND a.kind_label = '社区' "
        "GROUP BY r2.community_id ORDER BY count(*) DESC, r2.community_id LIMIT 1)",
    ),
    (
        "village (村 of a 乡)",
        "r.community_id IN (SELECT a.id FROM area a JOIN area s ON s.id = a.parent_id "
        "WHERE a.kind_label = '村' AND s.kind_label = '乡')",
    ),
    (
        "with skills and live signups",
        "(SELECT count(*) FROM member_skill ms WHERE ms.member_id = m.id) >= 2 AND EXISTS "
        "(SELECT 1 FROM signup g WHERE g.member_id = m.id "
        "AND g.status IN ('confirmed', 'waitlisted'))",
    ),
]
ABOUT = text(
    "SELECT m.account_id, s.name || ' ' || a.name, "
    "(SELECT count(*) FROM report_in r2 WHERE r2.community_id = a.id AND r2.status = 'active'), "
    "(SELECT count(*) FROM member_skill ms WHERE ms.member_id = m.id), "
    "(SELECT count(*) FROM signup g WHERE g.member_id = m.id "
    "AND g.status IN ('confirmed', 'waitlisted')) "
    "FROM member m JOIN report_in r ON r.member_id = m.id AND r.status = 'active' "
    "JOIN area a ON a.id = r.community_id JOIN area s ON s.id = a.parent_id WHERE m.id = :id"
)


def pick_subjects(app: Any) -> list[Subject]:
    """The members of PICKS, each with a bearer token written straight into ``auth_token`` (as
    ``tests.builders.token_for`` does)."""
    subjects = []
    with app.app_context():
        for label, condition in PICKS:
            member_id = db.session.scalar(text(f"{ELIGIBLE} AND {condition} ORDER BY m.id LIMIT 1"))
            account_id, *about = db.session.execute(ABOUT, {"id": member_id}).one()
            subjects.append(Subject(label, member_id, *about, headers=token_for(account_id)))
        db.session.commit()
    return subjects


# Measuring -----------------------------------------------------------------------------------


@dataclass
class Round:
    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)
    sql_counts: list[int] = field(default_factory=list)
    sql_seconds: list[float] = field(default_factory=list)
    backend_cpu: float = math.nan
    gc_seconds: float = 0.0  # in Python's cyclic garbage collector during the timed requests
    gc_gen2: int = 0  # full (generation 2) collections among them
    probe_ms: float = math.nan  # cpu_probe() before and after the round, the slower
    other_cpu: float = math.nan
    rows_on_page: int = 0
    note: str = ""


@dataclass
class Case:
    subject: Subject
    request: str
    params: dict[str, Any]
    rounds: list[Round] = field(default_factory=list)
    candidate_sql: tuple[str, Any] | None = None
    candidates: int | None = None
    candidate_fetch_s: float = math.nan
    statements: list[tuple[str, Any, float]] = field(default_factory=list)

    @property
    def name(self) -> str:
        return f"{self.subject.label}: {self.request}"

    @property
    def path(self) -> str:
        return "/api/v1/me/feed?" + urlencode(self.params)

    def quietest(self) -> Round:
        """The round with the least interference: the fastest CPU probe (host contention),
        then the least CPU used by other processes of this machine."""
        return min(
            self.rounds,
            key=lambda r: (
                round(r.probe_ms / 5) if not math.isnan(r.probe_ms) else math.inf,
                r.other_cpu if not math.isnan(r.other_cpu) else math.inf,
            ),
        )


def cpu_probe() -> float:
    """Milliseconds for a fixed pure-Python loop: the machine is shared, and a neighbour's load
    on the host slows this VM without showing in /proc/stat; ~25 ms when the CPU is ours."""
    best = math.inf
    for _ in range(3):
        t = time.perf_counter()
        sum(range(1_000_000))
        best = min(best, time.perf_counter() - t)
    return best * 1000


class GcWatch:
    """Time spent in Python's cyclic garbage collector (gc.callbacks), and full collections."""

    def __init__(self) -> None:
        self.seconds, self.gen2, self._started = 0.0, 0, 0.0

    def install(self) -> None:
        if self._callback not in gc.callbacks:
            gc.callbacks.append(self._callback)

    def reset(self) -> None:
        self.seconds, self.gen2 = 0.0, 0

    def _callback(self, phase: str, info: dict[str, int]) -> None:
        if phase == "start":
            self._started = time.perf_counter()
            return
        self.seconds += time.perf_counter() - self._started
        self.gen2 += info["generation"] == 2


GC = GcWatch()


def is_candidate_query(statement: str) -> bool:
    return "shift.scope_path =" in statement and "UNION ALL" in statement


def get(client: Any, case: Case, sql_log: SqlLog, into: Round | None = None) -> None:
    sql_log.statements.clear()
    cpu = time.thread_time()
    t = time.perf_counter()
    response = client.get(case.path, headers=case.subject.headers)
    elapsed = time.perf_counter() - t
    cpu = time.thread_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{case.name}: GET {case.path} answered {response.status_code}")
    candidates = [(s, p) for s, p, _ in sql_log.statements if is_candidate_query(s)]
    if len(candidates) != 1:
        raise SystemExit(f"{case.name}: {len(candidates)} candidate queries in one request")
    case.candidate_sql = candidates[0]
    case.statements = list(sql_log.statements)
    if into is not None:
        into.latencies.append(elapsed)
        into.cpu.append(cpu)
        into.sql_counts.append(len(sql_log.statements))
        into.sql_seconds.append(sum(s[2] for s in sql_log.statements))
        into.rows_on_page = len(response.json["items"])


def measure(
    client: Any, case: Case, sql_log: SqlLog, args: argparse.Namespace, conninfo: str | None
) -> Round:
    for _ in range(args.warmup):
        get(client, case, sql_log)
    pids = backend_pids(conninfo) if conninfo else []
    result = Round()
    probe = cpu_probe()
    before = snapshot(pids)
    started = time.perf_counter()
    GC.reset()
    for i in range(args.reps):
        get(client, case, sql_log, result)
        if time.perf_counter() - started > MAX_SECONDS_PER_CASE and i + 1 < args.reps:
            result.note = f"stopped after {i + 1} requests ({MAX_SECONDS_PER_CASE:.0f}s cap)"
            break
    result.gc_seconds, result.gc_gen2 = GC.seconds, GC.gen2
    after = snapshot(pids)
    result.probe_ms = max(probe, cpu_probe())
    result.other_cpu = other_cpu_share(before, after)
    if conninfo:
        ticks = os.sysconf("SC_CLK_TCK")
        result.backend_cpu = (after[3] - before[3]) / ticks / len(result.latencies)
    case.rounds.append(result)
    return result


def run_candidates(app: Any, case: Case, runs: int = 7) -> None:
    """Rows the request's candidate query returns, and its median time to execute and fetch
    them all (run again with its parameters through the app's engine, after one warm-up):
    sqlite3 steps through the rows in fetchall, not in execute, so the SQL wait of a request
    misses most of it there."""
    assert case.candidate_sql is not None
    statement, params = case.candidate_sql
    times = []
    with app.app_context():
        for _ in range(runs + 1):
            t = time.perf_counter()
            rows = db.session.connection().exec_driver_sql(statement, params).fetchall()
            times.append(time.perf_counter() - t)
            db.session.rollback()
    case.candidates = len(rows)
    case.candidate_fetch_s = percentile(times[1:], 50)


def breakdown(statements: list[tuple[str, Any, float]]) -> list[tuple[str, int, float]]:
    """(what, statements, ms) of one request, grouped by the table each statement reads."""

    def label(statement: str, table: str) -> str:
        if is_candidate_query(statement):
            return "shift ⨝ task (the candidate query)"
        if table == "shift" and "JOIN signup" in statement:
            return "shift ⨝ signup (the member's live signups)"
        return "shift (the page's shifts)" if table == "shift" else table

    return by_table(statements, label)


def run_backend(
    backend: str, app: Any, conninfo: str | None, args: argparse.Namespace
) -> dict[str, Any]:
    """Pick the members and time their feeds, ``args.rounds`` times over."""
    subjects = pick_subjects(app)
    with app.app_context():
        category_id, category_name = catalogue()[1][0]
    log(f"{backend}: members " + ", ".join(f"{s.label} #{s.member_id}" for s in subjects))
    sql_log = SqlLog()
    with app.app_context():
        sql_log.attach(db.engine)
    cases = []
    for s in subjects:
        cases += [
            Case(s, "first page", {"limit": 20}),
            Case(
                s,
                f"category_id={category_id} ({category_name})",
                {"limit": 20, "category_id": category_id},
            ),
            Case(s, "kind=post", {"limit": 20, "kind": "post"}),
        ]
    client = app.test_client()
    for n in range(1, args.rounds + 1):
        for c in cases:
            log(f"{backend} round {n}/{args.rounds}: {c.name} ({args.reps}×, after {args.warmup})")
            measure(client, c, sql_log, args, conninfo)
    for c in cases:
        run_candidates(app, c)
    result: dict[str, Any] = {"subjects": subjects, "cases": cases}
    if conninfo:
        result["plans"] = {
            c.name: explain(conninfo, *c.candidate_sql)
            for c in cases
            if c.request == "first page" and c.candidate_sql
        }
        if args.history_months:
            result["history"] = history(app, client, sql_log, conninfo, cases, args)
    else:
        statement, params = cases[0].candidate_sql  # type: ignore[misc]
        with app.app_context():
            plan = db.session.connection().exec_driver_sql(
                "EXPLAIN QUERY PLAN " + statement, params
            )
            result["plans"] = {cases[0].name: "\n".join(row[-1] for row in plan)}
            db.session.rollback()
    return result


HISTORY = (  # every open shift once a month back, %(months)s times, still open: nothing closes it
    "INSERT INTO shift (id, task_id, scope_path, task_status, task_kind, task_category_id, "
    "task_area_path, starts_at, ends_at, capacity, signup_deadline, status, confirmed_count, "
    "created_at) "
    "SELECT s.id + k * %(base)s, s.task_id, s.scope_path, s.task_status, s.task_kind, "
    "s.task_category_id, s.task_area_path, "
    "s.starts_at - k * interval '30 days', s.ends_at - k * interval '30 days', s.capacity, "
    "s.signup_deadline - k * interval '30 days', 'open', s.confirmed_count, "
    "s.created_at - k * interval '30 days' "
    "FROM shift s CROSS JOIN generate_series(1, %(months)s) k WHERE s.status = 'open'"
)


def history(
    app: Any,
    client: Any,
    sql_log: SqlLog,
    conninfo: str,
    cases: list[Case],
    args: argparse.Namespace,
) -> dict[str, Any]:
    """The first pages again, with ``args.history_months`` months of past shifts committed
    (each open shift copied once a month back, on its own task: the feed reaches tasks only
    from the shifts it finds), then the past shifts deleted and the table reindexed. The data
    marker is cleared meanwhile, so that an interrupted run is not reused."""
    marker = current_marker(conninfo)
    set_marker(conninfo, None)
    cases = [Case(c.subject, c.request, c.params) for c in cases if c.request == "first page"]
    with psycopg.connect(conninfo, autocommit=True) as conn:
        base = conn.execute("SELECT max(id) FROM shift").fetchone()[0]  # type: ignore[index]
        try:
            started = time.perf_counter()
            with conn.transaction():
                added = conn.execute(
                    HISTORY, {"base": base, "months": args.history_months}
                ).rowcount
            conn.execute("VACUUM (ANALYZE) shift")
            log(f"PostgreSQL: {added:,} past shifts added ({time.perf_counter() - started:.0f}s)")
            for c in cases:
                log(f"PostgreSQL with history: {c.name}")
                measure(client, c, sql_log, args, conninfo)
                run_candidates(app, c)
            plan = explain(conninfo, *cases[0].candidate_sql)  # type: ignore[misc]
        finally:
            conn.execute("DELETE FROM shift WHERE id > %s", (base,))
            conn.execute("REINDEX TABLE shift")  # else its indexes keep the deleted rows' space
            conn.execute("VACUUM (ANALYZE) shift")
            set_marker(conninfo, marker)
    return {"cases": cases, "added": added, "plan": plan}


# Report --------------------------------------------------------------------------------------


def table(cases: list[Case]) -> str:
    rows = [
        "| Member: request | Candidates | Rows | n | p50 (ms) | p95 (ms) | max (ms) "
        "| App CPU p50 (ms) | DB CPU / req (ms) | SQL stmts / req | SQL wait p50 (ms) "
        "| Candidate query alone (ms) | GC / req (ms) | Full GCs | Other CPU | CPU probe (ms) "
        "| p95 of each round (ms) |",
        "|---|" + "---:|" * 16,
    ]
    for c in cases:
        r = c.quietest()
        other = "—" if math.isnan(r.other_cpu) else f"{r.other_cpu:.0%}"
        db_cpu = "—" if math.isnan(r.backend_cpu) else f"{r.backend_cpu * 1000:.1f}"
        rows.append(
            f"| {c.name} | {c.candidates if c.candidates is not None else '—'} "
            f"| {r.rows_on_page} | {len(r.latencies)} "
            f"| {ms(r.latencies, 50)} | {ms(r.latencies, 95)} | {max(r.latencies) * 1000:.1f} "
            f"| {ms(r.cpu, 50)} | {db_cpu} "
            f"| {percentile([float(n) for n in r.sql_counts], 50):.0f} "
            f"| {ms(r.sql_seconds, 50)} | {c.candidate_fetch_s * 1000:.1f} "
            f"| {r.gc_seconds / len(r.latencies) * 1000:.1f} | {r.gc_gen2} | {other} "
            f"| {r.probe_ms:.0f} | {' / '.join(ms(r.latencies, 95) for r in c.rounds)} |"
        )
    return "\n".join(rows)


def generation_line(g: dict[str, Any]) -> str:
    counts = ", ".join(f"{t} {n:,}" for t, n in g["counts"].items())
    return (
        f"Data generated in {g['seconds']:.0f} s: {counts}. {g['members']:,} verified members "
        f"with an active report-in, {g['signed_up']:,} of them with a live signup; shifts "
        f"start 3 h to 30 days after {g['generated_at']:%Y-%m-%d %H:%M} UTC."
    )


def report(title: str, result: dict[str, Any], generation: dict[str, Any] | None) -> None:
    cases: list[Case] = result["cases"]
    print(f"\n### {title}\n")
    if generation:
        print(generation_line(generation) + "\n")
    print("| Member | id | Community | Members reported there | Skills | Live signups |")
    print("|---|---:|---|---:|---:|---:|")
    for s in result["subjects"]:
        print(
            f"| {s.label} | {s.member_id} | {s.community} | {s.community_members:,} "
            f"| {s.skills} | {s.live_signups} |"
        )
    print("\n" + table(cases))
    for c in cases:
        for i, r in enumerate(c.rounds):
            if r.note:
                print(f"\n- {c.name}, round {i + 1}: {r.note}")
    worst = max(percentile(c.quietest().latencies, 95) for c in cases) * 1000
    print(
        f"\nTarget p95 ≤ {TARGET_MS:.0f} ms: worst p95 {worst:.1f} ms → "
        + ("met" if worst <= TARGET_MS else "**NOT met**")
        + "."
    )
    print(f"\nStatements of one request ({cases[0].name}), by the table they read:\n")
    print("| Reads | Statements | SQL wait (ms) |\n|---|---:|---:|")
    for what, n, wait in breakdown(cases[0].statements):
        print(f"| {what} | {n} | {wait:.2f} |")
    statement, params = cases[0].candidate_sql  # type: ignore[misc]
    if isinstance(params, dict):  # psycopg's named parameters; sqlite3's are positional
        statement = inline(statement, params)
    print(f"\nCandidate query of {cases[0].name} (captured):\n\n```sql\n{statement}\n```")
    for name, plan in result["plans"].items():
        print(f"\nPlan of the candidate query, {name}:\n\n```\n{plan}\n```")
    if "history" in result:
        h = result["history"]
        print(f"\nWith {h['added']:,} past shifts added (all still open):\n\n" + table(h["cases"]))
        print(f"\nPlan of its candidate query then:\n\n```\n{h['plan']}\n```")


# Main ----------------------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"default {DEFAULT_URL}")
    parser.add_argument("--only", choices=("sqlite", "postgres"), help="one database only")
    parser.add_argument("--members", type=int, default=1_000_000, help="province members")
    parser.add_argument("--tasks", type=int, default=40_000, help="province published tasks")
    parser.add_argument("--xiaoyi-members", type=int, default=15_000)
    parser.add_argument("--xiaoyi-tasks", type=int, default=2_000)
    parser.add_argument("--reuse", action="store_true", help="keep matching province data")
    parser.add_argument("--keep-sqlite", action="store_true", help="keep the SQLite file")
    parser.add_argument(
        "--history-months",
        type=int,
        default=11,
        help="PostgreSQL: also time the first pages with N months of past open shifts; 0: no",
    )
    parser.add_argument("--reps", type=int, default=60, help="timed requests per case")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per case")
    parser.add_argument("--rounds", type=int, default=2, help="measure every case N times")
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(
        args,
        xiaoyi_members=200,
        xiaoyi_tasks=30,
        members=1_000,
        tasks=200,
        reuse=False,
        history_months=1,
        reps=5,
        warmup=1,
        rounds=1,
    )
    args.database_url = smoke.database_url(args, DEFAULT_URL)
    if (args.reps < 20 and not args.smoke) or args.rounds < 1:
        parser.error("--reps must be at least 20 (for a p95), --rounds at least 1")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    GC.install()
    results: dict[str, Any] = {}
    generations: dict[str, Any] = {}
    conninfo = None
    if args.only != "sqlite":
        ensure_postgres(args.database_url, allow_any=False)  # 127.0.0.1, name with "bench"
        conninfo = conninfo_of(args.database_url)

    if args.only != "postgres":
        tmp = tempfile.mkdtemp(prefix="sunshine-feed-")
        try:
            path = Path(tmp) / "feed.sqlite3"
            log(f"SQLite: generating Xiaoyi in {path}")
            app = make_app(f"sqlite:///{path}")
            generations["sqlite"] = generate_sqlite(app, args)
            results["sqlite"] = run_backend("SQLite", app, None, args)
            with app.app_context():
                db.engine.dispose()
        finally:
            if not args.keep_sqlite:
                shutil.rmtree(tmp, ignore_errors=True)

    if conninfo:
        app = make_app(args.database_url)
        generated = reusable(conninfo, args) if args.reuse else None
        if generated is None:
            generations["postgres"] = generate_postgres(app, conninfo, args)
        else:
            log(f"--reuse: keeping the data generated {generated:%Y-%m-%d %H:%M} UTC")
            migrate(app)  # migrations added since then
        results["postgres"] = run_backend("PostgreSQL", app, conninfo, args)

    print("\n## Member feed latency (GET /api/v1/me/feed)\n")
    print("\n".join(machine_facts(conninfo)))
    print(
        f"\nIn-process (Flask test client of create_app() + gc.freeze(), as wsgi.py): "
        f"{args.reps} timed requests per row after {args.warmup} untimed ones, in "
        f"{args.rounds} round(s); each row shows its quietest round (fastest CPU probe, then "
        "least CPU used by other processes). Candidates: rows of the candidate query (at most "
        "feed.MAX_CANDIDATES = 500). App CPU: this thread's CPU per request (on SQLite it "
        "includes the database work); DB CPU: the PostgreSQL backend's; SQL wait: time inside "
        "cursor.execute (on SQLite most of a query's work happens later, in fetchall); "
        "candidate query alone: median time to run it again and fetch its rows."
    )
    if "sqlite" in results:
        report("SQLite, Xiaoyi scale", results["sqlite"], generations.get("sqlite"))
    if "postgres" in results:
        report("PostgreSQL, province scale", results["postgres"], generations.get("postgres"))
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
