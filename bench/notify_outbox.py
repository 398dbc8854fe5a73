"""The outbox (issue 15): 10,000 reminders for one action day, written by the reminder job and
sent by two senders racing for the rows, against the local fake WeChat server.

The data, on PostgreSQL (``--database-url``, wiped; created if missing): one community, one
published task with ``--members`` / 500 shifts of 500 places starting ``--starts-in-hours``
(20) from now, ``--members`` members (10,000) each confirmed on one of them two days ago, each
with one accepted subscription to the reminder template.

  (a) ``notify.remind`` (``reminders.produce``) writes the 24-hour reminders, timed; a second
      run writes none (what every later minute of the job costs);
  (b) two sender processes (``sender.drain``, what ``flask notify worker`` runs), started
      together, send the outbox through the real wechatpy client to the fake WeChat server
      in this process; timed from their start to the last row's ``sent_at``.

It fails (exit 1) unless every reminder was sent exactly once (the fake counts the sends per
openid), none is left pending, and both senders sent some.

    .venv/bin/python bench/notify_outbox.py            # ~1 min: 10,000 reminders
    .venv/bin/python bench/notify_outbox.py --smoke    # 200 reminders

The database's name must contain "bench" unless ``--allow-any-database`` is given.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from collections import Counter
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from _lib import smoke
from _lib.app import APP_VARIABLES, fake_wechat, make_app
from _lib.databases import conninfo_of, ensure_postgres, migrate, prepare_database
from _lib.report import log, machine_facts
from sqlalchemy import func, insert, select

from sunshine import clock
from sunshine.auth.models import Account
from sunshine.database import table_of
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.notify import reminders, sender
from sunshine.notify.models import Message, SendStatus, SubscribeQuota
from sunshine.org import service as org
from sunshine.org.models import AreaLevel
from sunshine.tasks.models import (
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Task,
    TaskCategory,
    TaskKind,
    TaskStatus,
    Visibility,
)

ROOT = Path(__file__).resolve().parent.parent
DEFAULT_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_bench_notify"
TEMPLATE = "TPL_REMIND"
TEMPLATES = {
    "shift_reminder": {
        "template_id": TEMPLATE,
        "page": "pages/shift/index?id={shift_id}",
        "data": {"thing1": "task", "time2": "starts_at", "thing3": "place", "phrase4": "status"},
    }
}
PER_SHIFT = 500


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", help=f"PostgreSQL (default {DEFAULT_URL})")
    parser.add_argument("--members", type=int, default=10_000, help="reminders to send")
    parser.add_argument("--workers", type=int, default=2, help="sender processes")
    parser.add_argument("--batch", type=int, default=50, help="rows a sender claims at a time")
    parser.add_argument("--concurrency", type=int, default=4, help="sends in flight per sender")
    parser.add_argument("--starts-in-hours", type=float, default=20.0)
    parser.add_argument("--allow-any-database", action="store_true")
    parser.add_argument(
        "--child", nargs=3, metavar=("FAKE_URL", "APPID", "SECRET"), help=argparse.SUPPRESS
    )
    smoke.add_argument(parser)
    args = parser.parse_args(argv)
    smoke.apply(args, members=200)
    return args


def _app(url: str, fake_url: str, appid: str, secret: str) -> Any:
    app = make_app(url)
    app.config.update(
        WECHAT_APPID=appid,
        WECHAT_SECRET=secret,
        WECHAT_API_BASE=fake_url,
        NOTIFY_TEMPLATES=json.dumps(TEMPLATES),
    )
    return app


def build(members: int, starts_in: timedelta) -> None:
    """The community, task, shifts, members, signups and quotas (in an app context)."""
    city = org.create_area(name="孝义市", level=AreaLevel.CITY)
    street = org.create_area(name="新义街道", level=AreaLevel.STREET, parent=city)
    community = org.create_area(name="府前社区", level=AreaLevel.COMMUNITY, parent=street)
    unit = org.create_work_unit(name="孝义市第一中学", city=city)
    category = db.session.scalar(select(TaskCategory.id).order_by(TaskCategory.id).limit(1))
    now = clock.now()
    task = Task(
        area=community,
        area_path=community.path,
        kind=TaskKind.ACTIVITY,
        category_id=category,
        title="创建文明城市集中行动日",
        content="路口文明劝导",
        address="府前街与崇文路口",
        visibility=Visibility.COMMUNITY,
        contact_name="王书记",
        contact_phone="0358-7221234",
        status=TaskStatus.PUBLISHED,
        published_at=now - timedelta(days=3),
    )
    count = -(-members // PER_SHIFT)
    shifts = [
        Shift(
            task=task,
            starts_at=now + starts_in + timedelta(minutes=15 * (i % 8)),
            ends_at=now + starts_in + timedelta(hours=3),
            capacity=PER_SHIFT,
            signup_deadline=now + starts_in - timedelta(hours=1),
            status=ShiftStatus.OPEN,
            confirmed_count=min(PER_SHIFT, members - i * PER_SHIFT),
        )
        for i in range(count)
    ]
    db.session.add_all(shifts)
    accounts = [Account(openid=f"o-bench-{i:06d}") for i in range(members)]
    db.session.add_all(accounts)
    db.session.flush()
    people = [
        Member(
            account_id=a.id,
            name=f"党员{i}",
            unit_id=unit.id,
            residence_id=community.id,
            area_path=community.path,
            status=MemberStatus.VERIFIED,
        )
        for i, a in enumerate(accounts)
    ]
    db.session.add_all(people)
    db.session.flush()
    confirmed = now - timedelta(days=2)
    db.session.execute(
        insert(table_of(Signup)),
        [
            {
                "shift_id": shifts[i // PER_SHIFT].id,
                "member_id": m.id,
                "status": SignupStatus.CONFIRMED,
                "created_at": confirmed,
                "confirmed_at": confirmed,
                "late_cancel": False,
            }
            for i, m in enumerate(people)
        ],
    )
    db.session.execute(
        insert(table_of(SubscribeQuota)),
        [
            {"account_id": a.id, "template_id": TEMPLATE, "remaining": 1, "updated_at": now}
            for a in accounts
        ],
    )
    db.session.commit()


def child(args: argparse.Namespace) -> dict[str, Any]:
    """One sender: wait for the go line, then send until nothing is left."""
    app = _app(args.url, *args.child)
    with app.app_context():
        db.session.execute(select(1))
        db.session.rollback()
        print("ready", flush=True)
        sys.stdin.readline()
        started = time.perf_counter()
        totals: Counter[str] = Counter()
        while True:
            counts = sender.drain(batch=args.batch, limit=10**9, concurrency=args.concurrency)
            totals.update(counts)
            if not counts["claimed"]:
                break
        return {"seconds": time.perf_counter() - started, **totals}


def run_senders(
    args: argparse.Namespace, fake: Any
) -> tuple[list[dict[str, Any]], float, datetime]:
    env = {k: v for k, v in os.environ.items() if k not in APP_VARIABLES}
    env["PYTHONPATH"] = str(ROOT)
    command = [
        sys.executable,
        str(Path(__file__).resolve()),
        "--database-url",
        args.url,
        "--allow-any-database",
        "--batch",
        str(args.batch),
        "--concurrency",
        str(args.concurrency),
        "--child",
        fake.url,
        fake.appid,
        fake.secret,
    ]
    procs = [
        subprocess.Popen(command, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
        for _ in range(args.workers)
    ]
    for proc in procs:
        assert proc.stdout is not None and proc.stdout.readline().strip() == "ready"
    started, go_at = time.perf_counter(), clock.now()
    for proc in procs:
        assert proc.stdin is not None
        proc.stdin.write("go\n")
        proc.stdin.flush()
    results = []
    for proc in procs:
        out, _ = proc.communicate(timeout=600)
        if proc.returncode:
            raise SystemExit(f"a sender failed (exit {proc.returncode})")
        results.append(json.loads(out.strip().splitlines()[-1]))
    return results, time.perf_counter() - started, go_at


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    args.url = smoke.database_url(args, DEFAULT_URL)
    if args.child:
        print(json.dumps(child(args)))
        return
    ensure_postgres(args.url, args.allow_any_database)
    version = prepare_database(args.url, args.allow_any_database)
    with fake_wechat() as fake:
        app = _app(args.url, fake.url, fake.appid, fake.secret)
        migrate(app)
        with app.app_context():
            log(f"building {args.members:,} members with confirmed signups and quotas")
            build(args.members, timedelta(hours=args.starts_in_hours))
            t = time.perf_counter()
            written = reminders.produce(clock.now())
            db.session.commit()
            produce_s = time.perf_counter() - t
            t = time.perf_counter()
            again = reminders.produce(clock.now())
            db.session.commit()
            again_s = time.perf_counter() - t
            log(f"reminders: {written:,} in {produce_s:.2f} s; again {again} in {again_s:.2f} s")
        fake.reset()
        results, wall, go_at = run_senders(args, fake)
        with app.app_context():
            last_sent = db.session.scalar(select(func.max(Message.sent_at)))
            leave_s = (last_sent - go_at).total_seconds() if last_sent else wall
            statuses = dict(
                db.session.execute(
                    select(Message.status, func.count()).group_by(Message.status)
                ).all()
            )
        per_openid = Counter(m["touser"] for m in fake.state.sent_messages)
    sent = sum(per_openid.values())
    duplicates = sum(n - 1 for n in per_openid.values() if n > 1)
    problems = []
    if written != args.members or again != 0:
        problems.append(f"reminders written {written} then {again}")
    if sent != args.members or duplicates or len(per_openid) != args.members:
        problems.append(f"{sent} sends to {len(per_openid)} openids, {duplicates} duplicates")
    if statuses.get(SendStatus.SENT, 0) != args.members:
        problems.append(f"message states {statuses}")
    if args.workers > 1 and not all(r["sent"] for r in results):
        problems.append(f"a sender sent nothing: {results}")
    report(args, version, written, produce_s, again_s, results, leave_s, sent, duplicates)
    if problems:
        for problem in problems:
            print(f"FAILED: {problem}", file=sys.stderr)
        raise SystemExit(1)


def report(
    args: argparse.Namespace,
    version: str,
    written: int,
    produce_s: float,
    again_s: float,
    results: list[dict[str, Any]],
    leave_s: float,
    sent: int,
    duplicates: int,
) -> None:
    print(f"## Outbox: {written:,} reminders, {args.workers} senders ({version})\n")
    print("| step | time | rate |")
    print("| --- | --- | --- |")
    print(
        f"| reminder job writes {written:,} rows | {produce_s:.2f} s | "
        f"{written / produce_s:,.0f} rows/s |"
    )
    print(f"| reminder job again (nothing new) | {again_s:.2f} s | |")
    print(
        f"| {args.workers} senders: start to the last sent_at ({sent:,} sent) | {leave_s:.1f} s | "
        f"{sent / leave_s:,.0f} sends/s |"
    )
    for i, r in enumerate(results, 1):
        print(
            f"| sender {i}: {r['sent']:,} sent | {r['seconds']:.1f} s | "
            f"{r['sent'] / r['seconds']:,.0f} sends/s |"
        )
    print(
        f"\nDuplicates: {duplicates}. Batch {args.batch}, {args.concurrency} sends in flight per "
        "sender; fake WeChat (werkzeug, threaded) "
        "in the bench's process; every send goes through wechatpy over HTTP on 127.0.0.1.\n"
    )
    print("\n".join(machine_facts(conninfo_of(args.url), tables=("notify_message",))))


if __name__ == "__main__":
    main()
