"""Feedback to work units (issue 13) at Xiaoyi scale: the lock that issues it to every unit,
a re-issue, and the biggest unit's admin reading and downloading its feedback.

One command: it wipes and migrates the database (a temporary SQLite file unless
``--database-url``), builds 孝义市 with ``sunshine.demo.build_city`` (16 streets and towns,
305 communities and villages, ~204 work units), then INSERTs ``--members`` verified members
placed in its communities (a report-in each, 90 % active during last year), ``--services``
confirmed service records per member on average dated last year (one task of 24 shifts; the
records carry ``credited_minutes`` as the ledger would leave it; the ledger itself is not
written: feedback never reads it), the unit-feedback consent of ``--consent`` of them, and
the grades of 40 %; then ANALYZE. Last year is a period with the city's rule (2 services,
240 minutes).

Then, in this process with the Flask test client (no HTTP server), timed once each:

- ``POST /api/v1/periods/{id}/lock`` as the org_admin: the lock issues every unit's feedback
  in its transaction (``feedback.service.issue_at_lock``);
- ``POST /api/v1/periods/{id}/unit-feedback`` (every unit again: version 2);
- as the admin of the unit with the most members: ``GET /api/v1/unit-feedback``, ``GET
  /api/v1/unit-feedback/{id}``, every page of ``/lines`` (100 a page), ``POST /api/v1/exports``
  ``{kind: unit_feedback}`` (written in the request) and the file's download, and ``GET
  /api/v1/unit-feedback/{id}/pdf``.

Every response must be what it should (exit 1 otherwise); the xlsx is unzipped and its lines
and 未授权 lines counted against the page. ``--smoke``: a city of 22 communities and 300 members.

    .venv/bin/python bench/unit_feedback.py
    .venv/bin/python bench/unit_feedback.py --database-url postgresql://postgres@127.0.0.1:5432/sunshine_bench
"""

from __future__ import annotations

import argparse
import io
import random
import sys
import tempfile
import time
import zipfile
from collections import Counter, defaultdict
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from _lib import smoke
from _lib.app import make_app, token_for
from _lib.databases import migrate, prepare_database
from _lib.report import log, machine_facts
from sqlalchemy import insert, select, text

from sunshine import clock
from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.consent.models import ConsentKind, ConsentRecord
from sunshine.database import Base
from sunshine.demo import SEED, XIAOYI, build_city, roster_rows
from sunshine.evaluations.models import Evaluation, Grade
from sunshine.extensions import db
from sunshine.org.models import AreaLevel
from sunshine.tasks.models import (
    Shift,
    ShiftStatus,
    Task,
    TaskCategory,
    TaskKind,
    TaskStatus,
    Visibility,
)

BASE_ID = 1_000_000  # bulk rows' ids (members, accounts, records): past the app's own
SHIFTS = 24  # one task's shifts, two a month: a member serves at most once per shift
EXPORT_DIR_NAME = "exports"


# Data ----------------------------------------------------------------------------------------


def _task(community: Any, year: int) -> list[int]:
    category = db.session.scalars(select(TaskCategory).order_by(TaskCategory.id)).first()
    assert category is not None
    task = Task(
        area=community,
        area_path=community.path,
        kind=TaskKind.ACTIVITY,
        category=category,
        title="社区志愿服务",
        content="按时到场，听从现场负责人安排。",
        address="党群服务中心",
        visibility=Visibility.CITY,
        contact_name="王书记",
        contact_phone="0358-7221234",
        status=TaskStatus.PUBLISHED,
        published_at=datetime(year, 1, 1, tzinfo=UTC),
    )
    shifts = []
    for n in range(SHIFTS):
        starts = clock.at_local(date(year, n // 2 + 1, 5 + 10 * (n % 2)), datetime.min.time())
        starts += timedelta(hours=9)
        shifts.append(
            Shift(
                task=task,
                starts_at=starts,
                ends_at=starts + timedelta(hours=2),
                capacity=100,
                signup_deadline=starts,
                status=ShiftStatus.OPEN,
                confirmed_count=0,
            )
        )
    db.session.add_all(shifts)
    db.session.flush()
    return [s.id for s in shifts]


def seed(args: argparse.Namespace, year: int) -> dict[str, Any]:
    """The city and its members, records, consents and grades (in an app context)."""
    rng = random.Random(SEED)
    shape = smoke.CITY if args.smoke else XIAOYI
    city, communities, units = build_city(rng, "孝义市", "141181000000", shape)
    db.session.commit()
    places = [c for c in communities if c.level == AreaLevel.COMMUNITY]
    shift_ids = _task(places[0], year)
    rows: dict[Any, list[dict[str, Any]]] = defaultdict(list)
    created = datetime(year - 1, 6, 1, tzinfo=UTC)
    record_id = BASE_ID
    rows_of = roster_rows(rng, city, units, args.members, 13_900_000_000)
    for k, entry in enumerate(rows_of, BASE_ID):  # past any id the app gives itself
        community = rng.choice(places)
        rows[Account].append({"id": k, "openid": f"bench-fb-{k}", "phone": entry["phone"]})
        rows["member"].append(
            {
                "id": k,
                "account_id": k,
                "name": entry["name"],
                "unit_id": entry["unit_id"],
                "party_org_id": entry["party_org_id"],
                "residence_id": community.id,
                "area_path": community.path,
                "status": "verified",
                "created_at": created,
                "updated_at": created,
            }
        )
        if rng.random() < 0.9:
            rows["report_in"].append(
                {
                    "member_id": k,
                    "community_id": community.id,
                    "status": "active",
                    "requested_at": created,
                    "decided_at": created,
                }
            )
        if rng.random() < args.consent:
            rows[ConsentRecord].append(
                {
                    "account_id": k,
                    "kind": ConsentKind.UNIT_FEEDBACK,
                    "granted": True,
                    "notice_version": "bench",
                }
            )
        if rng.random() < 0.4:
            rows[Evaluation].append(
                {
                    "period_id": 0,
                    "member_id": k,
                    "community_id": community.id,
                    "area_path": community.path,
                    "grade": rng.choice(list(Grade)),
                }
            )
        for shift_id in rng.sample(shift_ids, min(SHIFTS, int(rng.expovariate(1 / args.services)))):
            record_id += 1
            minutes = rng.choice((60, 90, 120, 180))
            rows["service_record"].append(
                {
                    "id": record_id,
                    "member_id": k,
                    "shift_id": shift_id,
                    "area_id": places[0].id,
                    "area_path": places[0].path,
                    "activity_name": "社区志愿服务",
                    "service_date": date(year, (shift_ids.index(shift_id)) // 2 + 1, 5),
                    "place": "党群服务中心",
                    "content": "志愿服务",
                    "person_in_charge": "王书记",
                    "rule": "punches",
                    "source": "punches",
                    "minutes": minutes,
                    "credited_minutes": minutes,
                    "status": "confirmed",
                    "flags": [],
                    "overdue": False,
                }
            )
    return {"city": city, "units": units, "rows": rows, "records": record_id - BASE_ID}


def insert_rows(rows: dict[Any, list[dict[str, Any]]], period_id: int) -> Counter[str]:
    counts: Counter[str] = Counter()
    for target, batch in rows.items():
        table = Base.metadata.tables[target] if isinstance(target, str) else target.__table__
        if target is Evaluation:
            for row in batch:
                row["period_id"] = period_id
        for start in range(0, len(batch), 5000):
            db.session.execute(insert(table), batch[start : start + 5000])
        counts[table.name] = len(batch)
    db.session.commit()
    db.session.execute(text("ANALYZE"))  # the planner's statistics, as a live database has them
    db.session.commit()
    return counts


# Requests ------------------------------------------------------------------------------------


def timed(
    label: str, call: Any, figures: list[tuple[str, float, float, str]], note: Any = ""
) -> Any:
    """Send one request; keep its wall time and this process's CPU time (the app's work; the
    database server's, on PostgreSQL, is not in it)."""
    t0, c0 = time.perf_counter(), time.process_time()
    response = call()
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    if response.status_code not in (200, 201, 202):
        raise SystemExit(f"{label}: {response.status_code} {response.get_data()[:300]!r}")
    figures.append((label, seconds, cpu, note(response) if callable(note) else note))
    log(f"{label}: {seconds * 1000:.0f} ms")
    return response


def run(app: Any, args: argparse.Namespace, year: int) -> dict[str, Any]:
    client = app.test_client()
    with app.app_context():
        log(f"building the city and {args.members} members…")
        data = seed(args, year)
        city_id = data["city"].id
        org = Account(openid="bench-fb-org")
        db.session.add(org)
        db.session.flush()
        access.create_grant(
            actor=None, account_id=org.id, role=Role.ORG_ADMIN, area_id=city_id, unit_id=None
        )
        org_headers = token_for(org.id)
        db.session.commit()
    t0 = time.perf_counter()
    response = client.post(
        f"/api/v1/cities/{city_id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=org_headers,
    )
    period_id = response.json["id"]
    client.put(
        f"/api/v1/periods/{period_id}/requirement",
        json={"min_services": 2, "min_minutes": 240},
        headers=org_headers,
    )
    with app.app_context():
        counts = insert_rows(data["rows"], period_id)
    load_seconds = time.perf_counter() - t0
    log(f"rows: {dict(counts)} in {load_seconds:.1f} s")

    figures: list[tuple[str, float, float, str]] = []
    lock = f"/api/v1/periods/{period_id}/lock"
    timed(
        "POST /periods/{id}/lock (issues every unit)",
        lambda: client.post(lock, headers=org_headers),
        figures,
    )
    issue = f"/api/v1/periods/{period_id}/unit-feedback"
    issued = timed(
        "POST /periods/{id}/unit-feedback (every unit)",
        lambda: client.post(issue, json={}, headers=org_headers),
        figures,
        lambda r: f"{len(r.json['items'])} units",
    ).json["items"]
    biggest = max(issued, key=lambda f: f["members"])
    with app.app_context():
        admin = Account(openid="bench-fb-unit")
        db.session.add(admin)
        db.session.flush()
        access.create_grant(
            actor=None,
            account_id=admin.id,
            role=Role.UNIT_ADMIN,
            area_id=None,
            unit_id=biggest["unit"]["id"],
        )
        unit_headers = token_for(admin.id)
        db.session.commit()
    url = f"/api/v1/unit-feedback/{biggest['id']}"
    timed(
        "GET /unit-feedback",
        lambda: client.get("/api/v1/unit-feedback", headers=unit_headers),
        figures,
    )
    detail = timed(
        "GET /unit-feedback/{id}", lambda: client.get(url, headers=unit_headers), figures
    ).json
    pages, cursor = 0, None
    t0, c0 = time.perf_counter(), time.process_time()
    while True:
        query = {"limit": 100, **({"cursor": cursor} if cursor else {})}
        page = client.get(f"{url}/lines", query_string=query, headers=unit_headers)
        if page.status_code != 200:
            raise SystemExit(f"lines: {page.status_code} {page.json}")
        pages, cursor = pages + 1, page.json["next_cursor"]
        if cursor is None:
            break
    figures.append(
        (
            "GET /unit-feedback/{id}/lines, every page",
            time.perf_counter() - t0,
            time.process_time() - c0,
            f"{pages} pages",
        )
    )
    export = timed(
        "POST /exports {kind: unit_feedback} (written at once)",
        lambda: client.post(
            "/api/v1/exports",
            json={"kind": "unit_feedback", "filters": {"feedback_id": biggest["id"]}},
            headers=unit_headers,
        ),
        figures,
    ).json
    file = timed(
        "GET /exports/{id}/file",
        lambda: client.get(f"/api/v1/exports/{export['id']}/file", headers=unit_headers),
        figures,
        lambda r: f"{len(r.data) // 1024} KiB",
    )
    with zipfile.ZipFile(io.BytesIO(file.data)) as book:
        xml = book.read("xl/worksheets/sheet1.xml").decode()
    file.close()
    lines = xml.count("<row ") - 1  # the header row
    unauthorized = xml.count(">未授权<") // 5  # five text cells of a 未授权 line say so
    if lines != detail["members"] or unauthorized != detail["unauthorized"]:
        raise SystemExit(f"the sheet has {lines} lines, {unauthorized} 未授权: {detail}")
    pdf = timed(
        "GET /unit-feedback/{id}/pdf",
        lambda: client.get(f"{url}/pdf", headers=unit_headers),
        figures,
        lambda r: f"{len(r.data) // 1024} KiB, {r.data.count(b'/Type /Page' + bytes([10]))} pages",
    )
    if not pdf.data.startswith(b"%PDF-"):
        raise SystemExit("the PDF is not a PDF")
    return {
        "figures": figures,
        "counts": counts,
        "units": len(issued),
        "biggest": detail,
        "load": load_seconds,
    }


def report(result: dict[str, Any], args: argparse.Namespace, backend: str) -> None:
    biggest = result["biggest"]
    print(f"# Feedback to work units, {backend}\n")
    print("\n".join(machine_facts()))
    print(
        f"\n孝义市: {result['counts']['member']:,} members, {result['counts']['service_record']:,} "
        f"confirmed records last year, {result['counts']['consent_record']:,} consents, "
        f"{result['units']} units issued. The biggest unit: {biggest['unit']['name']}, "
        f"{biggest['members']} members ({biggest['shown']} in detail, "
        f"{biggest['unauthorized']} 未授权).\n"
    )
    print("| request | wall (s) | CPU of this process (s) | |\n|---|---|---|---|")
    for label, seconds, cpu, note in result["figures"]:
        print(f"| {label} | {seconds:.3f} | {cpu:.3f} | {note} |")


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help="database to WIPE and use (default: SQLite)")
    parser.add_argument("--members", type=int, default=15_000)
    parser.add_argument("--services", type=float, default=8.0, help="records per member (mean)")
    parser.add_argument("--consent", type=float, default=0.6, help="share who consented")
    parser.add_argument("--allow-any-database", action="store_true")
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(args, members=300)
    return args


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    year = clock.today().year - 1
    with tempfile.TemporaryDirectory(prefix="sunshine-bench-") as tmp:
        url = args.database_url or f"sqlite:///{Path(tmp) / 'sunshine_bench.sqlite3'}"
        backend = prepare_database(url, args.allow_any_database)
        app = make_app(url)
        app.config["EXPORT_DIR"] = str(Path(tmp) / EXPORT_DIR_NAME)
        migrate(app)
        result = run(app, args, year)
    report(result, args, backend)
    return 0


if __name__ == "__main__":
    sys.exit(main())
