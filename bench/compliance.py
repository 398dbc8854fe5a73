"""Compliance at province scale on PostgreSQL (issue 12: a city's aggregate ≤ 3 s, target ≤ 1 s;
a street's or a unit's drill-down ≤ 1 s; the first page of member-level compliance ≤ 200 ms).

One command, bounded in time, in-process (Flask test client of ``sunshine.create_app``, no
HTTP server), talking only to PostgreSQL on 127.0.0.1, database ``sunshine_bench_history``
(created if missing; its name must contain "bench"):

1. Data, unless ``--reuse`` finds the same shape there: the schema is wiped and migrated; a
   province (``_lib/province.py``: 11 cities, ``--members`` members, ~70 % reported in)
   and a year of service history on it (``_lib/history.py``: tasks and shifts in every
   community and street, ``--records`` service records, one confirm entry per confirmed
   record in the hours ledger plus adjust and void entries, hash-chained as the app chains
   them, the heads, unit-feedback consents, each city's year period with its requirement and
   a street's tightening), all by COPY, indexes built after the load; VACUUM (ANALYZE). The
   load's phases and sizes are kept in the database's comment, so a ``--reuse`` report
   repeats them. ``--reuse`` upgrades the schema to the app's head first (an index added by
   a later migration is then built on the loaded data).
2. In the city with the most members, accounts with grants (written into ``role_grant``,
   bearer tokens into ``auth_token``): an org_admin of the city, a street_admin of its
   biggest street, a unit_admin of its biggest work unit, a community_admin of the street's
   biggest community.
3. Each request below is timed ``--reps`` times after ``--warmup`` untimed ones, in
   ``--rounds`` rounds (median and p95; the table keeps each request's round in which other
   processes used the least CPU), with the SQL statements it ran and their time:
   ``GET /api/v1/periods/{id}/compliance?by=street|unit|party_org`` (the city's aggregate),
   ``?by=community&street_id=`` (a street's drill-down, as org_admin and as street_admin),
   ``?by=community&unit_id=``, ``?by=party_org&unit_id=`` and ``/compliance/members?unit_id=``
   (a unit's drill-down, as org_admin and as unit_admin),
   ``/compliance/members?community_id=&limit=20`` and ``?street_id=&limit=20`` (first pages
   of member-level compliance), a status filter and a sort. Then EXPLAIN (ANALYZE, BUFFERS)
   of the slowest statement of the slowest request, and of every request that misses its
   target; and the city aggregate read from its per-member rows stored in a temporary table
   (the evidence for a per-(period, member) table refreshed by a job).

``--verify-ledger`` (always with ``--smoke``) also runs the app's ``ledger.verify`` and
``rebuild_totals(repair=False)`` on the loaded data and fails on any problem.

    .venv/bin/python bench/compliance.py              # load (~30 min) and measure
    .venv/bin/python bench/compliance.py --reuse      # measure again on the loaded data

``--smoke``: 1,000 members in cities of 22 communities, 10,000 records, 2 requests per case
after 1, one round, the ledger verified, on ``sunshine_bench_smoke`` by default.
Latencies are in-process: request parsing, authentication, the queries and the JSON.
"""

from __future__ import annotations

import argparse
import json
import math
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

import psycopg
from _lib import history, province, smoke
from _lib.app import make_app, token_for
from _lib.cpu import backend_pids, other_cpu_share, snapshot
from _lib.databases import (
    SqlLog,
    conninfo_of,
    current_marker,
    ensure_postgres,
    explain,
    inline,
    migrate,
    set_marker,
    wipe,
)
from _lib.report import log, machine_facts, ms, percentile
from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory
from flask_migrate import Migrate
from sqlalchemy import func, select

from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import Ledger
from sunshine.members.models import Member
from sunshine.org.models import Area, AreaLevel, WorkUnit

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_bench_history"
MAX_SECONDS_PER_CASE = 60.0  # per round: a request slower than this gets fewer repetitions
CITY_LIMIT_S, CITY_TARGET_S, DRILL_TARGET_S, PAGE_TARGET_S = 3.0, 1.0, 1.0, 0.2
CTE = "WITH member_figures AS MATERIALIZED"  # how the app's aggregate statement starts


# Data ----------------------------------------------------------------------------------------


def data_marker(args: argparse.Namespace) -> str:
    return (
        f"sunshine bench/compliance: history v{history.DATA_VERSION}/province "
        f"v{province.DATA_VERSION}, seed {province.SEED}, {args.members} members, "
        f"{args.records} records" + (" (smoke)" if args.smoke else "")
    )


def generate(app: Any, conninfo: str, args: argparse.Namespace) -> dict[str, Any]:
    """Wipe, migrate, load the province and its history, VACUUM (ANALYZE); the data marker
    (with the load's facts) last, so that an interrupted load is never reused."""
    started, cpu = time.perf_counter(), os.times()
    set_marker(conninfo, None)
    wipe(conninfo)
    migrate(app)
    log(f"schema migrated ({time.perf_counter() - started:.0f}s)")
    t = time.perf_counter()
    with app.app_context():
        cities = province.build_areas(log, smoke.CITY if args.smoke else province.SHAPE)
        areas_s = time.perf_counter() - t
        province_counts = province.bulk_load(conninfo, cities, args.members, log)
    province_s = time.perf_counter() - t
    log(f"province loaded ({province_s:.0f}s); now the year's history")
    loaded = history.load(app, conninfo, args.records, log)
    t = time.perf_counter()
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("SET maintenance_work_mem = '1GB'")
        conn.execute("VACUUM (ANALYZE)")
    vacuum_s = time.perf_counter() - t
    log(f"VACUUM (ANALYZE) ({vacuum_s:.0f}s)")
    used = os.times()
    facts = {
        "generated": datetime.now(UTC).isoformat(timespec="seconds"),
        "total_s": round(time.perf_counter() - started),
        # CPU of this process and its children (sort), not of PostgreSQL's backends
        "cpu_s": round(sum(used[:4]) - sum(cpu[:4])),
        "province_s": round(province_s),
        "areas_s": round(areas_s),
        "history_s": {k: round(v, 1) for k, v in loaded.seconds.items()},
        "vacuum_s": round(vacuum_s),
        "counts": {**province_counts, **loaded.counts},
        "copy_text_mib": {k: round(v) for k, v in loaded.mib.items()},
        # verified members with an active report-in, by how many records they have
        "reported_by_records": services_summary(loaded.services),
    }
    set_marker(conninfo, f"{data_marker(args)}; load {json.dumps(facts, ensure_ascii=False)}")
    return facts


def services_summary(services: Counter[int]) -> dict[str, Any]:
    """How many records the verified, reported-in members have: none, and percentiles."""
    members = sum(services.values())
    ordered = sorted(services.items())

    def at(share: float) -> int:
        seen = 0
        for records, n in ordered:
            seen += n
            if seen >= share * members:
                return records
        return ordered[-1][0] if ordered else 0

    return {
        "members": members,
        "without_records": services[0],
        "p50": at(0.5),
        "p90": at(0.9),
        "p99": at(0.99),
        "max": ordered[-1][0] if ordered else 0,
    }


def reusable(conninfo: str, args: argparse.Namespace) -> dict[str, Any] | None:
    """The load's facts if the database holds data of this shape, else None."""
    marker = current_marker(conninfo) or ""
    prefix = data_marker(args) + "; load "
    if not marker.startswith(prefix):
        log(f"--reuse: no matching data (found {marker[:120]!r})")
        return None
    facts: dict[str, Any] = json.loads(marker[len(prefix) :])
    return facts


def schema_revisions(app: Any) -> tuple[str | None, str | None, bool]:
    """(the database's revision, the app's head, whether the app knows the database's
    revision: migrations renumbered since the load make a reused schema unusable)."""
    with app.app_context():
        scripts = ScriptDirectory.from_config(Migrate(app, db).get_config())
        with db.engine.connect() as conn:
            current = MigrationContext.configure(conn).get_current_revision()
    known = current is not None and current in {s.revision for s in scripts.walk_revisions()}
    return current, scripts.get_current_head(), known


def upgrade_if_behind(app: Any) -> str | None:
    """Upgrade a reused schema to the app's head migration; what was done, or None."""
    current, head, _ = schema_revisions(app)
    if current == head:
        return None
    log(f"--reuse: schema at {current}, the app's head is {head}: upgrading")
    t = time.perf_counter()
    migrate(app)
    seconds = time.perf_counter() - t
    return f"schema upgraded from {current} to {head} on the reused data ({seconds:.0f} s)"


def verify_ledger(app: Any) -> list[str]:
    """The app's own checks on the loaded ledger: every chain, every head and every
    record's credited minutes. Raises on any problem."""
    lines = []
    with app.app_context():
        for which in (Ledger.HOURS, Ledger.POINTS):
            t = time.perf_counter()
            problem = ledger.verify(which)
            if problem is not None:
                raise SystemExit(f"ledger verify: {problem}")
            seconds = time.perf_counter() - t
            lines.append(f"- `ledger.verify({which})`: every chain verified ({seconds:.0f} s)")
        t = time.perf_counter()
        differences = ledger.rebuild_totals(repair=False)
        db.session.rollback()
        if differences:
            raise SystemExit(
                f"ledger rebuild-totals: {len(differences)} differences, first {differences[0]}"
            )
        lines.append(
            f"- `ledger.rebuild_totals(repair=False)`: 0 differences between the heads, the "
            f"records' credited minutes and the entries ({time.perf_counter() - t:.0f} s)"
        )
    return lines


def shape(conninfo: str, period_id: int, city_path: str) -> list[str]:
    """The data as it is in the database: records by status, entries by kind, records per
    member, members without a service (in the year, of the measured city too)."""
    with psycopg.connect(conninfo) as conn:
        statuses = conn.execute(
            "SELECT status, count(*) FROM service_record GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        kinds = conn.execute(
            "SELECT kind, count(*) FROM hours_entry GROUP BY 1 ORDER BY 2 DESC"
        ).fetchall()
        per_member = conn.execute(
            "SELECT percentile_disc(ARRAY[0.5, 0.9, 0.99]) WITHIN GROUP (ORDER BY n), max(n), "
            "count(*) FROM (SELECT member_id, count(*) n FROM service_record "
            "WHERE status = 'confirmed' GROUP BY member_id) x"
        ).fetchone()
        members = conn.execute(
            "SELECT count(*) FILTER (WHERE m.status = 'verified'), "
            "count(*) FILTER (WHERE m.status = 'verified' AND m.area_path LIKE %(city)s), "
            "count(*) FILTER (WHERE m.status = 'verified' AND NOT EXISTS (SELECT 1 FROM "
            "service_record r WHERE r.member_id = m.id AND r.status = 'confirmed')) "
            "FROM member m",
            {"city": city_path + "%"},
        ).fetchone()
        city_records = conn.execute(
            "SELECT count(*) FROM service_record WHERE area_path LIKE %(city)s",
            {"city": city_path + "%"},
        ).fetchone()
    assert per_member is not None and members is not None and city_records is not None
    (p50, p90, p99), most, serving = per_member
    return [
        "- service records: "
        + ", ".join(f"{status} {n:,}" for status, n in statuses)
        + "; hours-ledger entries: "
        + ", ".join(f"{kind} {n:,}" for kind, n in kinds),
        f"- verified members {members[0]:,} ({members[1]:,} in the measured city, whose "
        f"communities and streets organised {city_records[0]:,} of the records); without any "
        f"confirmed service {members[2]:,} ({members[2] / members[0]:.0%}); members with one: "
        f"{serving:,}, confirmed services each p50 {p50}, p90 {p90}, p99 {p99}, max {most}",
    ]


# Who asks, and what ---------------------------------------------------------------------------


def pick_targets(app: Any, periods: dict[int, int]) -> dict[str, Any]:
    """The city with the most members, its biggest street, that street's biggest community,
    the city's biggest work unit (by verified members)."""
    with app.app_context():
        verified = Member.status == "verified"
        cities = list(db.session.scalars(select(Area).where(Area.level == AreaLevel.CITY)))

        def count(*where: Any) -> int:
            return int(
                db.session.scalar(select(func.count()).select_from(Member).where(*where)) or 0
            )

        city = max(
            cities, key=lambda c: (count(verified, Member.area_path.startswith(c.path)), -c.id)
        )
        streets = list(db.session.scalars(select(Area).where(Area.parent_id == city.id)))
        street = max(
            streets, key=lambda s: (count(verified, Member.area_path.startswith(s.path)), -s.id)
        )
        communities = list(db.session.scalars(select(Area).where(Area.parent_id == street.id)))
        community = max(
            communities, key=lambda c: (count(verified, Member.area_path == c.path), -c.id)
        )
        unit_id, unit_members = db.session.execute(
            select(Member.unit_id, func.count())
            .join(WorkUnit, WorkUnit.id == Member.unit_id)
            .where(WorkUnit.city_id == city.id, verified)
            .group_by(Member.unit_id)
            .order_by(func.count().desc(), Member.unit_id)
            .limit(1)
        ).one()
        unit = db.session.get(WorkUnit, unit_id)
        assert unit is not None
        return {
            "city": (city.id, city.name, city.path),
            "period_id": periods[city.id],
            "street": (street.id, street.name, street.path),
            "community": (community.id, community.name, community.path),
            "unit": (unit.id, unit.name),
            "members": {
                "city": count(verified, Member.area_path.startswith(city.path)),
                "street": count(verified, Member.area_path.startswith(street.path)),
                "community": count(verified, Member.area_path == community.path),
                "unit": unit_members,
            },
        }


def year_periods(app: Any) -> dict[int, int]:
    """city id -> the id of its year period of ``history.YEAR``."""
    from sunshine.audit.models import Period, PeriodKind

    with app.app_context():
        rows = db.session.execute(
            select(Period.city_id, Period.id).where(
                Period.kind == PeriodKind.YEAR,
                func.extract("year", Period.starts_on) == history.YEAR,
            )
        ).all()
        return {city_id: period_id for city_id, period_id in rows}


def admins(app: Any, targets: dict[str, Any]) -> dict[str, dict[str, str]]:
    """Accounts with the bench's grants (made once, kept with the data) and a bearer token
    each (written into auth_token): role -> Authorization header."""
    wanted = {
        "org_admin": (Role.ORG_ADMIN, {"area_id": targets["city"][0]}),
        "street_admin": (Role.STREET_ADMIN, {"area_id": targets["street"][0]}),
        "unit_admin": (Role.UNIT_ADMIN, {"unit_id": targets["unit"][0]}),
        "community_admin": (Role.COMMUNITY_ADMIN, {"area_id": targets["community"][0]}),
    }
    headers = {}
    with app.app_context():
        for name, (role, scope) in wanted.items():
            openid = f"bench-compliance-{name}"
            account = db.session.scalar(select(Account).where(Account.openid == openid))
            if account is None:
                account = Account(openid=openid)
                db.session.add(account)
                db.session.flush()
                access.create_grant(actor=None, account_id=account.id, role=role, **scope)
            headers[name] = token_for(account.id)
        db.session.commit()
    return headers


@dataclass
class Round:
    latencies: list[float] = field(default_factory=list)
    sql_counts: list[int] = field(default_factory=list)
    sql_seconds: list[float] = field(default_factory=list)
    other_cpu: float = math.nan
    rows: int = 0
    note: str = ""


@dataclass
class Case:
    name: str
    who: str
    path: str
    params: dict[str, Any]
    target_s: float
    kind: str  # "city", "drill", "page"
    rounds: list[Round] = field(default_factory=list)
    slowest_sql: tuple[str, Any, float] | None = None
    settings: list[str] = field(default_factory=list)  # SET statements the request ran
    aggregate_sql: tuple[str, Any] | None = None  # its per-member CTE statement, if any
    body: dict[str, Any] | None = None

    def url(self, period_id: int) -> str:
        return f"/api/v1/periods/{period_id}/{self.path}?" + urlencode(self.params)

    def quietest(self) -> Round:
        return min(
            self.rounds, key=lambda r: r.other_cpu if not math.isnan(r.other_cpu) else math.inf
        )


def cases(targets: dict[str, Any]) -> list[Case]:
    street_id, street_name, _ = targets["street"]
    community_id, community_name, _ = targets["community"]
    unit_id, unit_name = targets["unit"]
    city = targets["city"][1]
    page = {"limit": 20}
    return [
        Case(
            f"{city} by street", "org_admin", "compliance", {"by": "street"}, CITY_TARGET_S, "city"
        ),
        Case(f"{city} by unit", "org_admin", "compliance", {"by": "unit"}, CITY_TARGET_S, "city"),
        Case(
            f"{city} by party organisation",
            "org_admin",
            "compliance",
            {"by": "party_org"},
            CITY_TARGET_S,
            "city",
        ),
        Case(
            f"street {street_name}: by community",
            "org_admin",
            "compliance",
            {"by": "community", "street_id": street_id},
            DRILL_TARGET_S,
            "drill",
        ),
        Case(
            f"street {street_name}: by community",
            "street_admin",
            "compliance",
            {"by": "community", "street_id": street_id},
            DRILL_TARGET_S,
            "drill",
        ),
        Case(
            f"unit {unit_name}: by community",
            "org_admin",
            "compliance",
            {"by": "community", "unit_id": unit_id},
            DRILL_TARGET_S,
            "drill",
        ),
        Case(
            f"unit {unit_name}: by party organisation",
            "org_admin",
            "compliance",
            {"by": "party_org", "unit_id": unit_id},
            DRILL_TARGET_S,
            "drill",
        ),
        Case(
            f"unit {unit_name}: by party organisation",
            "unit_admin",
            "compliance",
            {"by": "party_org", "unit_id": unit_id},
            DRILL_TARGET_S,
            "drill",
        ),
        Case(
            f"unit {unit_name}: members, first page",
            "org_admin",
            "compliance/members",
            {"unit_id": unit_id, **page},
            PAGE_TARGET_S,
            "page",
        ),
        Case(
            f"unit {unit_name}: members, first page",
            "unit_admin",
            "compliance/members",
            {"unit_id": unit_id, **page},
            PAGE_TARGET_S,
            "page",
        ),
        Case(
            f"community {community_name}: members, first page",
            "org_admin",
            "compliance/members",
            {"community_id": community_id, **page},
            PAGE_TARGET_S,
            "page",
        ),
        Case(
            f"community {community_name}: members, first page",
            "community_admin",
            "compliance/members",
            {"community_id": community_id, **page},
            PAGE_TARGET_S,
            "page",
        ),
        Case(
            f"community {community_name}: status=behind, first page",
            "org_admin",
            "compliance/members",
            {"community_id": community_id, "status": "behind", **page},
            PAGE_TARGET_S,
            "page",
        ),
        Case(
            f"street {street_name}: members, first page",
            "org_admin",
            "compliance/members",
            {"street_id": street_id, **page},
            PAGE_TARGET_S,
            "page",
        ),
        Case(
            f"street {street_name}: members by minutes, first page",
            "street_admin",
            "compliance/members",
            {"street_id": street_id, "sort": "minutes", **page},
            PAGE_TARGET_S,
            "page",
        ),
    ]


# Measuring -----------------------------------------------------------------------------------


def get(
    client: Any,
    case: Case,
    period_id: int,
    headers: dict[str, str],
    sql_log: SqlLog,
    into: Round | None = None,
) -> None:
    url = case.url(period_id)
    sql_log.statements.clear()
    t = time.perf_counter()
    response = client.get(url, headers=headers)
    elapsed = time.perf_counter() - t
    if response.status_code != 200:
        raise SystemExit(f"{case.who}: GET {url} answered {response.status_code} {response.json}")
    body: dict[str, Any] = response.json
    case.body = body
    if sql_log.statements:
        # What the request SETs for its transaction (SET LOCAL jit = off), for EXPLAIN.
        case.settings = [
            s for s, _, _ in sql_log.statements if s.lstrip().upper().startswith("SET ")
        ]
        for statement, params, _ in sql_log.statements:
            if statement.lstrip().startswith(CTE):
                case.aggregate_sql = (statement, params)
        slowest = max(sql_log.statements, key=lambda s: s[2])
        if case.slowest_sql is None or slowest[2] >= case.slowest_sql[2]:
            case.slowest_sql = slowest
    if into is not None:
        into.latencies.append(elapsed)
        into.sql_counts.append(len(sql_log.statements))
        into.sql_seconds.append(sum(s[2] for s in sql_log.statements))
        into.rows = len(body.get("groups", body.get("items", [])))


def measure(
    client: Any,
    case: Case,
    period_id: int,
    headers: dict[str, str],
    sql_log: SqlLog,
    args: argparse.Namespace,
    conninfo: str,
) -> None:
    for _ in range(args.warmup):
        get(client, case, period_id, headers, sql_log)
    result = Round()
    pids = backend_pids(conninfo)
    before = snapshot(pids)
    started = time.perf_counter()
    for i in range(args.reps):
        get(client, case, period_id, headers, sql_log, result)
        if time.perf_counter() - started > MAX_SECONDS_PER_CASE and i + 1 < args.reps:
            result.note = f"stopped after {i + 1} requests ({MAX_SECONDS_PER_CASE:.0f}s cap)"
            break
    result.other_cpu = other_cpu_share(before, snapshot(pids))
    case.rounds.append(result)


def verdict(case: Case) -> str:
    r = case.quietest()
    p50, p95 = percentile(r.latencies, 50), percentile(r.latencies, 95)
    if case.kind == "city":
        if p95 <= CITY_TARGET_S:
            return "target met"
        return "within 3 s, target missed" if p95 <= CITY_LIMIT_S else "**MISSED**"
    met = p95 <= case.target_s
    return (
        "met"
        if met
        else ("**missed at p95** (met at p50)" if p50 <= case.target_s else "**MISSED**")
    )


# Evidence for a precomputed snapshot -----------------------------------------------------------


def snapshot_evidence(conninfo: str, case: Case) -> list[str]:
    """The city aggregate's statement as the app ran it, then the same aggregate read from a
    per-member snapshot of the period (its CTE's rows stored in a temporary table): what a
    table of per-(period, member) figures refreshed by a job would cost to build and read."""
    if case.aggregate_sql is None:
        return ["Not measured: the aggregate's statement no longer has the form this reads."]
    statement, params = case.aggregate_sql
    text = statement.lstrip()
    opening = text.index("(", len(CTE))
    depth = 0
    for end in range(opening, len(text)):  # the CTE's closing parenthesis
        depth += {"(": 1, ")": -1}.get(text[end], 0)
        if depth == 0:
            break
    body, outer = text[opening + 1 : end], text[end + 1 :].replace("member_figures", "snap")

    def median_ms(cur: psycopg.ClientCursor[Any], sql: str, runs: int = 5) -> float:
        times = []
        for _ in range(runs + 1):
            t = time.perf_counter()
            cur.execute(sql, params).fetchall()
            times.append(time.perf_counter() - t)
        return percentile(times[1:], 50) * 1000

    with psycopg.connect(conninfo) as conn, psycopg.ClientCursor(conn) as cur:
        cur.execute("SET jit = off")  # as the request does
        live = median_ms(cur, statement)
        t = time.perf_counter()
        cur.execute("CREATE TEMPORARY TABLE snap AS " + body, params)
        cur.execute("ANALYZE snap")
        built = time.perf_counter() - t
        rows = cur.execute("SELECT count(*) FROM snap").fetchone()
        from_snapshot = median_ms(cur, outer)
        conn.rollback()
    return [
        f"The statement of {case.name} as the app ran it: {live:.0f} ms (median of 5, psycopg "
        f"on 127.0.0.1). Its per-member rows ({rows[0] if rows else 0:,}) stored in a temporary "
        f"table in {built:.2f} s; the same aggregate read from that table: "
        f"**{from_snapshot:.0f} ms**."
    ]


# Report --------------------------------------------------------------------------------------


def table(all_cases: list[Case]) -> str:
    rows = [
        "| Request | As | Rows | n | p50 (ms) | p95 (ms) | max (ms) | SQL stmts | SQL p50 (ms) "
        "| Other CPU | Target | |",
        "| --- | --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for c in all_cases:
        r = c.quietest()
        other = "—" if math.isnan(r.other_cpu) else f"{r.other_cpu:.0%}"
        target = "≤ 3 s (≤ 1 s)" if c.kind == "city" else f"≤ {c.target_s * 1000:.0f} ms"
        rows.append(
            f"| {c.name} | {c.who} | {r.rows} | {len(r.latencies)} | {ms(r.latencies, 50)} "
            f"| {ms(r.latencies, 95)} | {max(r.latencies) * 1000:.1f} "
            f"| {percentile([float(n) for n in r.sql_counts], 50):.0f} | {ms(r.sql_seconds, 50)} "
            f"| {other} | {target} | {verdict(c)} |"
        )
    return "\n".join(rows)


def load_lines(facts: dict[str, Any], reused: bool) -> list[str]:
    counts, served = facts["counts"], facts["reported_by_records"]
    none = served["without_records"] / max(1, served["members"])
    phases = "; ".join(f"{k} {v:.0f} s" for k, v in facts["history_s"].items() if k != "total")
    head = "Data reused (--reuse), as loaded" if reused else "Data loaded"
    return [
        f"{head} on {facts['generated']} in **{facts['total_s'] / 60:.1f} min**: the province "
        f"{facts['province_s']:.0f} s (areas and units through demo.build_city "
        f"{facts['areas_s']:.0f} s, the members by COPY), the history "
        f"{facts['history_s']['total'] / 60:.1f} min ({phases}), VACUUM (ANALYZE) "
        f"{facts['vacuum_s']:.0f} s. CPU time of the bench process and its `sort`s: "
        f"{facts.get('cpu_s', 0) / 60:.1f} min (PostgreSQL's own is not in it).",
        "",
        "Rows: " + ", ".join(f"{t} {n:,}" for t, n in counts.items()) + ".",
        f"Verified members with an active report-in: {served['members']:,}, of whom "
        f"{served['without_records']:,} ({none:.0%}) "
        f"have no service record; records each: p50 {served['p50']}, p90 {served['p90']}, "
        f"p99 {served['p99']}, max {served['max']}.",
        "COPY text written (MiB): "
        + ", ".join(f"{t} {n:,}" for t, n in facts["copy_text_mib"].items())
        + ".",
    ]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"default {DEFAULT_URL}")
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--records", type=int, default=history.RECORDS, help="service records")
    parser.add_argument("--reuse", action="store_true", help="keep matching data if present")
    parser.add_argument("--reps", type=int, default=10, help="timed requests per case and round")
    parser.add_argument("--warmup", type=int, default=2, help="untimed requests per case")
    parser.add_argument("--rounds", type=int, default=2, help="measure every case N times")
    parser.add_argument("--verify-ledger", action="store_true", help="run the ledger checks")
    parser.add_argument("--allow-any-database", action="store_true")
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(
        args,
        members=1_000,
        records=10_000,
        reuse=False,
        reps=2,
        warmup=1,
        rounds=1,
        verify_ledger=True,
    )
    args.database_url = smoke.database_url(args, DEFAULT_URL)
    if not 1_000 <= args.members <= 2_000_000:
        parser.error("--members must be between 1,000 and 2,000,000")
    if not 1_000 <= args.records <= 20_000_000:
        parser.error("--records must be between 1,000 and 20,000,000")
    if not 1 <= args.reps <= 200 or not 0 <= args.warmup <= 20 or not 1 <= args.rounds <= 5:
        parser.error("--reps 1–200, --warmup 0–20, --rounds 1–5")
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    url = args.database_url
    ensure_postgres(url, args.allow_any_database)
    conninfo = conninfo_of(url)
    app = make_app(url)
    facts = reusable(conninfo, args) if args.reuse else None
    if facts is not None and not schema_revisions(app)[2]:
        log("--reuse: the schema's revision is not one of the app's migrations: loading again")
        facts = None
    reused = facts is not None
    upgraded = None
    if facts is None:
        facts = generate(app, conninfo, args)
        log(f"data loaded in {facts['total_s'] / 60:.1f} min")
    else:
        log(f"--reuse: keeping the data loaded on {facts['generated']}")
        upgraded = upgrade_if_behind(app)
    checks = verify_ledger(app) if args.verify_ledger else []
    targets = pick_targets(app, year_periods(app))
    period_id = targets["period_id"]
    headers = admins(app, targets)
    sql_log = SqlLog()
    with app.app_context():
        sql_log.attach(db.engine)
    client = app.test_client()
    all_cases = cases(targets)
    for n in range(1, args.rounds + 1):
        for c in all_cases:
            log(f"round {n}/{args.rounds}: {c.name} as {c.who} ({args.reps}×, after {args.warmup})")
            measure(client, c, period_id, headers[c.who], sql_log, args, conninfo)
    data_shape = shape(conninfo, period_id, targets["city"][2])
    slowest = max(all_cases, key=lambda c: percentile(c.quietest().latencies, 50))
    to_explain = [slowest] + [
        c for c in all_cases if c is not slowest and not verdict(c).startswith(("met", "target"))
    ]
    plans: list[tuple[Case, str, str]] = []  # (case, its slowest statement, the plan)
    for c in to_explain:
        if c.slowest_sql is not None:
            statement, params, _ = c.slowest_sql
            readable = inline(statement, params) if isinstance(params, dict) else statement
            setup = c.settings[0] if len(c.settings) == 1 else None
            plans.append((c, readable, explain(conninfo, statement, params, setup=setup)))
    evidence = snapshot_evidence(conninfo, all_cases[0])
    facts_lines = machine_facts(
        conninfo,
        tables=("member", "report_in", "service_record", "hours_entry", "ledger_head", "shift"),
    )

    print("\n## Compliance at province scale (issue 12)\n")
    print("\n".join(load_lines(facts, reused)))
    if upgraded:
        print(f"\n{upgraded}.")
    print()
    print("\n".join(facts_lines))
    print("\n".join(data_shape))
    if checks:
        print("\nThe app's ledger checks on the loaded data:\n")
        print("\n".join(checks))
    members = targets["members"]
    print(
        f"\nMeasured in {targets['city'][1]} (period {period_id}, the year {history.YEAR}; "
        f"{members['city']:,} verified members), street {targets['street'][1]} "
        f"({members['street']:,}), community {targets['community'][1]} "
        f"({members['community']:,}), unit {targets['unit'][1]} ({members['unit']:,}). "
        f"In-process latency (Flask test client): {args.reps} timed requests per request and "
        f"round after {args.warmup} untimed ones, {args.rounds} round(s); each row is the "
        "round in which other processes used the least CPU. Rows: groups or items answered. "
        "SQL: statements per request and their time inside cursor.execute.\n"
    )
    print(table(all_cases))
    for c in all_cases:
        for i, r in enumerate(c.rounds):
            if r.note:
                print(f"\n- {c.name} as {c.who}, round {i + 1}: {r.note}")
    if args.rounds > 1:
        print("\nEvery round (p50 / p95 ms, other processes' CPU):\n")
        print("| Request | As | " + " | ".join(f"round {i + 1}" for i in range(args.rounds)) + " |")
        print("| --- | --- |" + " ---: |" * args.rounds)
        for c in all_cases:
            cells = [
                f"{ms(r.latencies, 50)} / {ms(r.latencies, 95)} ({r.other_cpu:.0%})"
                for r in c.rounds
            ]
            print(f"| {c.name} | {c.who} | " + " | ".join(cells) + " |")
    print("\n### Evidence for precomputed per-member figures (the app is unchanged)\n")
    print("\n".join(evidence))
    for c, readable, plan in plans:
        why = "the slowest request" if c is slowest else "missed its target"
        print(f"\n### Slowest statement of {c.name} as {c.who} ({why})\n")
        if len(c.settings) == 1:
            print(f"Run after the request's own `{c.settings[0]}`.\n")
        print("```sql\n" + readable + "\n```\n")
        print("```\n" + plan + "\n```")
    log("done")
    return 0


if __name__ == "__main__":
    sys.exit(main())
