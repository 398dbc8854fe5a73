"""A year of service history on top of the synthetic province (``province.py``): what the
organisation department audits (issue 12), at province scale.

On the members ``province.py`` loaded, for the year ``YEAR`` up to ``LAST_DAY``:

- every community gets 3–6 published tasks and a pool of shifts over the year (2 to 3 a
  week, more where more members serve), every street 3 street-wide tasks with their own pool;
- service records: a verified member with an active report-in serves with probability
  ``SERVES_REPORTED``, one without with ``SERVES_UNREPORTED`` (fewer services); how much is
  skewed (log-normal: many members with a few services, some with a hundred or more) and
  proportional to the part of the year since they registered; ``STREET_SHARE`` of the
  services are on street-wide shifts, at most one service a day per member. The count is
  scaled so that the province holds ``records`` records;
- each record as the app writes it (``hours.service.records``: the rule's minutes from the
  punches, flags for a forgotten check-out, a hand record, poor accuracy, a walk-in), then
  decided: mostly confirmed (by the community's secretary, or by the system where the
  community's approval policy is automatic), some rejected, some still pending (most of
  them from the last days), some confirmed late (``overdue``), some adjusted or voided later;
- the hours ledger: one confirm entry per confirmed (or later voided) record, an adjust or
  void entry where one happened, each chain hashed with the app's own ``entry_hash`` in time
  order, the ``ledger_head`` of every chain, and ``credited_minutes`` equal to the sum of
  each record's entries — ``flask ledger verify`` and ``flask ledger rebuild-totals --check``
  accept the data. The points ledger stays empty (consistent, and no compliance figure reads
  it); decisions write no security events;
- a secretary account per community (community_admin) and per street (street_admin) who
  decided the records; an automatic approval policy for ``AUTOMATIC_SHARE`` of communities;
- the unit-feedback consent of ``UNIT_FEEDBACK_SHARE`` of the verified members (what a
  unit admin's drill-down shows in detail);
- the year period of every city with the city's requirement (``CITY_RULE``) and one street's
  tightening (``STREET_RULE``, the city's first street).

Everything is drawn from seeded generators (one per community and per street, in area-path
order): the same province and ``records`` give the same rows. Memory does not grow with the
records: members are streamed from the database community by community (a server-side
cursor), every row goes to a COPY text file or straight into COPY, and the two reorderings
the tables need — records by creation time (ids in time order, as the app's sequence gives
them), ledger entries by their time (each chain's seq in time order) — are external sorts
(``sort``, LC_ALL=C). What stays in memory is a few bytes per member (each chain's seq,
total and last hash while the entries are hashed) and the tasks (a few per community).

The loaded tables' secondary indexes and unique constraints are dropped before the load and
built afterwards (``databases.drop_indexes``); foreign keys are checked in bulk afterwards
(``province.check_references``), as the province's bulk rows are.
"""

from __future__ import annotations

import bisect
import math
import os
import random
import subprocess
import tempfile
import time
from array import array
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import IO, Any

import psycopg
from sqlalchemy import select

from _lib.databases import drop_indexes
from _lib.province import check_references, street_of
from sunshine.audit.models import Period, PeriodKind, Requirement
from sunshine.consent.models import ConsentKind, PrivacyNotice
from sunshine.demo import SEED, person_name
from sunshine.extensions import db
from sunshine.hours.ledger.chain import GENESIS_HASH, entry_hash
from sunshine.hours.ledger.seal import head_seal
from sunshine.hours.models import Ledger, LedgerKind
from sunshine.hours.service.records import RULE, clamped_quarter_hours
from sunshine.org.models import Area, AreaLevel
from sunshine.tasks.models import TaskCategory, TaskKind, Visibility, visible_prefix

DATA_VERSION = 2  # bump when the generated history changes: --reuse then regenerates
YEAR = 2026
LAST_DAY = date(2026, 12, 3)  # services up to this day; the data's "now" is the next morning
RECORDS = 10_800_000  # ~10.5 M made (the pools cap some members): ~10.2 M hours-ledger entries

# Who serves, and how much.
SERVES_REPORTED = 0.80  # a verified member with an active report-in serves at all
SERVES_UNREPORTED = 0.30  # a verified member without one (city-wide duties, a former report-in)
UNREPORTED_WEIGHT = 0.4  # … and serves this much less
SKEW = 0.9  # sigma of the log-normal factor of a member's services
STREET_SHARE = 0.15  # of a member's services, on street-wide shifts
COMMUNITY_ATTENDANCE = 12  # members per community shift, on average
STREET_ATTENDANCE = 30  # members per street-wide shift
MIN_COMMUNITY_SHIFTS = 104  # two a week
MIN_STREET_SHIFTS = 52

# How records are made and decided.
SLOTS = ((8, 120), (9, 180), (14, 120), (19, 90))  # (start hour in Beijing, minutes)
HAND, AUTO_CLOSED = 0.07, 0.05  # shares of records by source (the rest: punches)
LOW_ACCURACY, WALK_IN = 0.03, 0.02  # flags of punched records
AUTOMATIC_SHARE = 0.15  # communities whose approval policy is automatic
REJECTED, ADJUSTED, VOIDED = 0.025, 0.015, 0.008
OLD_PENDING = 0.004  # records left pending beyond the last two weeks
UNIT_FEEDBACK_SHARE = 0.6

# The year's rule (minutes and services): the city's, and one street's tightening.
CITY_RULE = {"min_services": 12, "min_minutes": 2400}
STREET_RULE = {"min_services": 12, "min_minutes": 3000}
NOTICE_VERSION = f"{YEAR}-01"

# Times are integers from BASE (UTC), seconds or microseconds; day d is BASE_DAY + d days in
# Beijing time (no daylight saving: 00:00 there is 16:00 UTC the day before).
BASE = datetime(YEAR - 1, 12, 31, tzinfo=UTC)
BASE_DAY = date(YEAR - 1, 12, 31)
FIRST = (date(YEAR, 1, 1) - BASE_DAY).days
LAST = (LAST_DAY - BASE_DAY).days
NOW_S = (LAST + 1) * 86_400  # 08:00 in Beijing the day after LAST_DAY
NOW_US = NOW_S * 1_000_000
BEIJING_S = 8 * 3600
DAY_US = 86_400_000_000

AUTO_REASON = "按审批方式自动确认（automatic）"
REASONS = {
    "a": AUTO_REASON,
    "+": "补录签退时间，增加时长",
    "-": "核减未在岗时长",
    "v": "重复记录，予以作废",
}
REJECT_REASON = "未实际参加服务"
TASKS = [  # (title, category, kind)
    ("文明劝导岗", "文明劝导", TaskKind.POST),
    ("小区环境整治", "环境卫生", TaskKind.ACTIVITY),
    ("平安巡逻", "平安巡逻", TaskKind.POST),
    ("政策宣传进小区", "政策宣传", TaskKind.ACTIVITY),
    ("助老助残志愿服务", "助老助残", TaskKind.ACTIVITY),
    ("便民服务站值守", "便民服务", TaskKind.POST),
    ("网格走访", "网格联络", TaskKind.POST),
    ("矛盾纠纷调解", "矛盾调解", TaskKind.ACTIVITY),
]
STREET_TASKS = [
    ("文明城市创建集中行动", "文明创建", TaskKind.ACTIVITY),
    ("街道政策宣传日", "政策宣传", TaskKind.ACTIVITY),
    ("主干道文明交通劝导", "文明劝导", TaskKind.POST),
]


def ts(us: int) -> str:
    """COPY text of a timestamptz ``us`` microseconds after BASE."""
    day, rest = divmod(us, DAY_US)
    hours, rest = divmod(rest, 3_600_000_000)
    minutes, rest = divmod(rest, 60_000_000)
    seconds, micro = divmod(rest, 1_000_000)
    return f"{_DATES[day]} {hours:02d}:{minutes:02d}:{seconds:02d}.{micro:06d}+00"


# Every day of the data as text (UTC dates for ts, Beijing dates for service dates).
_DATES = [(BASE_DAY + timedelta(days=d)).isoformat() for d in range(LAST + 60)]


def _row(*values: object) -> str:
    return "\t".join("\\N" if v is None else str(v) for v in values) + "\n"


# Areas, tasks and shift pools ----------------------------------------------------------------


@dataclass(frozen=True)
class Place:
    """A community or street: what its tasks and shifts need."""

    id: int
    path: str
    name: str
    urban: bool
    secretary: int = 0  # the account of its community_admin / street_admin


@dataclass
class Pool:
    """The shifts of one community's (or street's) tasks over the year, in start order."""

    place: Place
    visibility: Visibility
    automatic: bool
    tasks: list[int] = field(default_factory=list)
    ids: list[int] = field(default_factory=list)
    days: list[int] = field(default_factory=list)
    starts: list[int] = field(default_factory=list)  # seconds from BASE
    ends: list[int] = field(default_factory=list)
    task_of: list[int] = field(default_factory=list)
    attendees: list[int] = field(default_factory=list)


@dataclass
class Task:
    """What a record copies of its task, as COPY text fragments."""

    area: str  # area_id, area_path, activity_name
    where: str  # place, content, person_in_charge


@dataclass
class Writer:
    """The COPY text files of pass 1, the tasks, and running counts."""

    files: Mapping[str, IO[str]]
    categories: dict[str, int]
    next_task: int
    next_shift: int
    next_consent: int = 0
    reported: int = 0  # records made when progress was last logged
    tasks: dict[int, Task] = field(default_factory=dict)
    kinds: dict[int, tuple[str, int]] = field(default_factory=dict)  # task: (kind, category)
    counts: Counter[str] = field(default_factory=Counter)

    def write(self, table: str, line: str) -> None:
        self.files[table].write(line)
        self.counts[table] += 1


def make_pool(
    rng: random.Random,
    out: Writer,
    place: Place,
    visibility: Visibility,
    shifts: int,
    automatic: bool = False,
) -> Pool:
    """The place's tasks (written now) and its shifts (written when the pool closes)."""
    pool = Pool(place, visibility, automatic)
    catalogue = STREET_TASKS if visibility == Visibility.STREET else TASKS
    wanted = len(catalogue) if visibility == Visibility.STREET else (6 if place.urban else 3)
    contact = person_name(rng)
    created = ts((FIRST - 10) * DAY_US)
    for title, category, kind in rng.sample(catalogue, wanted):
        out.next_task += 1
        task_id = out.next_task
        content = f"{title}：请按时到场，听从现场负责人安排。"
        address = f"{place.name}党群服务中心"
        out.write(
            "task",
            _row(
                task_id,
                place.id,
                place.path,
                kind.value,
                out.categories[category],
                title,
                content,
                address,
                200,
                visibility.value,
                contact,
                "0358-7221234",
                "published",
                place.secretary,
                created,
                created,
                created,
                "rotating",
                "f",
                30,
                60,
            ),
        )
        out.tasks[task_id] = Task(
            f"{place.id}\t{place.path}\t{title}", f"{address}\t{content}\t{contact}"
        )
        out.kinds[task_id] = (kind.value, out.categories[category])
        pool.tasks.append(task_id)
    planned = sorted(
        (rng.randint(FIRST, LAST), *rng.choice(SLOTS), rng.choice(pool.tasks))
        for _ in range(shifts)
    )
    for day, hour, minutes, task_id in planned:
        out.next_shift += 1
        starts = day * 86_400 + hour * 3600 - BEIJING_S
        pool.ids.append(out.next_shift)
        pool.days.append(day)
        pool.starts.append(starts)
        pool.ends.append(starts + minutes * 60)
        pool.task_of.append(task_id)
        pool.attendees.append(0)
    return pool


@dataclass(frozen=True)
class _Facts:
    """What ``visible_prefix`` reads of a task."""

    visibility: Visibility
    area_path: str


def close_pool(pool: Pool, out: Writer) -> None:
    """Write the pool's shifts, with capacities that fit who served."""
    scope = visible_prefix(_Facts(pool.visibility, pool.place.path))  # type: ignore[arg-type]
    created = ts((FIRST - 10) * DAY_US)
    for i, shift_id in enumerate(pool.ids):
        kind, category = out.kinds[pool.task_of[i]]
        capacity = min(1000, max(10, -(-pool.attendees[i] // 5) * 5))
        starts = ts(pool.starts[i] * 1_000_000)
        out.write(
            "shift",
            _row(
                shift_id,
                pool.task_of[i],
                scope,
                "published",
                kind,
                category,
                pool.place.path,
                starts,
                ts(pool.ends[i] * 1_000_000),
                capacity,
                starts,
                "open",
                0,
                created,
            ),
        )


# Members, their services and the records -----------------------------------------------------


@dataclass(frozen=True)
class Member:
    id: int
    account_id: int
    area_path: str
    first_day: int  # the first day they could serve (after registering)
    verified: bool
    reported: bool

    def weight(self) -> float:
        """Expected share of a full year's services (0 if they never serve)."""
        if not self.verified:
            return 0.0
        share = max(0, LAST + 1 - self.first_day) / 365
        if self.reported:
            return SERVES_REPORTED * share
        return SERVES_UNREPORTED * UNREPORTED_WEIGHT * share


MEMBERS_SQL = """
SELECT m.id, m.account_id, m.area_path, m.status, m.created_at,
       EXISTS (SELECT 1 FROM report_in r WHERE r.member_id = m.id AND r.status = 'active')
FROM member m ORDER BY m.area_path, m.id
"""


def members(conninfo: str) -> Iterator[Member]:
    """Every member in area-path order (community by community), streamed."""
    with psycopg.connect(conninfo) as conn, conn.cursor(name="members") as cur:
        cur.itersize = 20_000
        cur.execute(MEMBERS_SQL)
        for member_id, account_id, path, status, created, reported in cur:
            registered = (created - BASE).total_seconds() + BEIJING_S
            yield Member(
                member_id,
                account_id,
                path,
                max(FIRST, int(registered // 86_400) + 1),
                status == "verified",
                reported,
            )


def by_community(rows: Iterator[Member]) -> Iterator[tuple[str, list[Member]]]:
    path: str | None = None
    group: list[Member] = []
    for member in rows:
        if member.area_path != path:
            if group:
                assert path is not None
                yield path, group
            path, group = member.area_path, []
        group.append(member)
    if group:
        assert path is not None
        yield path, group


def services_wanted(rng: random.Random, member: Member, scale: float) -> int:
    """How many services the member would do (before the pools cap it)."""
    weight = member.weight()
    if weight == 0.0:
        return 0
    serves = SERVES_REPORTED if member.reported else SERVES_UNREPORTED
    if rng.random() >= serves:
        return 0
    factor = rng.lognormvariate(0.0, SKEW) / math.exp(SKEW * SKEW / 2)  # mean 1
    return int(scale * weight / serves * factor + rng.random())


def pick_shifts(
    rng: random.Random, pools: tuple[Pool, Pool | None], first_day: int, wanted: int
) -> list[tuple[Pool, int]]:
    """Distinct shifts on distinct days from the member's first day: ``STREET_SHARE`` of
    them from the street's pool, the rest from the community's."""
    community, street = pools
    from_street = int(wanted * STREET_SHARE + rng.random()) if street else 0
    chosen: list[tuple[Pool, int]] = []
    days: set[int] = set()
    for pool, want in ((community, wanted - from_street), (street, from_street)):
        if pool is None or want <= 0:
            continue
        low = bisect.bisect_left(pool.days, first_day)
        available = len(pool.days) - low
        if available <= 0:
            continue
        taken = 0
        for i in rng.sample(range(low, len(pool.days)), min(available, want + want // 3 + 2)):
            if pool.days[i] in days:
                continue
            days.add(pool.days[i])
            chosen.append((pool, i))
            taken += 1
            if taken == want:
                break
    return chosen


def record_line(
    rng: random.Random, member: Member, pool: Pool, i: int, check: bool = False
) -> tuple[str, int]:
    """One record of pass 1 (sorted by its creation time afterwards) and its credit.

    Fields: created (µs, zero-padded: the sort key), member, shift, task, day, source,
    check-in, check-out (s), minutes, credited, status, flags, overdue, decided by, decided
    at, updated at (µs), events (``time,kind,amount,actor,reason`` joined by ``;``)."""
    starts, ends, day = pool.starts[i], pool.ends[i], pool.days[i]
    roll = rng.random()
    check_in = starts + rng.randint(-1200, 900)
    check_out: int | None
    flags = "[]"
    if roll < AUTO_CLOSED:
        source, check_out, created = "auto_closed", None, ends + rng.randint(60, 3600)
        flags = '["forgot_checkout"]'
    elif roll < AUTO_CLOSED + HAND:
        source, check_out = "hand", ends + rng.randint(-1800, 1200)
        created = ends + rng.randint(600, 86_400)
        flags = '["hand_recorded"]'
    else:
        source, check_out = "punches", ends + rng.randint(-1800, 1200)
        created = check_out + rng.randint(0, 5)
        roll = rng.random()
        if roll < LOW_ACCURACY:
            flags = '["low_accuracy"]'
        elif roll < LOW_ACCURACY + WALK_IN:
            flags = '["walk_in"]'
    # The app's rule (clamped_quarter_hours) on integers; check_rule compares on a sample.
    served = min(ends if check_out is None else check_out, ends) - max(check_in, starts)
    minutes = max(0, served) // 900 * 15
    if check:
        check_rule(check_in, check_out, starts, ends, minutes)
    created_us = created * 1_000_000 + rng.randrange(1_000_000)
    age = LAST - day
    pending = rng.random() < (0.7 if age < 3 else 0.3 if age < 10 else OLD_PENDING)
    decided_by: int | None = None
    decided_us = updated_us = created_us
    status, credited, overdue, events = "pending", 0, age > 14, ""
    automatic = pool.automatic and flags == "[]"
    if automatic:  # the system confirms as the record is created
        pending, decided_us = False, created_us + rng.randrange(1_000_000, 5_000_000)
    else:
        roll = rng.random()  # 70 % within a day, 25 % in 2–9 days, 5 % in 10–29 days
        if roll < 0.7:
            days = int(roll / 0.7 * 2)
        elif roll < 0.95:
            days = 2 + int((roll - 0.7) / 0.25 * 8)
        else:
            days = 10 + int((roll - 0.95) / 0.05 * 20)
        decided_us = office_hours(rng, created_us, days)
    if not pending and decided_us >= NOW_US:
        pending = True
    if not pending:
        updated_us = decided_us
        overdue = decided_us - created_us > 14 * DAY_US
        decided_by = None if automatic else pool.place.secretary
        actor = "" if automatic else str(pool.place.secretary)
        if not automatic and rng.random() < REJECTED:
            status = "rejected"
        else:
            status, credited = "confirmed", minutes
            events = f"{decided_us},confirm,{minutes},{actor},{'a' if automatic else ''}"
            roll = rng.random()
            later = office_hours(rng, decided_us, rng.randint(1, 20))
            secretary = pool.place.secretary
            if roll < ADJUSTED + VOIDED and later < NOW_US:
                if roll < ADJUSTED:
                    amount = rng.choice((15, 30, 60)) if rng.random() < 0.6 else -15
                    events += f";{later},adjust,{amount},{secretary},{'+' if amount > 0 else '-'}"
                    credited += amount
                else:
                    events += f";{later},void,{-minutes},{secretary},v"
                    status, credited, decided_by = "voided", 0, secretary
                    decided_us = later
                updated_us = later
    line = (
        f"{created_us:014d}\t{member.id}\t{pool.ids[i]}\t{pool.task_of[i]}\t{day}\t{source}\t"
        f"{check_in}\t{'' if check_out is None else check_out}\t{minutes}\t{credited}\t{status}\t"
        f"{flags}\t{'t' if overdue else 'f'}\t{'' if decided_by is None else decided_by}\t"
        f"{'' if status == 'pending' else decided_us}\t{updated_us}\t{events}\n"
    )
    return line, credited


def office_hours(rng: random.Random, after_us: int, days: int) -> int:
    """A moment ``days`` days after ``after_us``, between 08:30 and 21:30 in Beijing (a
    secretary's decision), at least ten minutes after ``after_us``."""
    day = (after_us + BEIJING_S * 1_000_000) // DAY_US + days
    moment = day * DAY_US - BEIJING_S * 1_000_000 + rng.randrange(30_600_000_000, 77_400_000_000)
    return max(moment, after_us + rng.randrange(600_000_000, 7_200_000_000))


def check_rule(check_in: int, check_out: int | None, starts: int, ends: int, minutes: int) -> None:
    """The minutes of a generated record are what the app's rule gives (run on a sample)."""

    def at(seconds: int) -> datetime:
        return BASE + timedelta(seconds=seconds)

    end = ends if check_out is None else check_out
    expected = clamped_quarter_hours(at(check_in), at(end), at(starts), at(ends))
    if minutes != expected:
        raise AssertionError(f"{RULE}: {minutes} minutes generated, the app says {expected}")


# The passes -----------------------------------------------------------------------------------


@dataclass
class Loaded:
    """What ``load`` made: row counts, seconds per phase, and the shape of the data."""

    counts: dict[str, int]
    seconds: dict[str, float]
    services: Counter[int]  # verified reported members by number of records
    cities: list[tuple[int, str, int]]  # (city id, name, period id)
    mib: dict[str, float] = field(default_factory=dict)  # COPY text written per table


def scale_of(conninfo: str, records: int) -> tuple[float, dict[str, float]]:
    """Pass 0: the factor that makes the expected number of records ``records``, and each
    street's expected weight (to size its pool before its communities are read)."""
    total = 0.0
    streets: defaultdict[str, float] = defaultdict(float)
    for member in members(conninfo):
        weight = member.weight()
        total += weight
        streets[street_of(member.area_path)] += weight
    scale = records / total if total else 0.0
    return scale, {path: weight * scale for path, weight in streets.items()}


def places(conninfo: str) -> tuple[dict[str, Place], dict[str, Place]]:
    """The communities and streets by path (secretaries filled in later)."""
    with psycopg.connect(conninfo) as conn:
        rows = conn.execute(
            "SELECT id, path, name, level, kind_label FROM area "
            "WHERE level IN ('street', 'community') ORDER BY path"
        ).fetchall()
    communities = {p: Place(i, p, n, k == "社区") for i, p, n, lvl, k in rows if lvl == "community"}
    streets = {p: Place(i, p, n, True) for i, p, n, lvl, k in rows if lvl == "street"}
    return communities, streets


def secretaries(
    conninfo: str, communities: dict[str, Place], streets: dict[str, Place]
) -> tuple[dict[str, Place], dict[str, Place], int]:
    """An account per community (community_admin) and street (street_admin), by COPY."""
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        account = cur.execute("SELECT coalesce(max(id), 0) FROM account").fetchone()[0]  # type: ignore[index]
        grant = cur.execute("SELECT coalesce(max(id), 0) FROM role_grant").fetchone()[0]  # type: ignore[index]
        made: list[dict[str, Place]] = []
        created = ts((FIRST - 30) * DAY_US)
        with (
            cur.copy("COPY account (id, openid, status, created_at) FROM STDIN") as accounts,
        ):
            for group, prefix in ((communities, "c"), (streets, "s")):
                filled = {}
                for path, place in group.items():
                    account += 1
                    openid = f"bench-secretary-{prefix}{place.id}"
                    accounts.write(_row(account, openid, "active", created))
                    filled[path] = Place(place.id, path, place.name, place.urban, account)
                made.append(filled)
        with cur.copy(
            "COPY role_grant (id, account_id, role, area_id, scope_key, granted_at) FROM STDIN"
        ) as grants:
            for group, role in ((made[0], "community_admin"), (made[1], "street_admin")):
                for place in group.values():
                    grant += 1
                    grants.write(
                        _row(grant, place.secretary, role, place.id, f"area:{place.id}", created)
                    )
        for table in ("account", "role_grant"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT max(id) FROM {table}))"
            )
    return made[0], made[1], len(communities) + len(streets)


def pass_one(
    conninfo: str,
    scale: float,
    street_weights: dict[str, float],
    places: tuple[dict[str, Place], dict[str, Place]],
    out: Writer,
    log: Callable[[str], None],
) -> Counter[int]:
    """Members community by community: pools, records (unsorted), consents, policies.
    Returns the verified reported members by number of records."""
    communities, streets = places
    services: Counter[int] = Counter()
    street_pool: Pool | None = None
    street_path: str | None = None
    seen: set[str] = set()
    made = 0
    for path, group in by_community(members(conninfo)):
        if path in seen:  # the area-path order must keep a community's members together
            raise RuntimeError(f"members of {path} are not contiguous in the member stream")
        seen.add(path)
        community = communities[path]
        if street_of(path) != street_path:
            if street_pool is not None:
                close_pool(street_pool, out)
            street_path = street_of(path)
            street = streets[street_path]
            wanted_there = street_weights.get(street_path, 0.0) * STREET_SHARE
            street_pool = make_pool(
                random.Random(SEED * 1_000_003 + street.id),
                out,
                street,
                Visibility.STREET,
                max(MIN_STREET_SHIFTS, math.ceil(wanted_there / STREET_ATTENDANCE)),
            )
        rng = random.Random(SEED * 1_000_003 + community.id)
        wanted = [services_wanted(rng, member, scale) for member in group]
        shifts = math.ceil(sum(wanted) * (1 - STREET_SHARE) / COMMUNITY_ATTENDANCE)
        automatic = rng.random() < AUTOMATIC_SHARE
        pool = make_pool(
            rng, out, community, Visibility.COMMUNITY, max(MIN_COMMUNITY_SHIFTS, shifts), automatic
        )
        if automatic:
            out.write("approval_policy", _row(community.id, "automatic", None, None, ts(0)))
        for member, want in zip(group, wanted, strict=True):
            if member.verified and rng.random() < UNIT_FEEDBACK_SHARE:
                out.write(
                    "consent_record",
                    _row(
                        out.counts["consent_record"] + out.next_consent + 1,
                        member.account_id,
                        ConsentKind.UNIT_FEEDBACK.value,
                        "t",
                        NOTICE_VERSION,
                        ts((member.first_day - 1) * DAY_US + 3_600_000_000),
                        None,
                    ),
                )
            picked = pick_shifts(rng, (pool, street_pool), member.first_day, want) if want else []
            for chosen, i in picked:
                made += 1
                line, _ = record_line(rng, member, chosen, i, check=made % 1000 == 1)
                out.write("record", line)
                chosen.attendees[i] += 1
            if member.verified and member.reported:
                services[len(picked)] += 1
        close_pool(pool, out)
        if made >= out.reported + 1_000_000:
            out.reported = made
            log(f"  pass 1: {made:,} records")
    if street_pool is not None:
        close_pool(street_pool, out)
    return services


def sort_file(source: Path, target: Path, tmp: Path) -> None:
    """Sort the lines of a file bytewise (GNU sort: external, bounded memory)."""
    subprocess.run(
        ["sort", "-S", "1G", "--parallel=2", "-T", str(tmp), "-o", str(target), str(source)],
        env={**os.environ, "LC_ALL": "C"},
        check=True,
    )


def pass_two(sorted_records: Path, tasks: dict[int, Task], events: IO[str]) -> Iterator[str]:
    """Records in creation order, numbered: COPY text of ``service_record``; their ledger
    events go to ``events`` (time, member, record, kind, amount, actor, reason)."""
    record_id = 0
    with sorted_records.open(encoding="utf-8") as source:
        for line in source:
            (
                created,
                member,
                shift,
                task,
                day,
                source_kind,
                check_in,
                check_out,
                minutes,
                credited,
                status,
                flags,
                overdue,
                decided_by,
                decided_at,
                updated,
                happened,
            ) = line.rstrip("\n").split("\t")
            record_id += 1
            facts = tasks[int(task)]
            yield (
                f"{record_id}\t{member}\t{shift}\t{facts.area}\t{_DATES[int(day)]}\t"
                f"{facts.where}\t{RULE}\t{source_kind}\t{ts(int(check_in) * 1_000_000)}\t"
                f"{ts(int(check_out) * 1_000_000) if check_out else NULL}\t{minutes}\t"
                f"{credited}\t{status}\t{flags}\t{overdue}\t{decided_by or NULL}\t"
                f"{ts(int(decided_at)) if decided_at else NULL}\t"
                f"{REJECT_REASON if status == 'rejected' else NULL}\t"
                f"{ts(int(created))}\t{ts(int(updated))}\n"
            )
            if happened:
                for event in happened.split(";"):
                    at, kind, amount, actor, reason = event.split(",")
                    events.write(
                        f"{int(at):014d}\t{member}\t{record_id}\t{kind}\t{amount}\t{actor}\t"
                        f"{reason}\n"
                    )


NULL = "\\N"
RECORD_COLUMNS = (
    "id, member_id, shift_id, area_id, area_path, activity_name, service_date, place, "
    "content, person_in_charge, rule, source, check_in_at, check_out_at, minutes, "
    "credited_minutes, status, flags, overdue, decided_by_id, decided_at, reject_reason, "
    "created_at, updated_at"
)
ENTRY_COLUMNS = (
    "id, member_id, seq, record_id, amount, kind, actor_id, reason, created_at, prev_hash, hash"
)
KINDS = {kind.value: kind for kind in LedgerKind}


@dataclass
class Chains:
    """The end of every member's hours chain while the entries are hashed in time order."""

    size: int
    key: str  # LEDGER_SIGNING_KEY: each head is sealed as the app's append seals it
    seq: array[int] = field(init=False)
    total: array[int] = field(init=False)
    last_at: array[int] = field(init=False)
    last_hash: list[str | None] = field(init=False)

    def __post_init__(self) -> None:
        self.seq = array("I", bytes(4 * self.size))
        self.total = array("q", bytes(8 * self.size))
        self.last_at = array("q", bytes(8 * self.size))
        self.last_hash = [None] * self.size

    def heads(self) -> Iterator[str]:
        """COPY text of ``ledger_head`` for every member with entries."""
        for member_id in range(self.size):
            if self.seq[member_id]:
                last_hash = self.last_hash[member_id]
                assert last_hash is not None
                yield _row(
                    "hours",
                    member_id,
                    self.total[member_id],
                    self.seq[member_id],
                    last_hash,
                    head_seal(
                        Ledger.HOURS,
                        member_id=member_id,
                        entries=self.seq[member_id],
                        total=self.total[member_id],
                        last_hash=last_hash,
                        key=self.key,
                    ),
                    ts(self.last_at[member_id]),
                )


def pass_three(sorted_events: Path, chains: Chains) -> Iterator[str]:
    """Ledger entries in time order, numbered and chained per member with the app's
    ``entry_hash``: COPY text of ``hours_entry``."""
    entry_id = 0
    with sorted_events.open(encoding="utf-8") as source:
        for line in source:
            at, member, record, kind, amount, actor, reason = line.rstrip("\n").split("\t")
            member_id, at_us, value = int(member), int(at), int(amount)
            seq = chains.seq[member_id] + 1
            prev = chains.last_hash[member_id] or GENESIS_HASH
            text = REASONS[reason] if reason else None
            digest = entry_hash(
                Ledger.HOURS,
                member_id=member_id,
                seq=seq,
                record_id=int(record),
                amount=value,
                kind=KINDS[kind],
                actor_id=int(actor) if actor else None,
                reason=text,
                created_at=BASE + timedelta(microseconds=at_us),
                prev_hash=prev,
            )
            total = chains.total[member_id] + value
            if total < 0:
                raise RuntimeError(f"member {member_id}'s hours would go below zero at seq {seq}")
            chains.seq[member_id], chains.total[member_id] = seq, total
            chains.last_hash[member_id], chains.last_at[member_id] = digest, at_us
            entry_id += 1
            yield (
                f"{entry_id}\t{member}\t{seq}\t{record}\t{amount}\t{kind}\t{actor or NULL}\t"
                f"{text or NULL}\t{ts(at_us)}\t{prev}\t{digest}\n"
            )


def copy_lines(cur: psycopg.Cursor[Any], table: str, columns: str, lines: Iterator[str]) -> int:
    """COPY text lines into a table, in chunks; returns the number of rows."""
    rows = 0
    chunk: list[str] = []
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy:
        for line in lines:
            chunk.append(line)
            if len(chunk) == 5000:
                copy.write("".join(chunk))
                rows += len(chunk)
                chunk.clear()
        if chunk:
            copy.write("".join(chunk))
            rows += len(chunk)
    return rows


def copy_file(cur: psycopg.Cursor[Any], table: str, columns: str, path: Path) -> None:
    with cur.copy(f"COPY {table} ({columns}) FROM STDIN") as copy, path.open("rb") as source:
        while chunk := source.read(1 << 20):
            copy.write(chunk)


# Periods, requirements, the notice ------------------------------------------------------------


def periods() -> list[tuple[int, str, int]]:
    """The year period of every city, the city's rule and its first street's tightening, and
    the privacy notice the consents name (ORM, in an app context). Returns (city id, name,
    period id) per city."""
    if db.session.scalar(select(PrivacyNotice).where(PrivacyNotice.version == NOTICE_VERSION)):
        raise RuntimeError("history already loaded: the bench wipes the database first")
    set_at = BASE + timedelta(days=FIRST + 4)
    db.session.add(
        PrivacyNotice(
            version=NOTICE_VERSION, title="隐私政策", content="（基准测试数据）", published_at=BASE
        )
    )
    made = []
    for city in db.session.scalars(
        select(Area).where(Area.level == AreaLevel.CITY).order_by(Area.id)
    ):
        period = Period(
            city_id=city.id,
            kind=PeriodKind.YEAR,
            starts_on=date(YEAR, 1, 1),
            ends_on=date(YEAR, 12, 31),
            created_at=set_at,
        )
        db.session.add(period)
        db.session.flush()
        db.session.add(
            Requirement(period_id=period.id, area_id=city.id, effective_from=set_at, **CITY_RULE)
        )
        street = db.session.scalar(
            select(Area).where(Area.parent_id == city.id).order_by(Area.division_code).limit(1)
        )
        if street is not None:
            db.session.add(
                Requirement(
                    period_id=period.id,
                    area_id=street.id,
                    effective_from=set_at + timedelta(days=3),
                    **STREET_RULE,
                )
            )
        made.append((city.id, city.name, period.id))
    db.session.commit()
    return made


# The load -------------------------------------------------------------------------------------

LOADED = ("task", "shift", "service_record", "hours_entry", "ledger_head", "consent_record")
REFERENCES = [  # (table, column, referenced table) of every foreign key of the loaded rows
    ("task", "area_id", "area"),
    ("task", "category_id", "task_category"),
    ("task", "created_by_id", "account"),
    ("shift", "task_id", "task"),
    ("service_record", "member_id", "member"),
    ("service_record", "shift_id", "shift"),
    ("service_record", "area_id", "area"),
    ("service_record", "decided_by_id", "account"),
    ("hours_entry", "member_id", "member"),
    ("hours_entry", "record_id", "service_record"),
    ("hours_entry", "actor_id", "account"),
    ("ledger_head", "member_id", "member"),
    ("consent_record", "account_id", "account"),
    ("approval_policy", "area_id", "area"),
]
TASK_COLUMNS = (
    "id, area_id, area_path, kind, category_id, title, content, address, checkin_radius_m, "
    "visibility, contact_name, contact_phone, status, created_by_id, created_at, updated_at, "
    "published_at, checkin_mode, allow_walk_ins, checkin_opens_minutes, checkout_closes_minutes"
)
SHIFT_COLUMNS = (
    "id, task_id, scope_path, task_status, task_kind, task_category_id, task_area_path, "
    "starts_at, ends_at, capacity, signup_deadline, status, confirmed_count, created_at"
)
FILES = {  # pass 1's files: table, columns
    "task": TASK_COLUMNS,
    "shift": SHIFT_COLUMNS,
    "approval_policy": "area_id, mode, auto_below_minutes, updated_by_id, updated_at",
    "consent_record": "id, account_id, kind, granted, notice_version, recorded_at, ip",
}


def load(app: Any, conninfo: str, records: int, log: Callable[[str], None]) -> Loaded:
    """Load a year of history on top of the province in ``conninfo`` (see the module)."""
    seconds: dict[str, float] = {}
    started = t = time.perf_counter()

    def lap(name: str) -> None:
        nonlocal t
        seconds[name] = time.perf_counter() - t
        t = time.perf_counter()
        log(f"  {name}: {seconds[name]:.0f}s")

    with app.app_context():
        cities = periods()
        categories = {c.name: c.id for c in db.session.scalars(select(TaskCategory))}
    found = places(conninfo)
    communities, streets, _ = secretaries(conninfo, *found)
    scale, street_weights = scale_of(conninfo, records)
    with psycopg.connect(conninfo) as conn:
        top = conn.execute(
            "SELECT (SELECT coalesce(max(id), 0) FROM task), (SELECT coalesce(max(id), 0) FROM "
            "shift), (SELECT coalesce(max(id), 0) FROM consent_record), "
            "(SELECT coalesce(max(id), 0) FROM member)"
        ).fetchone()
        assert top is not None
    lap("periods, secretaries, the scale (pass 0)")
    with tempfile.TemporaryDirectory(prefix="sunshine-history-") as tmp_name:
        tmp = Path(tmp_name)
        paths = {name: tmp / f"{name}.tsv" for name in (*FILES, "record")}
        handles = {n: p.open("w", encoding="utf-8", newline="") for n, p in paths.items()}
        out = Writer(handles, categories, top[0], top[1], next_consent=top[2])
        try:
            services = pass_one(conninfo, scale, street_weights, (communities, streets), out, log)
        finally:
            for handle in handles.values():
                handle.close()
        mib = {name: path.stat().st_size / 2**20 for name, path in paths.items()}
        lap(f"pass 1: {out.counts['record']:,} records generated")
        counts: dict[str, int] = {
            "task": out.counts["task"],
            "shift": out.counts["shift"],
            "approval_policy": out.counts["approval_policy"],
            "consent_record": out.counts["consent_record"],
            "secretaries": len(communities) + len(streets),
        }
        with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
            cur.execute("SET session_replication_role = replica")
            cur.execute("SET maintenance_work_mem = '1GB'")
            recreate = drop_indexes(cur, list(LOADED))
            for name, columns in FILES.items():
                copy_file(cur, name, columns, paths[name])
            conn.commit()
            lap(f"{len(recreate)} indexes dropped; COPY of tasks, shifts, policies, consents")
            sort_file(paths["record"], tmp / "record.sorted", tmp)
            paths["record"].unlink()
            lap("records sorted by creation time")
            with (tmp / "events.tsv").open("w", encoding="utf-8", newline="") as events:
                counts["service_record"] = copy_lines(
                    cur,
                    "service_record",
                    RECORD_COLUMNS,
                    pass_two(tmp / "record.sorted", out.tasks, events),
                )
            conn.commit()
            (tmp / "record.sorted").unlink()
            mib["events"] = (tmp / "events.tsv").stat().st_size / 2**20
            lap("pass 2: COPY service_record")
            sort_file(tmp / "events.tsv", tmp / "events.sorted", tmp)
            (tmp / "events.tsv").unlink()
            lap("ledger events sorted by time")
            chains = Chains(top[3] + 1, app.config["LEDGER_SIGNING_KEY"])
            counts["hours_entry"] = copy_lines(
                cur, "hours_entry", ENTRY_COLUMNS, pass_three(tmp / "events.sorted", chains)
            )
            counts["ledger_head"] = copy_lines(
                cur,
                "ledger_head",
                "ledger, member_id, total, entries, last_hash, seal, updated_at",
                chains.heads(),
            )
            conn.commit()
            lap("pass 3: hashed, COPY hours_entry and ledger_head")
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        cur.execute("SET maintenance_work_mem = '1GB'")
        for table in ("task", "shift", "service_record", "hours_entry", "consent_record"):
            cur.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "  # noqa: S608
                f"(SELECT greatest(max(id), 1) FROM {table}))"
            )
        for statement in recreate:
            cur.execute(statement)
        conn.commit()
        lap("indexes and unique constraints built")
        check_references(cur, REFERENCES)
        lap("foreign keys of the loaded rows checked")
    seconds["total"] = time.perf_counter() - started
    return Loaded(counts, seconds, services, cities, mib)
