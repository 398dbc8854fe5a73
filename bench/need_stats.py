"""Residents' wishes (issue 17): the figures of a city's year of 微心愿 and 诉求 — response
time, completion, on-time and satisfaction rates — for the city, a street and a community.

One command: it wipes and migrates the database (a temporary SQLite file unless
``--database-url``), builds 孝义市 with ``sunshine.demo.build_city`` (16 streets and towns,
305 communities and villages, their grids), then INSERTs ``--needs`` residents' needs spread
over the last 365 days, from ``--residents`` plain accounts (no member registration), placed in
a community (half of them in one of its grids), weighted so that busy communities get more:

- 4 % still waiting for an answer, 6 % declined, the rest accepted after a log-normal time
  (median ~20 h; ~8 % after the 3-working-day due time, which is stored as the app stores it);
- of the accepted, 85 % done (10 % of those after their 15-working-day due time), the rest open
  or in progress; 70 % of the done are rated (60 % 满意, 28 % 基本满意, 12 % 不满意);

then ANALYZE. Then, in this process with the Flask test client (no HTTP server), ``GET
/api/v1/needs/stats`` for the city, its busiest street and its busiest community as the org
department, ``--repeat`` times each (the first is timed apart: a cold cache). The figures are
checked against counts made here from the generated rows (exit 1 when they differ). The
issue's budget is 1 s for the city on PostgreSQL. ``--smoke``: 22 communities, 600 needs.

    .venv/bin/python bench/need_stats.py
    .venv/bin/python bench/need_stats.py --database-url postgresql://postgres@127.0.0.1:5432/bench_wishes
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import tempfile
import time
from datetime import datetime, timedelta
from datetime import time as wall
from pathlib import Path
from typing import Any

from _lib import smoke
from _lib.app import make_app, token_for
from _lib.databases import migrate, prepare_database
from _lib.report import log, machine_facts
from sqlalchemy import insert, text

from sunshine import clock
from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.demo import SEED, XIAOYI, build_city
from sunshine.extensions import db
from sunshine.hours.calendar import add_working_days
from sunshine.needs.models import Need
from sunshine.org.models import AreaLevel

BASE_ID = 1_000_000  # bulk rows' ids: past the app's own
RATINGS = (("satisfied", 0.60), ("fairly_satisfied", 0.28), ("dissatisfied", 0.12))
BUDGET = 1.0  # seconds, the city's figures on PostgreSQL (issue 17)


def _due(moment: datetime, days: int, cache: dict[Any, datetime]) -> datetime:
    """As ``needs.service.due_after``: the end of the n-th working day after the day."""
    key = (clock.local_date(moment), days)
    if key not in cache:
        last = add_working_days(key[0], days)
        cache[key] = clock.at_local(last + timedelta(days=1), wall(0))
    return cache[key]


def seed(args: argparse.Namespace, now: datetime) -> dict[str, Any]:
    """The city, its residents' accounts and a year of needs (in an app context)."""
    rng = random.Random(SEED)
    city, areas, _ = build_city(rng, "孝义市", "141181000000", smoke.CITY if args.smoke else XIAOYI)
    db.session.commit()
    communities = [a for a in areas if a.level == AreaLevel.COMMUNITY]
    grids: dict[int, list[Any]] = {c.id: [] for c in communities}
    for area in areas:
        if area.level == AreaLevel.GRID:
            grids[area.parent_id].append(area)
    weights = [rng.paretovariate(1.5) for _ in communities]  # a few busy communities
    accounts = [{"id": BASE_ID + k, "openid": f"bench-wish-{k}"} for k in range(args.residents)]
    rows: list[dict[str, Any]] = []
    expected = {"submitted": 0, "answered": 0, "done": 0, "rated": 0, "satisfied": 0}
    by_community: dict[int, int] = {}
    due_cache: dict[Any, datetime] = {}
    for k in range(args.needs):
        community = rng.choices(communities, weights)[0]
        grid = (
            rng.choice(grids[community.id]) if grids[community.id] and rng.random() < 0.5 else None
        )
        created = now - timedelta(seconds=rng.uniform(0, 364 * 86400))  # the default period
        row: dict[str, Any] = {
            "id": BASE_ID + k,
            "community_id": community.id,
            "grid_id": grid.id if grid else None,
            "area_path": (grid or community).path,
            "kind": "wish" if rng.random() < 0.6 else "request",
            "content": "楼道灯坏了，老人晚上上下楼不方便",
            "urgency": "normal",
            "status": "submitted",
            "resident_id": rng.choice(accounts)["id"],
            "created_by_id": None,
            "created_at": created,
            "updated_at": created,
            "answer_due_at": _due(created, 3, due_cache),
        }
        row["created_by_id"] = row["resident_id"]
        by_community[community.id] = by_community.get(community.id, 0) + 1
        expected["submitted"] += 1
        fate = rng.random()
        answered = created + timedelta(hours=min(rng.lognormvariate(3.0, 1.0), 24 * 20))
        if fate < 0.04 or answered > now:
            rows.append(row)
            continue
        expected["answered"] += 1
        row["answered_at"] = row["updated_at"] = answered
        if fate < 0.10:
            row.update(status="declined", decline_reason="不属于社区办理范围", closed_at=answered)
            rows.append(row)
            continue
        row["completion_due_at"] = due = _due(answered, 15, due_cache)
        row["status"] = "open" if rng.random() < 0.5 else "in_progress"
        closed = answered + (due - answered) * rng.uniform(0.1, 1.0 if rng.random() < 0.9 else 1.6)
        if rng.random() < 0.85 and closed <= now:
            row.update(status="done", closed_at=closed, updated_at=closed)
            expected["done"] += 1
            if rng.random() < 0.7:
                rating = rng.choices([r for r, _ in RATINGS], [w for _, w in RATINGS])[0]
                row.update(rating=rating, rated_at=closed + timedelta(hours=5))
                expected["rated"] += 1
                expected["satisfied"] += rating != "dissatisfied"
        rows.append(row)
    busiest = max(by_community, key=by_community.__getitem__)
    return {
        "city": city,
        "accounts": accounts,
        "rows": rows,
        "expected": expected,
        "community_id": busiest,
        "street_id": next(c.parent_id for c in communities if c.id == busiest),
    }


def insert_rows(data: dict[str, Any]) -> None:
    columns = {c.name for c in Need.__table__.columns}
    for start in range(0, len(data["accounts"]), 5000):
        db.session.execute(insert(Account.__table__), data["accounts"][start : start + 5000])
    batch = [{c: row.get(c) for c in columns} for row in data["rows"]]
    for start in range(0, len(batch), 5000):
        db.session.execute(insert(Need.__table__), batch[start : start + 5000])
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # the planner's statistics, as a live database has them
    db.session.commit()


def run(app: Any, args: argparse.Namespace) -> dict[str, Any]:
    client = app.test_client()
    now = clock.now()
    with app.app_context():
        log(f"building the city and {args.needs} needs…")
        data = seed(args, now)
        t0 = time.perf_counter()
        insert_rows(data)
        load = time.perf_counter() - t0
        log(f"inserted in {load:.1f} s")
        org = Account(openid="bench-wish-org")
        db.session.add(org)
        db.session.flush()
        access.create_grant(
            actor=None,
            account_id=org.id,
            role=Role.ORG_ADMIN,
            area_id=data["city"].id,
            unit_id=None,
        )
        headers = token_for(org.id)
        city_id = data["city"].id
        db.session.commit()
    figures = []
    for label, area_id in (
        ("city", city_id),
        ("busiest street", data["street_id"]),
        ("busiest community", data["community_id"]),
    ):
        url = f"/api/v1/needs/stats?area_id={area_id}"
        times = []
        for _ in range(args.repeat + 1):
            t0 = time.perf_counter()
            response = client.get(url, headers=headers)
            times.append(time.perf_counter() - t0)
            if response.status_code != 200:
                raise SystemExit(f"{url}: {response.status_code} {response.get_data()[:300]!r}")
        body = response.json
        median = statistics.median(times[1:])
        log(f"{label}: first {times[0] * 1000:.0f} ms, median {median * 1000:.0f} ms")
        figures.append((label, times[0], median, max(times[1:]), body))
    city = figures[0][4]
    expected = data["expected"]
    got = {
        "submitted": city["submitted"],
        "answered": city["answered"],
        "done": city["done"],
        "rated": city["rated"],
        "satisfied": city["satisfied"] + city["fairly_satisfied"],
    }
    if got != expected:
        raise SystemExit(f"the city's figures {got} are not the generated {expected}")
    return {"figures": figures, "load": load, "needs": len(data["rows"])}


def report(result: dict[str, Any], args: argparse.Namespace, backend: str) -> None:
    print(f"# Residents' needs: the figures, {backend}\n")
    print("\n".join(machine_facts()))
    city = result["figures"][0][4]
    print(
        f"\n孝义市: {result['needs']:,} needs over the year to today "
        f"({len(city['children'])} streets), "
        f"inserted in {result['load']:.1f} s; city: response median "
        f"{city['response_hours_median']} h, average {city['response_hours_average']} h, "
        f"completion {city['completion_rate']}, on time {city['on_time_rate']}, "
        f"satisfaction {city['satisfaction_rate']}.\n"
    )
    print(
        f"| GET /needs/stats | first (s) | median of {args.repeat} (s) | max (s) | needs counted |"
        "\n|---|---|---|---|---|"
    )
    for label, first, median, worst, body in result["figures"]:
        print(f"| {label} | {first:.3f} | {median:.3f} | {worst:.3f} | {body['submitted']:,} |")
    if backend.startswith("PostgreSQL") and not args.smoke:
        verdict = "within" if result["figures"][0][2] <= BUDGET else "OVER"
        print(f"\nThe city's figures: {verdict} the {BUDGET:.0f} s budget.")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="database to WIPE and use (default: SQLite)")
    parser.add_argument("--needs", type=int, default=60_000, help="needs over the year")
    parser.add_argument("--residents", type=int, default=40_000, help="accounts submitting them")
    parser.add_argument("--repeat", type=int, default=5, help="timed calls after the first")
    parser.add_argument("--allow-any-database", action="store_true")
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(args, needs=600, residents=300, repeat=2)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="sunshine-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'sunshine_bench.sqlite3'}"
        backend = prepare_database(url, args.allow_any_database)
        app = make_app(url)
        migrate(app)
        result = run(app, args)
    report(result, args, backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
