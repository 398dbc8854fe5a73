"""Org-admin member listing at province scale on PostgreSQL (issue target: first page ≤ 100 ms).

One command, bounded in time, talking only to PostgreSQL on 127.0.0.1 and to the fake WeChat
server it starts on 127.0.0.1:

1. creates the database if it is missing, drops and recreates its public schema and migrates
   it (``flask_migrate.upgrade()``), unless ``--reuse`` finds data of the same shape there;
2. builds a province (``bench/_lib/province.py``): 11 cities made by ``sunshine.demo.build_city``
   (3,355 communities, 2,244 work units) plus a 12th, just onboarded city with no members, then
   ``--members`` accounts, roster entries and members (90 % verified, 5 % pending, 2 % rejected,
   2 % deactivated), ~70 % of them with an active report-in, loaded with COPY; VACUUM ANALYZE;
3. gives org_admin grants (``sunshine.access.service.create_grant``) to one account on 汾阳市,
   to one on 汾阳市 and 文水县, and to one on the empty city, plus sys_admin to a fourth, and
   logs them in through ``POST /api/v1/auth/login`` with the fake WeChat (Flask test client);
4. times ``GET /api/v1/members?limit=20`` (first page; filtered by status, street, community,
   unit, name; a page ``--deep-pages`` deep; the two-city admin's and the empty city's first
   page), ``--reps`` times each after a warm-up, in ``--rounds`` rounds, and prints Markdown:
   per listing the round in which other processes used the least CPU (p50/p95/max, CPU of this
   process and of the database backend, SQL statements and their time, matching rows), the
   statements of one first-page request by table, EXPLAIN (ANALYZE, BUFFERS) of the listing SQL
   each request ran (captured from the request, with its parameters), and the evidence for
   the changes it suggests (measured here without touching the app: an eager-loading variant
   of the page built in-process, and plans of rewritten SQL or under an index created inside
   a transaction that is rolled back).

    .venv/bin/python bench/member_listing.py            # generate (~2-3 min) and measure
    .venv/bin/python bench/member_listing.py --reuse    # keep the data if it is already there

The database is wiped unless ``--reuse`` finds matching data; its name must contain "bench".
``--smoke``: 1,000 members in cities of 22 communities (``_lib.smoke.CITY``), 3 requests
per listing after 1, in 2 rounds, 2 pages deep, on ``sunshine_bench_smoke`` by default.
Latencies are in-process (Flask test client, no HTTP server or network): request parsing,
authentication, the queries and the JSON serialisation, with warm caches.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import re
import sys
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlencode

import psycopg
from _lib import province, smoke
from _lib.app import fake_wechat, login, make_app
from _lib.cpu import backend_pids, other_cpu_share, snapshot
from _lib.databases import (
    SqlLog,
    by_table,
    conninfo_of,
    current_marker,
    ensure_postgres,
    explain,
    inline,
    migrate,
    set_marker,
    wipe,
)
from _lib.report import SETTINGS, log, machine_facts, ms, percentile
from sqlalchemy import event, func, or_, select, text
from sqlalchemy.dialects import postgresql
from sqlalchemy.orm import selectinload

from sunshine.access import service as access
from sunshine.access.listing import scoped_query
from sunshine.access.models import Role
from sunshine.access.permissions import Actor, Permission, active_grants
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.members import views
from sunshine.members.models import Member, MemberStatus
from sunshine.members.schemas import MemberPage
from sunshine.members.views import member_query
from sunshine.org.models import Area, AreaLevel, WorkUnit
from sunshine.pagination import CursorPage, cursor_page
from sunshine.reportin.models import ReportIn, ReportInStatus

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_bench_big"
ADMIN_CITY, SECOND_CITY, EMPTY_CITY = "汾阳市", "文水县", "中阳县"
ADMIN_OPENID = "bench-org-fenyang"
TWO_CITY_OPENID = "bench-org-fenyang-wenshui"
EMPTY_CITY_OPENID = "bench-org-zhongyang"
SYS_OPENID = "bench-sys"
MAX_SECONDS_PER_CASE = 45.0  # per round: a listing slower than this gets fewer repetitions


# Database ------------------------------------------------------------------------------------


def data_marker(members: int, small: bool) -> str:
    return (
        f"sunshine bench/member_listing: data v{province.DATA_VERSION}, "
        f"seed {province.SEED}, {members} members" + (" (smoke)" if small else "")
    )


def generate(app: Any, conninfo: str, members: int, small: bool) -> dict[str, Any]:
    started = time.perf_counter()
    set_marker(conninfo, None)
    wipe(conninfo)
    migrate(app)
    log(f"schema migrated ({time.perf_counter() - started:.1f}s)")
    t = time.perf_counter()
    with app.app_context():
        cities = province.build_areas(log, smoke.CITY if small else province.SHAPE)
        areas_s = time.perf_counter() - t
        t = time.perf_counter()
        counts = province.bulk_load(conninfo, cities, members, log)
        bulk_s = time.perf_counter() - t
    t = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("VACUUM (ANALYZE)")
    vacuum_s = time.perf_counter() - t
    log(f"VACUUM (ANALYZE) ({vacuum_s:.0f}s)")
    set_marker(conninfo, data_marker(members, small))
    return {
        "areas_units_s": areas_s,
        "bulk_s": bulk_s,
        "vacuum_s": vacuum_s,
        "total_s": time.perf_counter() - started,
        "counts": counts,
    }


def ensure_admins(app: Any) -> None:
    """The bench's administrators and their grants (created once, kept with the data)."""
    with app.app_context():
        city = {
            name: db.session.scalar(
                select(Area).where(Area.name == name, Area.level == AreaLevel.CITY)
            )
            for name in (ADMIN_CITY, SECOND_CITY, EMPTY_CITY)
        }
        wanted = [
            (ADMIN_OPENID, Role.ORG_ADMIN, [ADMIN_CITY]),
            (TWO_CITY_OPENID, Role.ORG_ADMIN, [ADMIN_CITY, SECOND_CITY]),
            (EMPTY_CITY_OPENID, Role.ORG_ADMIN, [EMPTY_CITY]),
            (SYS_OPENID, Role.SYS_ADMIN, [None]),
        ]
        for openid, role, names in wanted:
            if db.session.scalar(select(Account.id).where(Account.openid == openid)):
                continue
            account = Account(openid=openid)
            db.session.add(account)
            db.session.flush()
            for name in names:
                access.create_grant(
                    actor=None,
                    account_id=account.id,
                    role=role,
                    area_id=city[name].id if name else None,
                )
        db.session.commit()


# Measuring -----------------------------------------------------------------------------------


@dataclass
class Round:
    """One round of one listing: per-request figures in seconds."""

    latencies: list[float] = field(default_factory=list)
    cpu: list[float] = field(default_factory=list)  # this thread's CPU time per request
    sql_counts: list[int] = field(default_factory=list)
    sql_seconds: list[float] = field(default_factory=list)
    backend_cpu: float = math.nan  # the database backends' CPU per request
    other_cpu: float = math.nan  # share of all CPUs used by unrelated processes meanwhile
    rows_on_page: int = 0
    note: str = ""


@dataclass
class Case:
    name: str
    token: str
    params: dict[str, Any]
    filters: dict[str, Any]  # query_members keywords, for the row count
    openid: str
    rounds: list[Round] = field(default_factory=list)
    matching: int | None = None
    listing_sql: tuple[str, Any] | None = None

    def quietest(self) -> Round:
        return min(
            self.rounds, key=lambda r: r.other_cpu if not math.isnan(r.other_cpu) else math.inf
        )


def is_listing(statement: str) -> bool:
    return statement.lstrip().startswith("SELECT member.id") and "LIMIT" in statement


def get(
    client: Any, case: Case, sql_log: SqlLog, into: Round | None = None
) -> tuple[float, dict[str, Any]]:
    """One request; its figures go to ``into`` when given."""
    path = "/api/v1/members?" + urlencode(case.params)
    sql_log.statements.clear()
    cpu = time.thread_time()
    t = time.perf_counter()
    response = client.get(path, headers={"Authorization": f"Bearer {case.token}"})
    elapsed = time.perf_counter() - t
    cpu = time.thread_time() - cpu
    if response.status_code != 200:
        raise SystemExit(f"{case.name}: GET {path} answered {response.status_code} {response.json}")
    body: dict[str, Any] = response.json
    listing = [(s, p) for s, p, _ in sql_log.statements if is_listing(s)]
    if listing:
        case.listing_sql = listing[-1]
    if into is not None:
        into.latencies.append(elapsed)
        into.cpu.append(cpu)
        into.sql_counts.append(len(sql_log.statements))
        into.sql_seconds.append(sum(s[2] for s in sql_log.statements))
        into.rows_on_page = len(body["items"])
    return elapsed, body


def measure(
    client: Any, case: Case, sql_log: SqlLog, reps: int, warmup: int, conninfo: str
) -> Round:
    for _ in range(warmup):
        get(client, case, sql_log)
    pids = backend_pids(conninfo)
    result = Round()
    before = snapshot(pids)
    started = time.perf_counter()
    for i in range(reps):
        get(client, case, sql_log, result)
        if time.perf_counter() - started > MAX_SECONDS_PER_CASE and i + 1 < reps:
            result.note = f"stopped after {i + 1} requests ({MAX_SECONDS_PER_CASE:.0f}s cap)"
            break
    after = snapshot(pids)
    result.other_cpu = other_cpu_share(before, after)
    ticks = os.sysconf("SC_CLK_TCK")
    result.backend_cpu = (after[3] - before[3]) / ticks / len(result.latencies)
    case.rounds.append(result)
    return result


def actor_for(openid: str) -> Any:
    account = db.session.scalar(select(Account).where(Account.openid == openid))
    return Actor(account=account, grants=active_grants(account.id))


def pick_targets(app: Any) -> dict[str, Any]:
    """The street, community, unit and name the filtered listings use (in 汾阳市)."""
    with app.app_context():
        city = db.session.scalar(
            select(Area).where(Area.name == ADMIN_CITY, Area.level == AreaLevel.CITY)
        )
        street = db.session.scalar(
            select(Area).where(Area.parent_id == city.id).order_by(Area.division_code).limit(1)
        )
        community = db.session.scalar(
            select(Area).where(Area.parent_id == street.id).order_by(Area.division_code).limit(1)
        )
        unit = db.session.scalar(
            select(WorkUnit).where(
                WorkUnit.city_id == city.id, WorkUnit.name == f"{ADMIN_CITY}人民医院"
            )
        )
        # The name of a member registered mid-way: a search for one person.
        middle = db.session.scalar(select(func.max(Member.id))) // 2
        name = db.session.scalar(
            select(Member.name)
            .where(
                Member.id <= middle,
                Member.area_path.startswith(city.path),
                Member.status == "verified",
            )
            .order_by(Member.id.desc())
            .limit(1)
        )
        return {
            "street": (street.id, street.name),
            "community": (community.id, community.name),
            "unit": (unit.id, unit.name),
            "name": name,
        }


def scoped_members(actor: Any, after_id: int | None = None, **filters: Any) -> Any:
    """The listing's rows as one query (the scope in its single-query form), for counting."""
    query = scoped_query(
        member_query(**filters),
        actor=actor,
        permission=Permission.MEMBER_LIST,
        area_path=Member.area_path,
        unit_id=Member.unit_id,
    ).order_by(Member.id.desc())
    return query if after_id is None else query.where(Member.id < after_id)


def count_matching(app: Any, case: Case) -> int:
    with app.app_context():
        query = scoped_members(actor_for(case.openid), **case.filters)
        count: int = db.session.scalar(
            select(func.count()).select_from(query.order_by(None).subquery())
        )
        return count


# Evidence for the proposed changes -----------------------------------------------------------


def execution_ms(plan: str) -> float:
    for line in plan.splitlines():
        if line.startswith("Execution Time:"):
            return float(line.split(":")[1].split()[0])
    return math.nan


def literal_sql(statement: Any) -> str:
    dialect = postgresql.dialect(paramstyle="named")  # no %% doubling: run without parameters
    return str(statement.compile(dialect=dialect, compile_kwargs={"literal_binds": True}))


def scope_with_unit_list(app: Any, openid: str) -> str:
    """The first-page SQL with the scope's ``unit_id IN (subquery)`` replaced by the literal
    list of the city's unit ids (one small query first), as a suggested scope_filter would."""
    with app.app_context():
        actor = actor_for(openid)
        clauses = []
        for grant in actor.grants:
            if grant.role != Role.ORG_ADMIN or grant.area is None:
                continue
            prefix = grant.area.path
            unit_ids = list(
                db.session.scalars(
                    select(WorkUnit.id)
                    .join(Area, WorkUnit.city_id == Area.id)
                    .where(Area.path.startswith(prefix, autoescape=True))
                )
            )
            clauses += [
                Member.area_path.startswith(prefix, autoescape=True),
                Member.unit_id.in_(unit_ids),
            ]
        query = (
            select(Member)
            .where(Member.status != MemberStatus.DEACTIVATED, or_(*clauses))
            .order_by(Member.id.desc())
            .limit(21)
        )
        return literal_sql(query)


def grant_prefixes(app: Any, openid: str) -> list[str]:
    """The area paths of an account's org_admin grants."""
    with app.app_context():
        actor = actor_for(openid)
        prefixes = [
            g.area.path for g in actor.grants if g.role == Role.ORG_ADMIN and g.area is not None
        ]
    for prefix in prefixes:
        if not re.fullmatch(r"/[0-9/]+/", prefix):
            raise ValueError(f"unexpected path {prefix!r}")
    return prefixes


def union_lateral_sql(prefixes: list[str], limit: int = 21) -> str:
    """The first page with the scope's OR split in two branches, each newest-first with its own
    LIMIT: members by area path (as now), and members by work unit, read per unit through
    ix_member_unit_id_id (LATERAL), so the unit branch costs at most units × limit rows."""
    areas = " OR ".join(f"area_path LIKE '{p}%'" for p in prefixes)
    cities = " OR ".join(f"a.path LIKE '{p}%'" for p in prefixes)
    # The paths were checked to be digits and slashes by grant_prefixes.
    return f"""SELECT * FROM member WHERE id IN (
  SELECT id FROM (
    (SELECT id FROM member WHERE status <> 'deactivated' AND ({areas})
     ORDER BY id DESC LIMIT {limit})
    UNION
    (SELECT m.id FROM work_unit wu JOIN area a ON a.id = wu.city_id
     CROSS JOIN LATERAL (
       SELECT id FROM member
       WHERE member.unit_id = wu.id AND status <> 'deactivated'
       ORDER BY id DESC LIMIT {limit}) m
     WHERE {cities}
     ORDER BY m.id DESC LIMIT {limit})
  ) page ORDER BY id DESC LIMIT {limit})
ORDER BY id DESC"""  # noqa: S608


def median_query_ms(conninfo: str, statement: str, params: Any = None, runs: int = 5) -> float:
    """Median wall time of running the statement and fetching its rows (no EXPLAIN
    instrumentation, whose per-row timing inflates long scans), after one unrecorded run."""
    times = []
    with psycopg.connect(conninfo) as conn:
        for _ in range(runs + 1):
            t = time.perf_counter()
            conn.execute(statement, params).fetchall()  # type: ignore[arg-type]
            times.append((time.perf_counter() - t) * 1000)
            conn.rollback()
    return percentile(times[1:], 50)


def page_in_process(app: Any, openid: str, eager: bool) -> tuple[float, int, str]:
    """The first page as list_members builds it plus its JSON, in one app context (as one
    request has), lazily as the app does or with eager loading. (seconds, statements, JSON)"""
    statements = 0

    def count(*_: Any) -> None:
        nonlocal statements
        statements += 1

    with app.app_context():
        engine = db.engine
        event.listen(engine, "before_cursor_execute", count)
        try:
            t = time.perf_counter()
            actor = actor_for(openid)
            query = scoped_members(actor)
            if eager:
                query = query.options(
                    selectinload(Member.account),
                    selectinload(Member.unit).selectinload(WorkUnit.city),
                    selectinload(Member.party_org),
                    selectinload(Member.residence),
                    selectinload(Member.skills),
                )
            page = cursor_page(query, Member.id, 20)
            ids = [m.id for m in page.items]
            if eager:  # views.open_report_ins, with the communities loaded in one go
                report_ins: dict[int, Any] = {}
                for row in db.session.scalars(
                    select(ReportIn)
                    .options(selectinload(ReportIn.community))
                    .where(
                        ReportIn.member_id.in_(set(ids)),
                        ReportIn.status.in_([ReportInStatus.ACTIVE, ReportInStatus.PENDING]),
                    )
                ):
                    if row.member_id not in report_ins or row.status == ReportInStatus.ACTIVE:
                        report_ins[row.member_id] = row
            else:
                report_ins = views.open_report_ins(ids)
            items = [views.view(actor, m, report_ins) for m in page.items]
            body = app.json.dumps(MemberPage().dump(CursorPage(items, page.next_cursor)))
            elapsed = time.perf_counter() - t
        finally:
            event.remove(engine, "before_cursor_execute", count)
    return elapsed, statements, body


def eager_loading_evidence(app: Any, reps: int) -> list[str]:
    lines = []
    bodies = {}
    for eager in (False, True):
        page_in_process(app, ADMIN_OPENID, eager)  # warm-up
        runs = [page_in_process(app, ADMIN_OPENID, eager) for _ in range(reps)]
        ms = [r[0] * 1000 for r in runs]
        bodies[eager] = runs[-1][2]
        label = "eager (selectinload)" if eager else "lazy, as the app does"
        lines.append(
            f"| {label} | {runs[-1][1]} | {percentile(ms, 50):.1f} | {percentile(ms, 95):.1f} |"
        )
    same = json.loads(bodies[False]) == json.loads(bodies[True])
    return [
        "| First page of org_admin 汾阳市, built in-process | SQL statements | p50 (ms) "
        "| p95 (ms) |",
        "| --- | ---: | ---: | ---: |",
        *lines,
        "",
        f"Both variants produce {'the same' if same else 'DIFFERENT'} JSON.",
    ]


# Report --------------------------------------------------------------------------------------


def table(cases: list[Case]) -> str:
    rows = [
        "| Request | Matching members | Rows | n | p50 (ms) | p95 (ms) | max (ms) "
        "| App CPU p50 (ms) | DB CPU / req (ms) | SQL stmts / req | SQL wait p50 (ms) "
        "| Other CPU |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in cases:
        r = c.quietest()
        matching = "—" if c.matching is None else f"{c.matching:,}"
        other = "—" if math.isnan(r.other_cpu) else f"{r.other_cpu:.0%}"
        db_cpu = "—" if math.isnan(r.backend_cpu) else f"{r.backend_cpu * 1000:.1f}"
        rows.append(
            f"| {c.name} | {matching} | {r.rows_on_page} | {len(r.latencies)} "
            f"| {ms(r.latencies, 50)} | {ms(r.latencies, 95)} | {max(r.latencies) * 1000:.1f} "
            f"| {ms(r.cpu, 50)} | {db_cpu} "
            f"| {percentile([float(n) for n in r.sql_counts], 50):.0f} "
            f"| {ms(r.sql_seconds, 50)} | {other} |"
        )
    return "\n".join(rows)


def rounds_table(cases: list[Case]) -> str:
    n = max(len(c.rounds) for c in cases)
    rows = [
        "| Request | " + " | ".join(f"round {i + 1}: p50 / p95 ms (other CPU)" for i in range(n)),
        "| --- |" + " ---: |" * n,
    ]
    for c in cases:
        cells = [
            f"{ms(r.latencies, 50)} / {ms(r.latencies, 95)} ({r.other_cpu:.0%})" for r in c.rounds
        ]
        rows.append(f"| {c.name} | " + " | ".join(cells) + " |")
    return "\n".join(rows)


def breakdown(statements: list[tuple[str, Any, float]]) -> list[tuple[str, int, float]]:
    """(what, statements, ms) of one request, grouped by the table each statement reads."""

    def label(statement: str, table: str) -> str:
        if is_listing(statement):
            return "member (the listing query)"
        return "member (other)" if table == "member" else table

    return sorted(by_table(statements, label), key=lambda g: (-g[1], g[0]))


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"default {DEFAULT_URL}")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--reuse", action="store_true", help="keep matching data if present")
    parser.add_argument("--reps", type=int, default=50, help="timed requests per listing")
    parser.add_argument("--warmup", type=int, default=5, help="untimed requests per listing")
    parser.add_argument("--rounds", type=int, default=3, help="measure every listing N times")
    parser.add_argument("--deep-pages", type=int, default=50, help="pages to follow")
    parser.add_argument("--allow-any-database", action="store_true")
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(args, members=1_000, reuse=False, reps=3, warmup=1, rounds=2, deep_pages=2)
    args.database_url = smoke.database_url(args, DEFAULT_URL)
    if not 1_000 <= args.members <= 2_000_000:
        parser.error("--members must be between 1,000 and 2,000,000")
    if not 1 <= args.reps <= 500:
        parser.error("--reps must be between 1 and 500")
    if not 0 <= args.warmup <= 50:
        parser.error("--warmup must be between 0 and 50")
    if not 1 <= args.rounds <= 5:
        parser.error("--rounds must be between 1 and 5")
    if not 1 <= args.deep_pages <= 200:
        parser.error("--deep-pages must be between 1 and 200")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url
    ensure_postgres(url, args.allow_any_database)
    conninfo = conninfo_of(url)
    generation: dict[str, Any] | None = None
    with fake_wechat() as fake:
        app = make_app(url, fake=fake)
        marker = current_marker(conninfo)
        if args.reuse and marker == data_marker(args.members, args.smoke):
            log(f"--reuse: keeping the data ({marker})")
        else:
            if args.reuse:
                log(f"--reuse: no matching data (found {marker!r}); generating")
            generation = generate(app, conninfo, args.members, args.smoke)
            log(f"data generated in {generation['total_s']:.0f}s")
        ensure_admins(app)
        targets = pick_targets(app)

        sql_log = SqlLog()
        with app.app_context():
            sql_log.attach(db.engine)
        client = app.test_client()
        tokens = {
            openid: login(client, fake, openid)
            for openid in (ADMIN_OPENID, TWO_CITY_OPENID, EMPTY_CITY_OPENID, SYS_OPENID)
        }
        log("logged in through POST /api/v1/auth/login (fake WeChat)")
        sys_status = client.get(
            "/api/v1/members?limit=20", headers={"Authorization": f"Bearer {tokens[SYS_OPENID]}"}
        ).status_code

        street_id, street_name = targets["street"]
        community_id, community_name = targets["community"]
        unit_id, unit_name = targets["unit"]
        admin = f"org_admin {ADMIN_CITY}"

        def case(
            name: str, params: dict[str, Any], filters: dict[str, Any], openid: str = ADMIN_OPENID
        ) -> Case:
            return Case(name, tokens[openid], {"limit": 20, **params}, filters, openid)

        # A page deep in the listing: follow next_cursor once (timed page by page), then time
        # the page reached like the others.
        walker = case(f"{admin}: pages 1–{args.deep_pages}, walked once", {}, {})
        walk = Round()
        cursor = None
        for _ in range(args.deep_pages):
            if cursor is not None:
                walker.params["cursor"] = cursor
            _, body = get(client, walker, sql_log, walk)
            cursor = body["next_cursor"]
            if cursor is None:
                break
        walker.rounds.append(walk)
        cases = [
            case(f"{admin}: first page", {}, {}),
            case(f"{admin}: status=pending", {"status": "pending"}, {"status": "pending"}),
            case(
                f"{admin}: area_id=street ({street_name})",
                {"area_id": street_id},
                {"area_id": street_id},
            ),
            case(
                f"{admin}: area_id=community ({community_name})",
                {"area_id": community_id},
                {"area_id": community_id},
            ),
            case(f"{admin}: unit_id ({unit_name})", {"unit_id": unit_id}, {"unit_id": unit_id}),
            case(
                f"{admin}: page {args.deep_pages + 1} (cursor={cursor})",
                {"cursor": cursor},
                {"after_id": cursor},
            ),
            case(f"org_admin {ADMIN_CITY}+{SECOND_CITY}: first page", {}, {}, TWO_CITY_OPENID),
            case(
                f"org_admin {EMPTY_CITY} (onboarded, no members yet): first page",
                {},
                {},
                EMPTY_CITY_OPENID,
            ),
            case(
                f"{admin}: name=<one member's name>",
                {"name": targets["name"]},
                {"name": targets["name"]},
            ),
        ]
        for n in range(1, args.rounds + 1):
            for c in cases:
                log(f"round {n}/{args.rounds}: {c.name} ({args.reps}×, after {args.warmup})")
                measure(client, c, sql_log, args.reps, args.warmup, conninfo)
        for c in cases:
            c.matching = count_matching(app, c)
        walker.matching = cases[0].matching
        log("counted matching rows")

        with app.app_context():
            prepared = db.session.execute(
                text("SELECT statement FROM pg_prepared_statements")
            ).all()
        first = cases[0]
        get(client, first, sql_log)  # once more, to break the first page's SQL down
        first_statements = list(sql_log.statements)
        plans = {c.name: explain(conninfo, *c.listing_sql) for c in cases if c.listing_sql}

        log("evidence for the proposed changes")
        eager = eager_loading_evidence(app, args.reps)
        scopes = [
            (f"org_admin {EMPTY_CITY} (no members)", EMPTY_CITY_OPENID),
            (f"org_admin {ADMIN_CITY}", ADMIN_OPENID),
            (f"org_admin {ADMIN_CITY}+{SECOND_CITY}", TWO_CITY_OPENID),
        ]
        first_pages = {c.openid: c for c in cases if not c.filters}
        scope_rows = []
        rewritten_plans = {}
        for who, openid in scopes:
            current = first_pages[openid]
            assert current.listing_sql is not None
            rewritten = union_lateral_sql(grant_prefixes(app, openid))
            scope_rows.append(
                (
                    who,
                    current.matching,
                    median_query_ms(conninfo, *current.listing_sql),
                    median_query_ms(conninfo, scope_with_unit_list(app, openid)),
                    median_query_ms(conninfo, rewritten),
                )
            )
            rewritten_plans[who] = (rewritten, explain(conninfo, rewritten))
        name_case = cases[-1]
        assert name_case.listing_sql is not None
        # The app has had this index since migration 0003: then there is nothing to try.
        with psycopg.connect(conninfo) as conn:
            name_index = conn.execute("SELECT to_regclass('ix_member_name_id')").fetchone()
        name_index_exists = bool(name_index and name_index[0])
        create_index = "CREATE INDEX ix_member_name_id ON member (name, id)"
        name_index_plan = explain(
            conninfo, *name_case.listing_sql, setup=None if name_index_exists else create_index
        )
        facts = machine_facts(
            conninfo, tables=("member", "report_in", "account"), settings=(*SETTINGS, "lc_collate")
        )

    all_cases = [*cases[:5], walker, *cases[5:]]
    print("\n## Org-admin member listing at province scale\n")
    if generation:
        counts = generation["counts"]
        print(
            f"Data generated in {generation['total_s']:.0f} s (migration, then areas and units "
            f"through demo.build_city {generation['areas_units_s']:.0f} s, bulk rows generated "
            f"and COPYed {generation['bulk_s']:.0f} s, VACUUM ANALYZE "
            f"{generation['vacuum_s']:.0f} s): "
            + ", ".join(f"{t} {n:,}" for t, n in counts.items())
            + ".\n"
        )
    else:
        print("Data reused from an earlier run (--reuse).\n")
    print("\n".join(facts))
    print(
        f"\nIn-process latency (Flask test client) of GET /api/v1/members?limit=20: "
        f"{args.reps} timed requests per listing after {args.warmup} untimed ones, in "
        f"{args.rounds} rounds; the table shows each listing's round in which other processes "
        f"used the least CPU. App CPU: CPU time of this process's thread during the request; "
        f"DB CPU: CPU time of the database backend per request; SQL wait: wall time inside "
        f"cursor.execute. A sys_admin gets HTTP {sys_status} from this endpoint "
        f"(member.list is for unit_admin and org_admin only).\n"
    )
    print(table(all_cases))
    for c in all_cases:
        for i, r in enumerate(c.rounds):
            if r.note:
                print(f"\n- {c.name}, round {i + 1}: {r.note}")
    if args.rounds > 1:
        print("\nEvery round:\n")
        print(rounds_table(cases))
    best = first.quietest()
    p50, p95 = percentile(best.latencies, 50) * 1000, percentile(best.latencies, 95) * 1000
    print(
        f"\nTarget (first page ≤ 100 ms): p50 {p50:.1f} ms, p95 {p95:.1f} ms in the quietest "
        f"round → {'met' if p95 <= 100 else 'NOT met'} at p95, "
        f"{'met' if p50 <= 100 else 'NOT met'} at p50."
    )
    print(
        f"\nServer-side prepared listing statements on the app's connection after the run: "
        f"{sum(is_listing(p[0]) for p in prepared)} (psycopg drops its prepared statements at "
        "every ROLLBACK, which the pool issues when a request gives its connection back: each "
        "request's listing is planned with its actual parameters)."
    )
    print("\nStatements of one first-page request, by the table they read:\n")
    print("| Reads | Statements | SQL wait (ms) |\n| --- | ---: | ---: |")
    for what, n, wait in breakdown(first_statements):
        print(f"| {what} | {n} | {wait:.1f} |")
    assert first.listing_sql is not None
    statement, params = first.listing_sql
    print("\n### SQL of the first page (captured from the request, parameters inlined)\n")
    print("```sql\n" + inline(statement, params) + "\n```")
    print("\n### EXPLAIN (ANALYZE, BUFFERS) of the first page\n")
    print("```\n" + plans[first.name] + "\n```")

    print("\n### Evidence for the proposed changes (measured here; the app is unchanged)\n")
    print("1. Eager loading of the page's relations instead of lazy loads per row:\n")
    print("\n".join(eager))
    print(
        "\n2. The scope's OR split into two newest-first branches (UNION), the unit branch read "
        "per unit through ix_member_unit_id_id. Time to run the first page's listing query and "
        "fetch its rows (psycopg on 127.0.0.1, median of 5 runs after a warm-up): as the app "
        "sends it now, with the city's unit ids as a literal list instead of the subquery, and "
        "rewritten:\n"
    )
    print(
        "| Scope | Matching members | Now (ms) | Unit ids as a list (ms) "
        "| UNION + LATERAL per unit (ms) |\n| --- | ---: | ---: | ---: | ---: |"
    )
    for who, matching, now, as_list, rewritten_ms in scope_rows:
        print(f"| {who} | {matching:,} | {now:.1f} | {as_list:.1f} | {rewritten_ms:.1f} |")
    for who, (rewritten, plan) in rewritten_plans.items():
        if who.startswith(f"org_admin {ADMIN_CITY}+"):
            continue
        print(f"\n#### Rewritten first page, {who}\n")
        print("```sql\n" + rewritten + "\n```\n")
        print("```\n" + plan + "\n```")
    if name_index_exists:
        print(
            f"\n3. The name filter's index `ix_member_name_id` (name, id) is in the schema: "
            f"{execution_ms(plans[name_case.name]):.1f} ms, and again "
            f"{execution_ms(name_index_plan):.1f} ms:\n"
        )
    else:
        print(
            f"\n3. An index for the name filter: {execution_ms(plans[name_case.name]):.1f} ms "
            f"now, {execution_ms(name_index_plan):.1f} ms with "
            "`CREATE INDEX ix_member_name_id ON member (name, id)` (created in a transaction "
            "that was rolled back):\n"
        )
    print("```\n" + name_index_plan + "\n```")
    for name, plan in plans.items():
        if name != first.name:
            print(f"\n### EXPLAIN (ANALYZE, BUFFERS): {name}\n")
            print("```\n" + plan + "\n```")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
