"""Call-up proposal: 1,000 places from 20,000 members on PostgreSQL (issue 4 target: ≤ 10 s).

One command, bounded in time, in-process (Flask test client of ``sunshine.create_app``, no
HTTP server), talking only to PostgreSQL on 127.0.0.1, database ``sunshine_bench_callup``
(created if missing, its public schema dropped and migrated; the name must contain "bench"):

1. Data. 孝义 by ``sunshine.demo.build_city`` (16 streets and townships, 305 communities);
   ``--members`` verified members with active report-ins spread over the communities (an
   urban 社区 weighs 4 村), 40 % with 1–3 skills, random availability; this year's service
   history (0–8 past services of 2–4 hours each on past shifts of their community); on the
   call-up day (a week ahead) 5 % of the members already hold a place on a clashing shift;
   then ``--posts`` posts on that day across the city (owned 80 % by a community and 20 %
   by a street; visible to the community 40 %, street 40 %, city 20 %; 30 % asking for 1–2
   skills; starting 08:00, 09:00, 14:00 or 19:00) sharing ``--places`` places. All bulk rows
   go in with COPY; VACUUM (ANALYZE) afterwards.
2. An org admin of the city (a bearer token written into ``auth_token``) creates the call-up
   with ``POST /api/v1/call-ups``, then ``POST /api/v1/call-ups/{id}/proposal`` is timed end
   to end ``--rounds`` times (each replaces the last proposal), with its SQL statements
   counted; then ``service.propose`` is run the same number of times in an app context
   with a ``Timings`` to split the time: SQL load (posts, members, skills, signups,
   minutes served), graph build (candidate lists, scores), solve (network simplex; rounds,
   edges), store (the INSERT of the assignments and the commit).
3. Checks on the stored proposal, from the database, not from the solver: nobody twice, no
   post over its places, every member verified, reported in under the post's scope and free
   then (no clashing live signup, no pending invitation to it); the fill equals the maximum
   flow of the eligibility graph; nobody left out would score higher on a post than someone
   put there (score re-derived here from the rules), and at equal score the one further behind
   is chosen.
4. ``POST /api/v1/call-ups/{id}/confirm`` is timed once, and its signups and invitations
   counted.

The report (Markdown) goes to stdout, progress to stderr. The machine is shared: the load
average and the CPU share of other processes during each timed request are printed.

    .venv/bin/python bench/callup.py                 # ~2 min, most of it the data

``--smoke``: a city of 22 communities (``_lib.smoke.CITY``), 300 members, 5 posts sharing 40
places, one round, on ``sunshine_bench_smoke`` by default; the checks must pass as in a real run.
"""

from __future__ import annotations

import argparse
import os
import random
import time
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import networkx as nx
import psycopg
from _lib import smoke
from _lib.app import catalogue, make_app, token_for
from _lib.cpu import backend_pids, other_cpu_share, snapshot
from _lib.databases import Rows, conninfo_of, ensure_postgres, migrate, wipe
from _lib.province import street_of
from _lib.report import log, machine_facts
from sqlalchemy import event, select

from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.access.permissions import Actor, active_grants
from sunshine.auth.models import Account
from sunshine.callups import service, solver
from sunshine.demo import SEED, XIAOYI, build_city, person_name
from sunshine.extensions import db
from sunshine.hours.ledger.chain import GENESIS_HASH, entry_hash
from sunshine.hours.ledger.seal import head_seal
from sunshine.hours.models import Ledger, LedgerKind
from sunshine.org.models import Area

DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_bench_callup"
SHANGHAI = ZoneInfo("Asia/Shanghai")
TARGET_S = 10.0
YEARLY = 24 * 60
SLOTS = ((8, 4), (9, 3), (14, 3), (19, 2))  # (start hour, hours), Beijing time


# Data ----------------------------------------------------------------------------------------


@dataclass
class Person:
    id: int
    community: str  # path
    flags: tuple[bool, bool, bool]  # weekday daytime, evenings, weekends
    skills: frozenset[int]
    served: int  # minutes this year


def credit_history(
    rows: Rows,
    people: dict[int, Person],
    served_on: dict[int, tuple[int, date]],
    places: list[tuple[int, str, int]],
    now: datetime,
    key: str,
) -> None:
    """What the app reads as a member's service this year (``hours.confirmed_minutes_in_year``):
    one confirmed record per member who served, on a past shift of theirs, credited with all
    their minutes through the hours ledger — one confirm entry per member's chain and its
    head, hashed as the app hashes them (as ``tests.bulk.add_service_history``)."""
    area_of = {path: area_id for area_id, path, _ in places}
    for n, (member_id, (shift_id, day)) in enumerate(sorted(served_on.items()), start=1):
        person = people[member_id]
        rows.add(
            "service_record",
            id=n,
            member_id=member_id,
            shift_id=shift_id,
            area_id=area_of[person.community],
            area_path=person.community,
            activity_name="社区服务",
            service_date=day,
            place="社区",
            content="社区服务",
            person_in_charge="王书记",
            rule="clamped_quarter_hours",
            source="hand",
            minutes=person.served,
            credited_minutes=person.served,
            status="confirmed",
            flags="[]",
            overdue=False,
            created_at=now,
            updated_at=now,
        )
        fields = {
            "member_id": member_id,
            "seq": 1,
            "record_id": n,
            "amount": person.served,
            "kind": LedgerKind.CONFIRM,
            "actor_id": None,
            "reason": "以往服务",
            "created_at": now,
            "prev_hash": GENESIS_HASH,
        }
        digest = entry_hash(Ledger.HOURS, **fields)
        rows.add("hours_entry", id=n, **{**fields, "kind": "confirm"}, hash=digest)
        rows.add(
            "ledger_head",
            ledger="hours",
            member_id=member_id,
            total=person.served,
            entries=1,
            last_hash=digest,
            seal=head_seal(  # as the app's append seals it (LEDGER_SIGNING_KEY)
                Ledger.HOURS,
                member_id=member_id,
                entries=1,
                total=person.served,
                last_hash=digest,
                key=key,
            ),
            updated_at=now,
        )


def generate(app: Any, conninfo: str, args: argparse.Namespace) -> dict[str, Any]:
    """The city, members, history, the day's other signups and the posts' shifts."""
    rng = random.Random(SEED * 7 + args.members)
    now = datetime.now(UTC)
    today = now.astimezone(SHANGHAI).date()
    day = today + timedelta(days=7)
    with app.app_context():
        shape = smoke.CITY if args.smoke else XIAOYI
        city, communities, units = build_city(rng, "孝义市", "141181000000", shape)
        db.session.commit()
        admin = Account(openid="bench-callup-org")
        db.session.add(admin)
        db.session.flush()
        access.create_grant(actor=None, account_id=admin.id, role=Role.ORG_ADMIN, area_id=city.id)
        db.session.commit()
        skill_ids, categories = catalogue()
        places = [(c.id, c.path, 4 if c.kind_label == "社区" else 1) for c in communities]
        streets = sorted({street_of(c.path) for c in communities})
        street_ids = {
            a.path: a.id for a in db.session.scalars(select(Area).where(Area.path.in_(streets)))
        }
        unit_ids = [u.id for u in units]
        admin_id, city_id, city_path = admin.id, city.id, city.path
    rows = Rows()
    offset = 1000  # ids above what the ORM made (the admin's account)
    weights = [w for _, _, w in places]
    people: dict[int, Person] = {}
    created = now - timedelta(days=200)
    for k in range(1, args.members + 1):
        community_id, path, _ = rng.choices(places, weights)[0]
        flags = (rng.random() < 0.3, rng.random() < 0.5, rng.random() < 0.6)
        skills = (
            frozenset(rng.sample(skill_ids, rng.randint(1, 3)))
            if rng.random() < 0.4
            else frozenset()
        )
        rows.add(
            "account",
            id=offset + k,
            openid=f"bench-callup-m{k}",
            status="active",
            created_at=created,
        )
        rows.add(
            "member",
            id=offset + k,
            account_id=offset + k,
            name=person_name(rng),
            unit_id=rng.choice(unit_ids),
            residence_id=community_id,
            area_path=path,
            status="verified",
            available_weekday_daytime=flags[0],
            available_evenings=flags[1],
            available_weekends=flags[2],
            created_at=created,
            updated_at=created,
        )
        for skill in sorted(skills):
            rows.add("member_skill", member_id=offset + k, skill_id=skill)
        rows.add(
            "report_in",
            id=offset + k,
            member_id=offset + k,
            community_id=community_id,
            status="active",
            requested_at=created,
            decided_at=created,
        )
        people[offset + k] = Person(offset + k, path, flags, skills, 0)
    task_id = shift_id = signup_id = offset

    carried: dict[int, dict[str, Any]] = {}  # task id -> what its shifts carry of it

    def task(area_id: int, path: str, visibility: str, skills: list[int], title: str) -> int:
        nonlocal task_id
        task_id += 1
        category_id = rng.choice(categories)[0]
        carried[task_id] = {
            "task_status": "published",
            "task_kind": "activity",
            "task_category_id": category_id,
            "task_area_path": path,
        }
        rows.add(
            "task",
            id=task_id,
            area_id=area_id,
            area_path=path,
            kind="activity",
            category_id=category_id,
            title=title,
            content="……",
            address="……",
            checkin_radius_m=200,
            visibility=visibility,
            contact_name="王书记",
            contact_phone="0358-7221234",
            status="published",
            created_at=created,
            updated_at=created,
            published_at=created,
        )
        for skill in skills:
            rows.add("task_skill", task_id=task_id, skill_id=skill)
        return task_id

    def shift(task: int, scope: str, starts: datetime, ends: datetime, cap: int, used: int) -> int:
        nonlocal shift_id
        shift_id += 1
        rows.add(
            "shift",
            id=shift_id,
            task_id=task,
            scope_path=scope,
            **carried[task],
            starts_at=starts,
            ends_at=ends,
            capacity=cap,
            signup_deadline=min(starts, max(now + timedelta(hours=1), starts - timedelta(days=1))),
            status="open",
            confirmed_count=used,
            created_at=created,
        )
        return shift_id

    def signup(shift: int, member: int, at: datetime) -> None:
        nonlocal signup_id
        signup_id += 1
        rows.add(
            "signup",
            id=signup_id,
            shift_id=shift,
            member_id=member,
            status="confirmed",
            created_at=at,
            confirmed_at=at,
            late_cancel=False,
        )

    # This year's history: each community's past shifts, and who served on them.
    by_community: dict[str, list[Person]] = defaultdict(list)
    for p in people.values():
        by_community[p.community].append(p)
    year_start = datetime(today.year, 1, 1, tzinfo=SHANGHAI)
    span = (now - timedelta(days=2) - year_start).total_seconds()
    history = 0
    served_on: dict[int, tuple[int, date]] = {}  # member -> a past shift served on, its date
    for community_id, path, _ in places:
        members = by_community[path]
        if not members:
            continue
        past = task(community_id, path, "community", [], "社区服务")
        slots = []
        for _ in range(24):
            starts = year_start + timedelta(seconds=rng.uniform(0, span))
            slots.append((starts, 60 * rng.choice((2, 3, 4)), []))
        for person in members:
            for _, minutes, who in rng.sample(slots, rng.choice((0, 0, 0, 1, 1, 2, 3, 4, 6, 8))):
                who.append(person.id)
                person.served += minutes
        for starts, minutes, who in slots:
            sid = shift(past, path, starts, starts + timedelta(minutes=minutes), 1000, len(who))
            for member in who:
                signup(sid, member, starts)
                served_on.setdefault(member, (sid, starts.astimezone(SHANGHAI).date()))
                history += 1
    credit_history(rows, people, served_on, places, now, app.config["LEDGER_SIGNING_KEY"])
    # The call-up day: 5 % of the members already hold a place on a clashing shift.
    busy = 0
    for community_id, path, _ in places:
        members = [p for p in by_community[path] if rng.random() < 0.05]
        if not members:
            continue
        local = task(community_id, path, "community", [], "社区值守")
        for hour, hours in SLOTS[::2]:
            starts = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
            who = [p for p in members if rng.random() < 0.5]
            sid = shift(local, path, starts, starts + timedelta(hours=hours), 1000, len(who))
            for person in who:
                signup(sid, person.id, now)
                busy += 1
    # The posts.
    shares = [rng.uniform(1, 4) for _ in range(args.posts)]
    places_of = [max(3, round(args.places * s / sum(shares))) for s in shares]
    places_of[-1] += args.places - sum(places_of)
    posts = []
    busiest = max(
        streets,
        key=lambda path: sum(len(by_community[c]) for _, c, _ in places if c.startswith(path)),
    )
    for n in places_of:
        if args.scenario == "street":  # every post a street-wide task of one street
            path = busiest
            owner, visibility = street_ids[path], "street"
        elif rng.random() < 0.2:
            path = rng.choice(streets)
            owner, visibility = street_ids[path], rng.choice(("street", "street", "city"))
        else:
            owner, path, _ = rng.choices(places, weights)[0]
            visibility = rng.choices(("community", "street", "city"), (40, 40, 20))[0]
        scope = {"community": path, "street": street_of(path), "city": city_path}[visibility]
        asked = rng.sample(skill_ids, rng.randint(1, 2)) if rng.random() < 0.3 else []
        hour, hours = rng.choice(SLOTS)
        starts = datetime(day.year, day.month, day.day, hour, tzinfo=SHANGHAI)
        tid = task(owner, path, visibility, asked, "文明城市迎检岗")
        sid = shift(tid, scope, starts, starts + timedelta(hours=hours), n + rng.randint(0, 10), 0)
        posts.append({"shift_id": sid, "places": n})
    started = time.perf_counter()
    rows.copy(conninfo)
    counts = rows.counts()
    log(f"COPY {counts} ({time.perf_counter() - started:.1f}s)")
    with psycopg.connect(conninfo, autocommit=True) as conn:
        conn.execute("VACUUM (ANALYZE)")
    return {
        "admin_id": admin_id,
        "area_id": street_ids[busiest] if args.scenario == "street" else city_id,
        "day": day,
        "posts": posts,
        "people": people,
        "counts": counts,
        "communities": len(places),
        "history": history,
        "busy": busy,
    }


# Measuring -----------------------------------------------------------------------------------


class Statements:
    """Counts the SQL statements the app's engine runs."""

    def __init__(self, engine: Any) -> None:
        self.n = 0
        event.listen(engine, "before_cursor_execute", self._count)

    def _count(self, *_: Any) -> None:
        self.n += 1


def timed_post(client: Any, url: str, headers: dict[str, str], conninfo: str, **kw: Any) -> Any:
    pids = backend_pids(conninfo)
    before = snapshot(pids)
    started = time.perf_counter()
    response = client.post(url, headers=headers, **kw)
    seconds = time.perf_counter() - started
    other = other_cpu_share(before, snapshot(pids))
    if response.status_code not in (200, 201):
        raise SystemExit(f"{url}: {response.status_code} {response.json}")
    return response, seconds, other


def propose_in_app(app: Any, call_up_id: int, admin_id: int) -> Any:
    with app.app_context():
        account = db.session.get(Account, admin_id)
        actor = Actor(account=account, grants=active_grants(admin_id))
        timings = solver.Timings()
        started = time.perf_counter()
        service.propose(actor=actor, call_up_id=call_up_id, timings=timings)
        commit = time.perf_counter()
        db.session.commit()
        timings.store += time.perf_counter() - commit
        total = time.perf_counter() - started
        db.session.remove()
    return timings, total


# Checking ------------------------------------------------------------------------------------


def slot_of(starts: datetime) -> int:
    local = starts.astimezone(SHANGHAI)
    if local.weekday() >= 5:
        return 2
    return 1 if local.hour >= 18 else 0


def check(conninfo: str, call_up_id: int, people: dict[int, Person]) -> dict[str, Any]:
    """Validity and fairness of the stored proposal, read back from the database."""
    with psycopg.connect(conninfo) as conn:
        posts = {
            r[0]: r[1:]
            for r in conn.execute(
                "SELECT p.id, p.places, s.id, s.scope_path, s.starts_at, s.ends_at, "
                "t.area_path, s.capacity - s.confirmed_count FROM call_up_post p "
                "JOIN shift s ON s.id = p.shift_id JOIN task t ON t.id = s.task_id "
                "WHERE p.call_up_id = %s",
                (call_up_id,),
            )
        }
        skills = defaultdict(set)
        for task_path_shift, skill in conn.execute(
            "SELECT p.id, ts.skill_id FROM call_up_post p JOIN shift s ON s.id = p.shift_id "
            "JOIN task_skill ts ON ts.task_id = s.task_id WHERE p.call_up_id = %s",
            (call_up_id,),
        ):
            skills[task_path_shift].add(skill)
        assigned = conn.execute(
            "SELECT member_id, post_id, score FROM call_up_assignment WHERE call_up_id = %s",
            (call_up_id,),
        ).fetchall()
        reported = dict(
            conn.execute(
                "SELECT m.id, a.path FROM member m JOIN report_in r ON r.member_id = m.id "
                "AND r.status = 'active' JOIN area a ON a.id = r.community_id "
                "WHERE m.status = 'verified'"
            ).fetchall()
        )
        day_start = min(p[3] for p in posts.values())
        day_end = max(p[4] for p in posts.values())
        held: dict[int, list[tuple[datetime, datetime]]] = defaultdict(list)
        for member, starts, ends in conn.execute(
            "SELECT g.member_id, s.starts_at, s.ends_at FROM signup g JOIN shift s "
            "ON s.id = g.shift_id WHERE g.status IN ('confirmed', 'waitlisted') "
            "AND s.status = 'open' AND s.starts_at < %s AND s.ends_at > %s",
            (day_end, day_start),
        ):
            held[member].append((starts, ends))
        invited = set(
            conn.execute(
                "SELECT i.member_id, p.id FROM invitation i JOIN call_up_post p "
                "ON p.shift_id = i.shift_id WHERE i.status = 'pending' AND p.call_up_id = %s",
                (call_up_id,),
            ).fetchall()
        )

    def eligible(member: int, post: int) -> bool:
        _, _, scope, starts, ends, _, _ = posts[post]
        path = reported.get(member)
        return (
            path is not None
            and path.startswith(scope)
            and (member, post) not in invited
            and not any(s < ends and e > starts for s, e in held.get(member, ()))
        )

    def score(member: int, post: int) -> tuple[int, int]:
        p, task_path, starts = people[member], posts[post][5], posts[post][3]
        where = (
            30
            if p.community == task_path
            else 20
            if street_of(p.community) == street_of(task_path)
            else 10
        )
        gap = max(0, YEARLY - p.served)
        points = where + 15 * min(2, len(p.skills & skills[post])) + 10 * p.flags[slot_of(starts)]
        return points + 10 * gap // YEARLY, gap

    members = Counter(m for m, _, _ in assigned)
    per_post = Counter(post for _, post, _ in assigned)
    problems = []
    if any(n > 1 for n in members.values()):
        problems.append("someone twice")
    if any(per_post[p] > min(v[0], v[6]) for p, v in posts.items()):
        problems.append("a post over its places")
    if not all(eligible(m, post) for m, post, _ in assigned):
        problems.append("an assignment not eligible or not free")
    if any(score(m, post)[0] != s for m, post, s in assigned):
        problems.append("a stored score differs from the rules")
    kinds = Counter(frozenset(p for p in posts if eligible(m, p)) for m in reported)
    graph = nx.DiGraph()
    for post, values in posts.items():
        graph.add_edge(("post", post), "t", capacity=min(values[0], values[6]))
    for kind, n in kinds.items():
        graph.add_edge("s", kind, capacity=n)
        for post in kind:
            graph.add_edge(kind, ("post", post))
    most = nx.maximum_flow_value(graph, "s", "t")
    if len(assigned) != most:
        problems.append(f"fill {len(assigned)} below the maximum {most}")
    chosen = {m for m, _, _ in assigned}
    at_post = defaultdict(list)
    for m, post, _ in assigned:
        at_post[post].append(m)
    for post in posts:
        if not at_post[post]:
            continue
        worst = min(score(m, post) for m in at_post[post])
        best_left = max(
            (score(m, post) for m in reported if m not in chosen and eligible(m, post)),
            default=None,
        )
        if best_left is not None and best_left > worst:
            problems.append(f"post {post}: someone left out outranks someone chosen")
    own = sum(1 for m, post, _ in assigned if people[m].community == posts[post][5])
    return {
        "filled": len(assigned),
        "maximum": most,
        "own": own,
        "behind": sum(1 for m in chosen if people[m].served < YEARLY),
        "problems": problems,
        "eligible": len(reported),
    }


# Report --------------------------------------------------------------------------------------


def loadavg() -> str:
    return ", ".join(f"{x:.2f}" for x in os.getloadavg())


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help=f"default {DEFAULT_URL}")
    parser.add_argument("--allow-any-database", action="store_true")
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--posts", type=int, default=80)
    parser.add_argument("--places", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--scenario",
        choices=("city", "street"),
        default="city",
        help="city: posts across the city (default); street: a street call-up whose posts "
        "are all street-wide tasks of its busiest street (near-identical candidate lists)",
    )
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(args, members=300, posts=5, places=40, rounds=1)
    args.database_url = smoke.database_url(args, DEFAULT_URL)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    ensure_postgres(args.database_url, args.allow_any_database)
    conninfo = conninfo_of(args.database_url)
    app = make_app(args.database_url)
    load_before = loadavg()
    wipe(conninfo)
    migrate(app)
    log("schema migrated")
    data = generate(app, conninfo, args)
    log(f"data ready: {data['history']:,} past services, {data['busy']:,} clashing places")
    with app.app_context():
        headers = token_for(data["admin_id"])
        db.session.commit()
        statements = Statements(db.engine)
    client = app.test_client()
    body = {
        "area_id": data["area_id"],
        "title": "全国文明城市迎检",
        "day": data["day"].isoformat(),
        "posts": data["posts"],
    }
    created, create_s, _ = timed_post(client, "/api/v1/call-ups", headers, conninfo, json=body)
    call_up_id = created.json["id"]
    url = f"/api/v1/call-ups/{call_up_id}"
    http = []
    for i in range(args.rounds):
        statements.n = 0
        response, seconds, other = timed_post(client, url + "/proposal", headers, conninfo)
        http.append((seconds, other, statements.n, response.json["totals"]["filled"]))
        log(f"HTTP proposal {i + 1}: {seconds:.2f}s, {statements.n} statements, other {other:.0%}")
    parts = []
    for i in range(args.rounds):
        pids = backend_pids(conninfo)
        before = snapshot(pids)
        timings, total = propose_in_app(app, call_up_id, data["admin_id"])
        parts.append((timings, total, other_cpu_share(before, snapshot(pids))))
        log(f"service proposal {i + 1}: {total:.2f}s {timings}")
    checked = check(conninfo, call_up_id, data["people"])
    log(f"checks: {checked}")
    _, confirm_s, confirm_other = timed_post(client, url + "/confirm", headers, conninfo)
    with psycopg.connect(conninfo) as conn:
        invitations = conn.execute(
            "SELECT count(*) FROM invitation WHERE call_up_id = %s", (call_up_id,)
        ).fetchone()[0]  # type: ignore[index]
        signups = conn.execute(
            "SELECT count(*) FROM signup g JOIN call_up_post p ON p.shift_id = g.shift_id "
            "WHERE p.call_up_id = %s AND g.status = 'confirmed'",
            (call_up_id,),
        ).fetchone()[0]  # type: ignore[index]
    best = min(http)
    print("## Call-up proposal bench\n")
    print("\n".join(machine_facts(conninfo, versions=(f"networkx {nx.__version__}",))))
    print(f"- load average before the run: {load_before}; after: {loadavg()}")
    counts = data["counts"]
    print(
        f"- scenario {args.scenario}; data: 1 city, {data['communities']} communities, "
        f"{args.members:,} verified "
        "members reported in "
        f"({counts.get('member_skill', 0):,} member skills), {data['history']:,} past services "
        f"this year, {data['busy']:,} places already held that day; {args.posts} posts, "
        f"{args.places:,} places; {checked['eligible']:,} members eligible somewhere\n"
    )
    print("| Request (org_admin, in-process) | seconds | other processes' CPU | SQL statements |")
    print("| --- | ---: | ---: | ---: |")
    print(f"| POST /call-ups ({args.posts} posts) | {create_s:.2f} | | |")
    for i, (seconds, other, n, filled) in enumerate(http, 1):
        print(
            f"| POST …/proposal, round {i} ({filled} filled) | {seconds:.2f} | {other:.0%} | {n} |"
        )
    print(
        f"| POST …/confirm ({signups} signups, {invitations} invitations) "
        f"| {confirm_s:.2f} | {confirm_other:.0%} | |"
    )
    print()
    print(
        "| service.propose round | total | SQL load | graph build | solve | store "
        "| solver rounds | edges | members |"
    )
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |")
    for i, (t, total, other) in enumerate(parts, 1):
        print(
            f"| {i} (other CPU {other:.0%}) | {total:.2f} | {t.load:.2f} | {t.build:.2f} "
            f"| {t.solve:.2f} | {t.store:.2f} | {t.rounds} | {t.edges:,} | {t.members:,} |"
        )
    print()
    print(
        f"Checks: filled {checked['filled']} of {args.places} (maximum flow of the eligibility "
        f"graph: {checked['maximum']}); {checked['own']} from the task's own community; "
        f"{checked['behind']} still behind the yearly requirement; problems: "
        f"{checked['problems'] or 'none'}."
    )
    met = best[0] <= TARGET_S and not checked["problems"]
    verdict = "met" if met else "not met"
    print(f"\nTarget ≤ {TARGET_S:.0f} s end to end: **{verdict}** (best {best[0]:.2f} s).")
    return 0 if not checked["problems"] else 1


if __name__ == "__main__":
    raise SystemExit(main())
