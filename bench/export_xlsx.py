"""A 1,000,000-row xlsx export (issue 13): the time and peak memory of the job that writes it.

The data, on PostgreSQL (``--database-url``, wiped; created if missing): a city of 4 streets and
20 communities with 20 work units, one task per community and ``--shifts`` past shifts (50)
among them, built with the app's ORM; ``--members`` members (20,000) and one confirmed service
record per member and shift (1,000,000), loaded with COPY. A record's texts are what
secretaries type: Chinese, some starting with ``-`` or ``=`` (written as text, never formulas).

The org department's admin asks for the city's service records through ``POST
/api/v1/exports`` (the Flask test client of ``create_app``); then

  (a) the job: a fresh process runs ``exports.run`` once, as ``flask jobs run`` would, and
      reports its wall time, its CPU time, its peak RSS (``ru_maxrss``) and its RSS when the
      app had started, before the export (the app's own share);
  (b) the read alone: another fresh process reads the same rows, through the same keyset
      pages, without writing them (the database's and SQLAlchemy's share of (a)).

It checks the export (done, every row, the row count the job counted) and the file (its
dimension, its header, the types of the first row's cells, no formula in the sheet), and
fails (exit 1) if a check fails or the job's peak RSS exceeds ``--max-rss-mib`` (200).

    .venv/bin/python bench/export_xlsx.py                  # ~6 min: 1,000,000 rows
    .venv/bin/python bench/export_xlsx.py --smoke          # 300 members x 10 shifts

The database's name must contain "bench" unless ``--allow-any-database`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import resource
import subprocess
import sys
import tempfile
import time
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
from _lib import smoke
from _lib.app import APP_VARIABLES, make_app, token_for
from _lib.databases import conninfo_of, ensure_postgres, migrate, prepare_database
from _lib.report import log, machine_facts
from sqlalchemy import select

from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.exports import service as exports
from sunshine.exports.kinds import KINDS
from sunshine.exports.models import Export
from sunshine.extensions import db
from sunshine.org import service as org
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

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_bench_export"
SEED = 20261204
MIB = 1024 * 1024
KIND = "service_records"
START = datetime(2026, 1, 5, 1, 0, tzinfo=UTC)  # 09:00 in Shanghai
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌晓东海燕"
ACTIVITIES = ["文明劝导", "敬老院义诊", "垃圾分类宣传", "社区清扫", "-反诈宣传-", "=义务理发"]


# -- The data -------------------------------------------------------------------------------


def build_city(shifts: int) -> dict[str, Any]:
    """The area tree, units, tasks and shifts (ORM, a few hundred rows) and the org admin."""
    city = org.create_area(name="孝义市", level=AreaLevel.CITY)
    communities = []
    for s in range(4):
        street = org.create_area(name=f"新义街道{s + 1}", level=AreaLevel.STREET, parent=city)
        for c in range(5):
            communities.append(
                org.create_area(
                    name=f"府前社区{s + 1}-{c + 1}", level=AreaLevel.COMMUNITY, parent=street
                )
            )
    units = [org.create_work_unit(name=f"孝义市第{i + 1}中学", city=city) for i in range(20)]
    category = db.session.scalar(select(TaskCategory.id).order_by(TaskCategory.id).limit(1))
    tasks = [
        Task(
            area=community,
            area_path=community.path,
            kind=TaskKind.ACTIVITY,
            category_id=category,
            title=ACTIVITIES[i % len(ACTIVITIES)],
            content="路口文明劝导，提醒行人遵守交通规则",
            address=f"府前街{i + 1}号",
            visibility=Visibility.COMMUNITY,
            contact_name="王书记",
            contact_phone="0358-7221234",
            status=TaskStatus.PUBLISHED,
            published_at=START - timedelta(days=30),
        )
        for i, community in enumerate(communities)
    ]
    db.session.add_all(tasks)
    step = timedelta(days=330) / shifts
    made = [
        Shift(
            task=tasks[i % len(tasks)],
            starts_at=START + step * i,
            ends_at=START + step * i + timedelta(hours=3),
            capacity=30,
            signup_deadline=START + step * i,
            status=ShiftStatus.OPEN,
            confirmed_count=0,
        )
        for i in range(shifts)
    ]
    db.session.add_all(made)
    admin = Account(openid="bench-org-admin")
    db.session.add(admin)
    db.session.flush()
    access.create_grant(actor=None, account_id=admin.id, role=Role.ORG_ADMIN, area_id=city.id)
    db.session.commit()
    return {
        "admin_id": admin.id,
        "communities": [(c.id, c.path) for c in communities],
        "unit_ids": [u.id for u in units],
        "shifts": [
            (s.id, s.task.area_id, s.task.area_path, s.task.title, s.task.address, s.starts_at)
            for s in made
        ],
    }


def _ts(moment: datetime) -> str:
    return moment.strftime("%Y-%m-%d %H:%M:%S+00")


def load_rows(conninfo: str, city: dict[str, Any], members: int) -> dict[str, float]:
    """COPY accounts, members and one confirmed record per member and shift; seconds each."""
    rng = random.Random(SEED)
    seconds: dict[str, float] = {}
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        first = int(cur.execute("SELECT max(id) FROM account").fetchone()[0]) + 1  # type: ignore[index]
        ids = range(first, first + members)
        started = time.perf_counter()
        with cur.copy(
            "COPY account (id, openid, phone, phone_bound_at, status, created_at) FROM STDIN"
        ) as copy:
            for k in ids:
                created = _ts(START - timedelta(days=60))
                copy.write_row((k, f"bench-m{k}", f"139{k:08d}", created, "active", created))
        seconds["account"] = time.perf_counter() - started
        started = time.perf_counter()
        columns = (
            "id, account_id, name, unit_id, residence_id, area_path, status, "
            "available_weekday_daytime, available_evenings, available_weekends, created_at, "
            "updated_at"
        )
        with cur.copy(f"COPY member ({columns}) FROM STDIN") as copy:  # type: ignore[arg-type]
            for k in ids:
                community_id, path = rng.choice(city["communities"])
                name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
                created = _ts(START - timedelta(days=60))
                unit = rng.choice(city["unit_ids"])
                available = (False, True, True)  # weekday daytime, evenings, weekends
                copy.write_row(
                    (k, k, name, unit, community_id, path, "verified", *available, created, created)
                )
        seconds["member"] = time.perf_counter() - started
        started = time.perf_counter()
        columns = (
            "member_id, shift_id, area_id, area_path, activity_name, service_date, place, "
            "content, person_in_charge, rule, source, check_in_at, check_out_at, minutes, "
            "credited_minutes, status, flags, overdue, decided_by_id, decided_at, created_at, "
            "updated_at"
        )
        n = 0
        with cur.copy(f"COPY service_record ({columns}) FROM STDIN") as copy:  # type: ignore[arg-type]
            for shift_id, area_id, path, title, address, starts in city["shifts"]:
                day = (starts + timedelta(hours=8)).date().isoformat()
                for k in ids:
                    minutes = rng.choice((60, 90, 120, 150, 180))
                    checked_in = starts + timedelta(minutes=rng.randint(-10, 10))
                    decided = _ts(starts + timedelta(days=2))
                    flags = '["walk_in"]' if rng.random() < 0.02 else "[]"
                    content = "-协助维持秩序" if k % 7 == 0 else "协助维持秩序"
                    checked_out = _ts(checked_in + timedelta(minutes=minutes))
                    copy.write_row(
                        (
                            *(k, shift_id, area_id, path, title, day, address, content, "王书记"),
                            *("clamp_floor15", "punches", _ts(checked_in), checked_out),
                            *(minutes, minutes, "confirmed", flags, False, city["admin_id"]),
                            *(decided, decided, decided),
                        )
                    )
                    n += 1
                    if n % 200_000 == 0:
                        log(f"  {n:,} records")
        seconds["service_record"] = time.perf_counter() - started
        started = time.perf_counter()
        for table in ("account", "member", "service_record"):
            cur.execute(f"ANALYZE {table}")  # type: ignore[arg-type]
        seconds["analyze"] = time.perf_counter() - started
    return seconds


# -- The measured processes -----------------------------------------------------------------


def _rss_now() -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith("VmRSS:"):
                return int(line.split()[1]) * 1024
    return 0


def child(args: argparse.Namespace) -> dict[str, Any]:
    """(a) ``job``: run exports.run once; (b) ``read``: read the export's rows, write nothing."""
    from sunshine.access.permissions import Actor
    from sunshine.jobs.runner import run_due

    app = make_app(args.url, env_name="development")
    app.config["EXPORT_DIR"] = args.export_dir
    with app.app_context():
        export = db.session.get_one(Export, args.export_id)
        requester, filters = export.requested_by_id, export.filters
        db.session.rollback()
        started_rss = _rss_now()
        started = time.perf_counter()
        if args.child == "job":
            result: Any = run_due(only="exports.run")["exports.run"]
        else:
            kind = KINDS[KIND]
            source = kind.rows(Actor(account_id=requester), kind.filters.load(filters))
            result = sum(1 for _ in exports.pages(source, lambda _rows: db.session.commit()))
        seconds = time.perf_counter() - started
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return {
        "result": result,
        "seconds": seconds,
        "cpu": usage.ru_utime + usage.ru_stime,
        "rss_started": started_rss,
        "rss_peak": usage.ru_maxrss * 1024,  # KiB on Linux
    }


def run_child(args: argparse.Namespace, mode: str, export_id: int, export_dir: str) -> Any:
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env["SUNSHINE_ENV"] = "development"
    env["PYTHONPATH"] = str(ROOT)
    command = [sys.executable, __file__, "--child", mode, "--url", args.url]
    command += ["--export-id", str(export_id), "--export-dir", export_dir]
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=3600, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"the {mode} process failed:\n{done.stderr[-4000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- Checking the result --------------------------------------------------------------------


def check_file(path: Path, rows: int) -> list[str]:
    """What is wrong with the file, if anything (read with openpyxl, read-only)."""
    import openpyxl  # noqa: TID251  # reading the bench's output

    problems = []
    book = openpyxl.load_workbook(path, read_only=True)
    sheet = book.worksheets[0]
    if sheet.max_row != rows + 1:
        problems.append(f"the sheet's dimension says {sheet.max_row} rows, not {rows + 1}")
    head, first = [[c for c in r] for r in sheet.iter_rows(min_row=1, max_row=2)]
    names = [c.value for c in head]
    if names[:3] != ["记录编号", "党员", "手机号"]:
        problems.append(f"header {names[:3]}")
    cells = dict(zip(names, first, strict=True))
    if not isinstance(cells["记录编号"].value, int):
        problems.append("记录编号 is not a number")
    if not isinstance(cells["服务日期"].value, datetime):
        problems.append("服务日期 is not a date")
    if not isinstance(cells["认定小时"].value, float | int):
        problems.append("认定小时 is not a number")
    book.close()
    with zipfile.ZipFile(path) as archive, archive.open("xl/worksheets/sheet1.xml") as xml:
        while chunk := xml.read(8 * MIB):
            if re.search(rb"<f[ >]", chunk):
                problems.append("a formula in the sheet")
                break
    return problems


# -- The driver -----------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help=f"PostgreSQL, wiped (default {DEFAULT_URL})")
    parser.add_argument("--allow-any-database", action="store_true")
    parser.add_argument("--members", type=int, default=20_000)
    parser.add_argument("--shifts", type=int, default=50)
    parser.add_argument("--max-rss-mib", type=float, default=200)
    # Internal: one measured process.
    parser.add_argument("--child", choices=["job", "read"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--export-id", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--export-dir", help=argparse.SUPPRESS)
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(args, members=300, shifts=10)
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        print(json.dumps(child(args)))
        return
    started = time.perf_counter()
    args.url = smoke.database_url(args, DEFAULT_URL)
    ensure_postgres(args.url, args.allow_any_database)
    version = prepare_database(args.url, args.allow_any_database)
    conninfo = conninfo_of(args.url)
    rows = args.members * args.shifts
    with tempfile.TemporaryDirectory(prefix="sunshine-export-bench-") as export_dir:
        app = make_app(args.url, env_name="development")
        app.config["EXPORT_DIR"] = export_dir
        migrate(app)
        with app.app_context():
            city = build_city(args.shifts)
            headers = token_for(city["admin_id"])
            db.session.commit()
        log(f"loading {args.members:,} members and {rows:,} service records with COPY")
        loaded = load_rows(conninfo, city, args.members)
        log("loaded: " + ", ".join(f"{t} {s:.1f} s" for t, s in loaded.items()))
        response = app.test_client().post(
            "/api/v1/exports", json={"kind": KIND, "filters": {}}, headers=headers
        )
        if response.status_code != 202:
            raise SystemExit(f"POST /api/v1/exports: {response.status_code} {response.json}")
        export_id = response.json["id"]
        log(f"export {export_id} asked; running the job in a process of its own")
        job = run_child(args, "job", export_id, export_dir)
        log(f"job: {job}")
        read = run_child(args, "read", export_id, export_dir)
        log(f"read alone: {read}")
        with app.app_context():
            export = db.session.get_one(Export, export_id)
            state = (export.status, export.rows, export.total, export.file_name, export.size_bytes)
        status, written, total, file_name, size = state
        problems = []
        if job["result"] != {"exported": 1, "failed": 0, "interrupted": 0}:
            problems.append(f"the job did {job['result']}")
        if (status, written, total, read["result"]) != ("done", rows, rows, rows):
            problems.append(f"export {status}, {written} rows of {total}; read {read['result']}")
        if file_name is not None:
            problems += check_file(Path(export_dir) / file_name, rows)
        peak = job["rss_peak"] / MIB
        if peak > args.max_rss_mib:
            problems.append(f"peak RSS {peak:.0f} MiB > {args.max_rss_mib:.0f} MiB")
    report(args, version, rows, size, job, read, loaded, time.perf_counter() - started)
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}", file=sys.stderr)
        raise SystemExit(1)


def report(
    args: argparse.Namespace,
    version: str,
    rows: int,
    size: int | None,
    job: dict[str, Any],
    read: dict[str, Any],
    loaded: dict[str, float],
    total: float,
) -> None:
    print(
        f"xlsx export of {rows:,} service records ({args.members:,} members x {args.shifts} "
        f"shifts) on {version}: the org department's `service_records` export, "
        f"{(size or 0) / MIB:.0f} MiB, each step in a process of its own.\n"
    )
    print("| Process | Wall time | Rows/s | CPU | RSS after start-up | Peak RSS |")
    print("|---|--:|--:|--:|--:|--:|")
    for name, step in (("the job (count, read, write, close)", job), ("the read alone", read)):
        print(
            f"| {name} | {step['seconds']:.1f} s | {rows / step['seconds']:,.0f} | "
            f"{step['cpu']:.1f} s | {step['rss_started'] / MIB:.0f} MiB | "
            f"{step['rss_peak'] / MIB:.0f} MiB |"
        )
    print()
    print(f"- peak RSS target ≤ {args.max_rss_mib:.0f} MiB: {job['rss_peak'] / MIB:.0f} MiB")
    print("- loading: " + ", ".join(f"{t} {s:.1f} s" for t, s in loaded.items()))
    print(*machine_facts(conninfo_of(args.url), tables=("service_record", "member")), sep="\n")
    print(f"- whole run: {total:.0f} s")


if __name__ == "__main__":
    main()
