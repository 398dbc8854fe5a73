"""Roster import at city scale: 20,000 rows through POST /api/v1/roster/imports.

For each database (a fresh SQLite file, and PostgreSQL when ``--database-url`` is given) and
each file format (UTF-8 CSV, XLSX), it measures

  (a) a first import of ``--rows`` rows into an empty roster, and
  (b) a re-import of the same roster with ``--changed`` rows changed (half renamed, half
      moved to another work unit),

each through the real HTTP endpoint with the Flask test client of a plain app built by
``sunshine.create_app`` (no test fixtures: config overrides for the database and WeChat
only). It reports wall time, the SQL executions (an executemany counts once), the
tracemalloc peak of Python allocations during the request, and the process's peak RSS
(``ru_maxrss``).

Every step runs in its own process, so ``ru_maxrss`` belongs to that step alone (it includes
the app's start-up, shown as "RSS before"); the database carries the state from (a) to (b).
tracemalloc slows Python down several times, so each step runs twice on a fresh database:
once for time and RSS, once under tracemalloc for the allocation peak.

The city has ``--units`` work units (one 党支部 each), created by the units import endpoint;
the org admin logs in through the fake WeChat server. Files are generated deterministically.

    .venv/bin/python bench/roster_import.py \\
        --database-url postgresql://postgres@127.0.0.1:5432/sunshine_bench

The PostgreSQL database is wiped (created if missing, public schema dropped) before each
run, so its name must contain "bench" unless ``--allow-any-database`` is given.

``--smoke``: 200 rows, 10 changed, 5 units, both formats, on the PostgreSQL of
``--database-url`` if given, else on SQLite; one run per step, under tracemalloc, the first
in a process of its own and the others in this one.
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import os
import random
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from _lib import smoke
from _lib.app import APP_VARIABLES, fake_wechat, login, make_app
from _lib.databases import migrate, prepare_database
from _lib.report import machine_facts

from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.roster.models import RosterEntry

ROOT = Path(__file__).resolve().parent.parent

SEED = 20260101
CITY = "孝义市"
MIB = 1024 * 1024
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕"
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英华建国志红玉梅文斌晓东海燕"


# -- The files ------------------------------------------------------------------------------


def unit_names(count: int) -> list[str]:
    kinds = ["局", "中心", "医院", "中学", "小学", "公司", "办公室", "委员会"]
    return [f"{CITY}第{i + 1}{kinds[i % len(kinds)]}" for i in range(count)]


def roster_rows(rows: int, units: int) -> list[list[str]]:
    """A deterministic roster: unique phones, some written with spaces, dashes or +86."""
    rng = random.Random(SEED)
    names = unit_names(units)
    phones = rng.sample(range(10**9), rows)
    out = [["姓名", "手机号", "单位", "党组织"]]
    for i, number in enumerate(phones):
        phone = f"13{number:09d}"
        if i % 10 == 1:
            phone = f"{phone[:3]} {phone[3:7]} {phone[7:]}"
        elif i % 10 == 2:
            phone = f"+86 {phone[:3]}-{phone[3:7]}-{phone[7:]}"
        unit = rng.randrange(units)
        name = rng.choice(SURNAMES) + "".join(rng.choices(GIVEN, k=rng.choice((1, 2))))
        branch = f"{names[unit]}党支部" if rng.random() < 0.7 else ""
        out.append([name, phone, names[unit], branch])
    return out


def changed_rows(rows: list[list[str]], changed: int, units: int) -> list[list[str]]:
    """The same roster with ``changed`` rows changed: half renamed, half moved to another unit."""
    rng = random.Random(SEED + 1)
    names = unit_names(units)
    out = [list(row) for row in rows]
    for n, index in enumerate(rng.sample(range(1, len(rows)), changed)):
        row = out[index]
        if n % 2 == 0:
            row[0] = row[0] + "新"
        else:
            current = names.index(row[2])
            row[2], row[3] = names[(current + 1 + rng.randrange(units - 1)) % units], ""
    return out


def csv_bytes(rows: list[list[str]]) -> bytes:
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list[str]]) -> bytes:
    import openpyxl  # noqa: TID251  # writing the bench's input, not reading an upload

    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def write_files(folder: Path, rows: int, changed: int, units: int) -> dict[str, Path]:
    first = roster_rows(rows, units)
    second = changed_rows(first, changed, units)
    names = unit_names(units)
    unit_file = [["单位名称", "党组织名称", "党组织类型"]]
    unit_file += [[name, f"{name}党支部", "党支部"] for name in names]
    files = {
        "units.csv": csv_bytes(unit_file),
        "first.csv": csv_bytes(first),
        "changed.csv": csv_bytes(second),
        "first.xlsx": xlsx_bytes(first),
        "changed.xlsx": xlsx_bytes(second),
    }
    paths = {}
    for name, content in files.items():
        paths[name] = folder / name
        paths[name].write_bytes(content)
    return paths


# -- One step, in a child process -----------------------------------------------------------


def multipart(content: bytes, filename: str) -> tuple[bytes, str]:
    boundary = "sunshine-bench-boundary"
    body = b"".join(
        [
            f"--{boundary}\r\n".encode(),
            f'Content-Disposition: form-data; name="file"; filename="{filename}"\r\n'.encode(),
            b"Content-Type: application/octet-stream\r\n\r\n",
            content,
            f"\r\n--{boundary}--\r\n".encode(),
        ]
    )
    return body, f"multipart/form-data; boundary={boundary}"


def run_step(args: argparse.Namespace) -> dict[str, Any]:
    """Set up (first step only) and run one import; returns the measurements."""
    with fake_wechat() as fake:
        app = make_app(args.url, fake=fake, secret_key="b" * 64, env_name="development")
        client = app.test_client()
        if args.step == "first":
            migrate(app)
        with app.app_context():
            if args.step == "first":
                city = org.create_area(name=CITY, level=AreaLevel.CITY)
                account = Account(openid="bench-org-admin")
                db.session.add(account)
                db.session.flush()
                access.create_grant(
                    actor=None, account_id=account.id, role=Role.ORG_ADMIN, area_id=city.id
                )
                db.session.commit()
            city_id = db.session.scalar(sa.select(Area.id).where(Area.name == CITY))
            db.session.remove()
        headers = {"Authorization": f"Bearer {login(client, fake, 'bench-org-admin')}"}
        result: dict[str, Any] = {}
        if args.step == "first":
            body, content_type = multipart(Path(args.units_file).read_bytes(), "units.csv")
            started = time.perf_counter()
            response = client.post(
                f"/api/v1/org/imports/units?city_id={city_id}",
                data=body,
                content_type=content_type,
                headers=headers,
            )
            assert response.status_code == 201, response.json
            result["units_seconds"] = time.perf_counter() - started

        content = Path(args.file).read_bytes()
        body, content_type = multipart(content, Path(args.file).name)
        statements = 0

        def count_statement(*_: Any) -> None:
            nonlocal statements
            statements += 1

        with app.app_context():
            engine = db.engine
        sa.event.listen(engine, "before_cursor_execute", count_statement)
        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        if args.trace:
            tracemalloc.start()
        started = time.perf_counter()
        response = client.post(
            f"/api/v1/roster/imports?city_id={city_id}",
            data=body,
            content_type=content_type,
            headers=headers,
        )
        seconds = time.perf_counter() - started
        traced_peak = tracemalloc.get_traced_memory()[1] if args.trace else None
        tracemalloc.stop()
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        sa.event.remove(engine, "before_cursor_execute", count_statement)
        assert response.status_code == 201, response.json
        with app.app_context():
            entries = db.session.scalar(sa.select(sa.func.count()).select_from(RosterEntry))
        batch = response.json
        result.update(
            seconds=seconds,
            statements=statements,
            traced_peak=traced_peak,
            rss_before=rss_before * 1024,  # ru_maxrss is in KiB on Linux
            rss_after=rss_after * 1024,
            file_bytes=len(content),
            created=batch["created_count"],
            updated=batch["updated_count"],
            unchanged=batch["unchanged_count"],
            changes=len(batch["changes"] or []),
            entries=entries,
        )
        return result


# -- The driver -----------------------------------------------------------------------------


def child(
    url: str, step: str, file: Path, units_file: Path, trace: bool, in_process: bool = False
) -> dict[str, Any]:
    """One step in a fresh process (``in_process``: in this one, for --smoke)."""
    if in_process:
        step_args = argparse.Namespace(
            step=step, url=url, file=str(file), units_file=str(units_file), trace=trace
        )
        return run_step(step_args)
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env["SUNSHINE_ENV"] = "development"
    command = [sys.executable, __file__, "--child", step, "--url", url, "--file", str(file)]
    command += ["--units-file", str(units_file)] + (["--trace"] if trace else [])
    done = subprocess.run(
        command, env=env, cwd=ROOT, capture_output=True, text=True, timeout=600, check=False
    )
    if done.returncode != 0:
        raise SystemExit(f"step {step} on {url} failed:\n{done.stderr[-4000:]}")
    result: dict[str, Any] = json.loads(done.stdout.strip().splitlines()[-1])
    return result


@dataclass
class Row:
    database: str
    file: str
    step: str
    timed: dict[str, Any]
    traced: dict[str, Any]


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--database-url", help="PostgreSQL to measure besides SQLite (wiped)")
    parser.add_argument("--allow-any-database", action="store_true")
    parser.add_argument("--rows", type=int, default=20_000)
    parser.add_argument("--changed", type=int, default=500)
    parser.add_argument("--units", type=int, default=200)
    parser.add_argument("--formats", default="csv,xlsx")
    parser.add_argument("--skip-sqlite", action="store_true")
    # Internal: one measured step in a fresh process.
    parser.add_argument("--child", choices=["first", "reimport"], help=argparse.SUPPRESS)
    parser.add_argument("--url", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    parser.add_argument("--units-file", help=argparse.SUPPRESS)
    parser.add_argument("--trace", action="store_true", help=argparse.SUPPRESS)
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(
        args, rows=200, changed=10, units=5, formats="csv,xlsx", skip_sqlite=bool(args.database_url)
    )
    return args


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    if args.child:
        args.step = args.child
        print(json.dumps(run_step(args)))
        return

    started = time.perf_counter()
    with tempfile.TemporaryDirectory(prefix="sunshine-roster-bench-") as tmp:
        folder = Path(tmp)
        files = write_files(folder, args.rows, args.changed, args.units)
        databases = [] if args.skip_sqlite else [f"sqlite:///{folder}/bench.sqlite3"]
        databases += [args.database_url] if args.database_url else []
        rows: list[Row] = []
        versions: dict[str, str] = {}
        units_seconds: dict[str, float] = {}
        for url in databases:
            for fmt in args.formats.split(","):
                runs: dict[bool, dict[str, dict[str, Any]]] = {}
                # --smoke: one run per step, under tracemalloc, for both columns, and only the
                # first step in a process of its own (a process costs seconds: create_app).
                for trace in (True,) if args.smoke else (False, True):
                    versions[url] = prepare_database(url, args.allow_any_database)
                    runs[trace] = {}
                    for step, name in (("first", "first"), ("reimport", "changed")):
                        file = files[f"{name}.{fmt}"]
                        here = args.smoke and bool(rows or runs[trace])
                        runs[trace][step] = child(url, step, file, files["units.csv"], trace, here)
                timed = runs.get(False, runs[True])
                units_seconds[versions[url]] = timed["first"]["units_seconds"]
                for step in ("first", "reimport"):
                    rows.append(Row(versions[url], fmt, step, timed[step], runs[True][step]))
                print(f"done: {versions[url]} {fmt}", file=sys.stderr)
    print_table(rows, args, units_seconds, time.perf_counter() - started)


def print_table(
    rows: list[Row], args: argparse.Namespace, units_seconds: dict[str, float], total: float
) -> None:
    print(
        f"Roster import: {args.rows:,} rows, {args.units} work units; re-import with "
        f"{args.changed} changed rows. One process per step; wall time and RSS without "
        "tracemalloc, allocation peak from a second run under tracemalloc. SQL executions "
        "count cursor calls during the request (an executemany counts once).\n"
    )
    print(
        "| Database | File | Step | File size | Created / updated / unchanged | Wall time | "
        "SQL executions | tracemalloc peak | RSS before → peak |"
    )
    print("|---|---|---|--:|---|--:|--:|--:|--:|")
    for row in rows:
        t, m = row.timed, row.traced
        step = "first import" if row.step == "first" else f"re-import ({args.changed} changed)"
        print(
            f"| {row.database} | {row.file.upper()} | {step} | {t['file_bytes'] / MIB:.2f} MiB | "
            f"{t['created']:,} / {t['updated']:,} / {t['unchanged']:,} | {t['seconds']:.2f} s | "
            f"{t['statements']} | {m['traced_peak'] / MIB:.0f} MiB | "
            f"{t['rss_before'] / MIB:.0f} → {t['rss_after'] / MIB:.0f} MiB |"
        )
    print()
    for database, seconds in units_seconds.items():
        print(f"- units import ({args.units} rows) on {database}: {seconds:.2f} s")
    print(*machine_facts(), sep="\n")
    print(f"- whole run: {total:.0f} s")


if __name__ == "__main__":
    main()
