"""A synthetic province for benchmarks: 11 cities, ~2,200 work units, N members (the data
member_listing.py and feed_latency.py load; with ``smoke.CITY`` as the shape, tiny cities).

A twelfth city (中阳县) is built with its areas and units but no members: a city that has just
been onboarded, whose org_admin opens an empty listing.

The area trees and work units come from ``sunshine.demo.build_city`` (ORM, a few thousand
rows); the bulk rows (accounts, roster entries, members, their skills and report-ins) are
streamed to PostgreSQL with ``COPY`` through psycopg, never as ORM objects. Everything is
drawn from seeded ``random.Random`` generators: the same arguments give the same data.

Bulk rows get explicit ids 1..N in registration order, and the cities are interleaved in that
order (every city keeps registering members), so ids grow with ``created_at`` as in a real
rollout. The sequences are moved past the loaded ids afterwards, so the app can add rows.
"""

from __future__ import annotations

import bisect
import random
import tempfile
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import IO

import psycopg
from sqlalchemy import select

from sunshine.demo import SEED, CityShape, build_city, roster_rows
from sunshine.extensions import db
from sunshine.members.models import Skill
from sunshine.org.models import Area, AreaLevel, PartyOrgKind, WorkUnit

# 11 counties of 吕梁市 (山西): distinct 6-digit prefixes give distinct 12-digit codes for every
# city, street and community build_city makes. The weight is the city's share of members.
CITIES: list[tuple[str, str, int]] = [
    ("离石区", "141102000000", 50),
    ("孝义市", "141181000000", 50),
    ("汾阳市", "141182000000", 42),
    ("文水县", "141121000000", 35),
    ("交城县", "141122000000", 22),
    ("兴县", "141123000000", 26),
    ("临县", "141124000000", 50),
    ("柳林县", "141125000000", 30),
    ("石楼县", "141126000000", 10),
    ("岚县", "141127000000", 15),
    ("方山县", "141128000000", 12),
    ("中阳县", "141129000000", 0),  # just onboarded: areas and units, no members yet
]
SHAPE = CityShape()  # 孝义's shape: 16 streets/towns, 305 communities, ~204 units per city
DATA_VERSION = 2  # bump when the generated data changes: --reuse then regenerates

# Member status shares (the rest is verified), and report-in shares.
PENDING, REJECTED, DEACTIVATED = 0.05, 0.02, 0.02
ACTIVE_REPORT_IN = 0.70  # of members not deactivated
PENDING_REPORT_IN = 0.03  # of members not deactivated and without an active report-in
OTHER_CITY_RESIDENCE = 0.04  # lives in another city than their work unit's
URBAN_WEIGHT = 4  # an urban 社区 has this many times the members of a 村
START = datetime(2026, 1, 1, tzinfo=UTC)
SPAN = timedelta(days=300)


@dataclass
class CityData:
    id: int
    name: str
    path: str
    weight: int
    communities: list[tuple[int, str]] = field(default_factory=list)  # (id, path)
    community_weights: list[int] = field(default_factory=list)
    streets: list[tuple[int, str, str]] = field(default_factory=list)  # (id, name, path)
    unit_ids: list[int] = field(default_factory=list)


def street_of(path: str) -> str:
    """The street's path of an area path (a community's, or the street's own)."""
    return "/" + "/".join(path.strip("/").split("/")[:2]) + "/"


def city_of(path: str) -> str:
    return "/" + path.strip("/").split("/")[0] + "/"


def build_areas(log: Callable[[str], None], shape: CityShape = SHAPE) -> list[CityData]:
    """The cities' area trees and work units through demo.build_city (inside an app context)."""
    cities = []
    for i, (name, code, weight) in enumerate(CITIES):
        started = time.perf_counter()
        rng = random.Random(SEED + i)
        city, communities, units = build_city(rng, name, code, shape)
        db.session.commit()
        cities.append(city_data(city.id, weight))
        log(
            f"  city {i + 1}/{len(CITIES)} {name}: {len(communities)} communities, "
            f"{len(units)} units ({time.perf_counter() - started:.1f}s)"
        )
    return cities


def city_data(city_id: int, weight: int) -> CityData:
    city = db.session.get(Area, city_id)
    assert city is not None
    data = CityData(id=city.id, name=city.name, path=city.path, weight=weight)
    areas = db.session.scalars(
        select(Area)
        .where(Area.path.startswith(city.path), Area.level != AreaLevel.GRID)
        .order_by(Area.id)
    )
    for area in areas:
        if area.level == AreaLevel.STREET:
            data.streets.append((area.id, area.name, area.path))
        elif area.level == AreaLevel.COMMUNITY:
            data.communities.append((area.id, area.path))
            data.community_weights.append(URBAN_WEIGHT if area.kind_label == "社区" else 1)
    data.unit_ids = list(db.session.scalars(select(WorkUnit.id).where(WorkUnit.city_id == city.id)))
    return data


# Bulk rows -----------------------------------------------------------------------------------


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def _row(values: tuple[object, ...]) -> str:
    return "\t".join("\\N" if v is None else str(v) for v in values) + "\n"


ACCOUNT_COLUMNS = "id, openid, phone, phone_bound_at, status, created_at, last_login_at"
ROSTER_COLUMNS = "id, city_id, name, phone, unit_id, party_org_id, created_at, updated_at"
MEMBER_COLUMNS = (
    "id, account_id, name, unit_id, party_org_id, residence_id, area_path, status, "
    "roster_entry_id, available_weekday_daytime, available_evenings, available_weekends, "
    "reviewed_at, created_at, updated_at"
)
SKILL_COLUMNS = "member_id, skill_id"
REPORT_IN_COLUMNS = "id, member_id, community_id, status, requested_at, decided_at"
TABLES = [  # in foreign-key order
    ("account", ACCOUNT_COLUMNS),
    ("roster_entry", ROSTER_COLUMNS),
    ("member", MEMBER_COLUMNS),
    ("member_skill", SKILL_COLUMNS),
    ("report_in", REPORT_IN_COLUMNS),
]


def write_rows(
    cities: list[CityData],
    skill_ids: list[int],
    members: int,
    files: dict[str, IO[str]],
    log: Callable[[str], None],
) -> dict[str, int]:
    """Write the bulk rows as COPY text to ``files`` (one per table); returns row counts."""
    rng = random.Random(SEED * 31 + members)
    # roster_rows draws the name, phone, unit and branch; it wants WorkUnit objects with their
    # party organisations, which the session loads once per city.
    rosters: list[Iterator[dict[str, object]]] = []
    for i, city in enumerate(cities):
        units = list(db.session.scalars(select(WorkUnit).where(WorkUnit.city_id == city.id)))
        for unit in units:
            assert any(o.kind == PartyOrgKind.BRANCH for o in unit.party_orgs)
        area = db.session.get(Area, city.id)
        rosters.append(
            roster_rows(
                random.Random(SEED + 1000 + i), area, units, members, 13_000_000_000 + i * 10**8
            )
        )
    order = rng.choices(range(len(cities)), [c.weight for c in cities], k=members)
    populated = [i for i, c in enumerate(cities) if c.weight > 0]
    cumulative = [_cumulative(c.community_weights) for c in cities]  # for fast weighted picks
    counts = dict.fromkeys(files, 0)
    report_in_id = 0
    step = SPAN / members
    out_account, out_roster, out_member = files["account"], files["roster_entry"], files["member"]
    out_skill, out_report_in = files["member_skill"], files["report_in"]
    for k in range(1, members + 1):
        ci = order[k - 1]
        row = next(rosters[ci])
        created = _ts(START + step * k)
        home_ci = ci
        if rng.random() < OTHER_CITY_RESIDENCE:
            home_ci = rng.choice(populated)
        home = cities[home_ci]
        residence_id, residence_path = home.communities[_pick(rng, cumulative[home_ci])]
        roll = rng.random()
        if roll < DEACTIVATED:
            status = "deactivated"
        elif roll < DEACTIVATED + REJECTED:
            status = "rejected"
        elif roll < DEACTIVATED + REJECTED + PENDING:
            status = "pending"
        else:
            status = "verified"
        phone = row["phone"]
        out_roster.write(
            _row(
                (
                    k,
                    row["city_id"],
                    row["name"],
                    phone,
                    row["unit_id"],
                    row["party_org_id"],
                    created,
                    created,
                )
            )
        )
        if status == "deactivated":
            out_account.write(
                _row((k, f"deactivated:{k}:bench", None, None, "disabled", created, None))
            )
            name, report = "已注销", None
        else:
            out_account.write(_row((k, f"bench-m{k}", phone, created, "active", created, created)))
            name = row["name"]
            report = None
            roll = rng.random()
            if roll < ACTIVE_REPORT_IN:
                report = "active"
            elif roll < ACTIVE_REPORT_IN + (1 - ACTIVE_REPORT_IN) * PENDING_REPORT_IN:
                report = "pending"
        area_path = residence_path
        if report is not None:
            community_id, community_path = residence_id, residence_path
            if rng.random() < 0.15:  # reported to another community of the same city
                community_id, community_path = home.communities[_pick(rng, cumulative[home_ci])]
            report_in_id += 1
            out_report_in.write(
                _row(
                    (
                        report_in_id,
                        k,
                        community_id,
                        report,
                        created,
                        created if report == "active" else None,
                    )
                )
            )
            area_path = community_path
        out_member.write(
            _row(
                (
                    k,
                    k,
                    name,
                    row["unit_id"],
                    None if status == "deactivated" else row["party_org_id"],
                    residence_id,
                    area_path,
                    status,
                    k if status == "verified" else None,
                    "t" if rng.random() < 0.3 else "f",
                    "t" if rng.random() < 0.5 else "f",
                    "t" if rng.random() < 0.6 else "f",
                    created if status in ("verified", "rejected") else None,
                    created,
                    created,
                )
            )
        )
        if status != "deactivated" and rng.random() < 0.4:
            for skill in rng.sample(skill_ids, rng.randint(1, 3)):
                out_skill.write(f"{k}\t{skill}\n")
                counts["member_skill"] += 1
        if k % 200_000 == 0:
            log(f"  generated {k:,}/{members:,} members")
    counts.update(account=members, roster_entry=members, member=members, report_in=report_in_id)
    return counts


def _cumulative(weights: list[int]) -> list[int]:
    total, out = 0, []
    for w in weights:
        total += w
        out.append(total)
    return out


def _pick(rng: random.Random, cumulative: list[int]) -> int:
    return bisect.bisect_right(cumulative, rng.randrange(cumulative[-1]))


def bulk_load(
    conninfo: str, cities: list[CityData], members: int, log: Callable[[str], None]
) -> dict[str, int]:
    """Generate and COPY the bulk rows; returns the row count of each table loaded."""
    skill_ids = list(db.session.scalars(select(Skill.id).order_by(Skill.id)))
    with tempfile.TemporaryDirectory(prefix="sunshine-province-") as tmp:
        paths = {table: Path(tmp) / f"{table}.tsv" for table, _ in TABLES}
        handles = {t: p.open("w", encoding="utf-8", newline="") for t, p in paths.items()}
        started = time.perf_counter()
        try:
            counts = write_rows(cities, skill_ids, members, handles, log)
        finally:
            for handle in handles.values():
                handle.close()
        size = sum(p.stat().st_size for p in paths.values()) / 2**20
        log(f"  rows written ({size:.0f} MiB of COPY text, {time.perf_counter() - started:.0f}s)")
        with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
            # Generated rows are consistent by construction: skip the per-row foreign-key
            # triggers for the load (checked in bulk below), keep every index.
            cur.execute("SET session_replication_role = replica")
            cur.execute("SET maintenance_work_mem = '1GB'")
            for table, columns in TABLES:
                started = time.perf_counter()
                with (
                    cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy,
                    paths[table].open("rb") as source,
                ):
                    while chunk := source.read(1 << 20):
                        copy.write(chunk)
                log(
                    f"  COPY {table}: {counts[table]:,} rows ({time.perf_counter() - started:.0f}s)"
                )
            cur.execute("SET session_replication_role = DEFAULT")
            for table in ("account", "roster_entry", "member", "report_in"):
                cur.execute(  # table names from the constant above
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                    f"(SELECT max(id) FROM {table}))"
                )
            started = time.perf_counter()
            check_references(cur)
            log(f"  foreign keys of the loaded rows checked ({time.perf_counter() - started:.0f}s)")
    return counts


REFERENCES = [  # (table, column, referenced table) of every loaded foreign key
    ("roster_entry", "city_id", "area"),
    ("roster_entry", "unit_id", "work_unit"),
    ("roster_entry", "party_org_id", "party_org"),
    ("member", "account_id", "account"),
    ("member", "unit_id", "work_unit"),
    ("member", "party_org_id", "party_org"),
    ("member", "residence_id", "area"),
    ("member", "roster_entry_id", "roster_entry"),
    ("member_skill", "member_id", "member"),
    ("member_skill", "skill_id", "skill"),
    ("report_in", "member_id", "member"),
    ("report_in", "community_id", "area"),
]


def check_references(
    cur: psycopg.Cursor[object], references: list[tuple[str, str, str]] = REFERENCES
) -> None:
    """What the skipped foreign-key triggers would have checked, in one pass per key."""
    for table, column, target in references:
        cur.execute(  # names from REFERENCES
            f"SELECT count(*) FROM {table} t WHERE t.{column} IS NOT NULL AND NOT EXISTS "  # noqa: S608
            f"(SELECT 1 FROM {target} r WHERE r.id = t.{column})"
        )
        row = cur.fetchone()
        if row is None or row[0]:
            raise RuntimeError(f"{table}.{column}: {row and row[0]} rows without their {target}")
