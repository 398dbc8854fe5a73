"""Helpers the benches share: the app they time, migrations, bulk loading, machine facts.

Each bench script imports these (``from _common import …``; scripts run from ``bench/``'s
parent with ``bench`` on ``sys.path`` as Python puts the script's folder there).
"""

from __future__ import annotations

import hashlib
import os
import platform
import secrets
import subprocess
import sys
import time
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import psycopg
from psycopg import sql
from sqlalchemy import select

from sunshine import create_app
from sunshine.config import normalise_database_url

T0 = time.perf_counter()


def log(message: str) -> None:
    print(f"[{time.perf_counter() - T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def make_app(url: str) -> Any:
    return create_app(
        {
            "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
            "ENV_NAME": "testing",
            "SECRET_KEY": "x" * 64,
            "REDIS_URL": None,
            "RATELIMIT_STORAGE_URI": "memory://",
            "LOG_LEVEL": "WARNING",
        }
    )


def migrate(app: Any) -> None:
    import flask_migrate

    with app.app_context():
        flask_migrate.upgrade()


def catalogue() -> tuple[list[int], list[tuple[int, str]]]:
    """(skill ids, (category id, name)) of the migrated catalogues (in an app context)."""
    from sunshine.extensions import db
    from sunshine.members.models import Skill
    from sunshine.tasks.models import TaskCategory

    skills = list(db.session.scalars(select(Skill.id).order_by(Skill.id)))
    categories = [
        (c.id, c.name)
        for c in db.session.scalars(select(TaskCategory).order_by(TaskCategory.sort_order))
    ]
    return skills, categories


def token_for(account_id: int) -> dict[str, str]:
    """A bearer token written straight into the table, as tests.factories.token_for does."""
    from sunshine.auth.models import AuthToken
    from sunshine.database import utcnow
    from sunshine.extensions import db

    raw = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            account_id=account_id,
            token_hash=hashlib.sha256(raw.encode()).hexdigest(),
            expires_at=utcnow() + timedelta(hours=6),
        )
    )
    db.session.flush()
    return {"Authorization": f"Bearer {raw}"}


@dataclass
class Rows:
    """Rows to load, per table, as dicts of column values (in foreign-key order)."""

    tables: dict[str, list[dict[str, Any]]] = field(default_factory=lambda: defaultdict(list))

    def add(self, table: str, row: dict[str, Any]) -> None:
        self.tables[table].append(row)

    def counts(self) -> dict[str, int]:
        return {t: len(r) for t, r in self.tables.items()}


def copy_rows(conninfo: str, rows: Rows, order: list[str]) -> dict[str, float]:
    """COPY every table's rows (foreign keys checked as usual); moves the sequences on."""
    seconds = {}
    with psycopg.connect(conninfo) as conn, conn.cursor() as cur:
        for name in order:
            batch = rows.tables.get(name) or []
            if not batch:
                continue
            columns = list(batch[0])
            started = time.perf_counter()
            statement = sql.SQL("COPY {} ({}) FROM STDIN").format(
                sql.Identifier(name), sql.SQL(", ").join(map(sql.Identifier, columns))
            )
            with cur.copy(statement) as copy:
                for row in batch:
                    copy.write_row([row[c] for c in columns])
            seconds[name] = time.perf_counter() - started
            if "id" in columns:
                cur.execute(
                    sql.SQL("SELECT setval(pg_get_serial_sequence({}, 'id'), {})").format(
                        sql.Literal(name), sql.Literal(max(r["id"] for r in batch))
                    )
                )
    return seconds


def package_of(filename: str) -> str:
    if "site-packages" in filename:
        return filename.split("site-packages/")[1].split("/")[0]
    if "/sunshine/" in filename:
        return "sunshine." + filename.split("/sunshine/")[1].split("/")[0].removesuffix(".py")
    if filename.startswith("~") or filename.startswith("<"):
        return "builtins"
    return "stdlib"


def machine_facts(conninfo: str | None) -> list[str]:
    import sqlite3

    cpu = "unknown"
    with open("/proc/cpuinfo") as info:
        for line in info:
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break

    def run(*command: str) -> str:
        return subprocess.run(command, capture_output=True, text=True, check=False).stdout.strip()

    mem_gib = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    facts = [
        f"- date -u: {run('date', '-u')}",
        f"- nproc: {run('nproc')}; CPU: {cpu}; RAM: {mem_gib:.0f} GiB; load average "
        f"{', '.join(f'{x:.2f}' for x in os.getloadavg())} (the machine is shared)",
        f"- Python {platform.python_version()}, SQLite {sqlite3.sqlite_version}, "
        f"psycopg {psycopg.__version__}",
    ]
    if conninfo:
        with psycopg.connect(conninfo) as conn:
            version = conn.execute("SELECT version()").fetchone()[0]  # type: ignore[index]
            settings = {
                name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]  # type: ignore[index]
                for name in (
                    "shared_buffers",
                    "work_mem",
                    "effective_cache_size",
                    "random_page_cost",
                    "jit",
                    "max_parallel_workers_per_gather",
                )
            }
            sizes = conn.execute(
                "SELECT relname, pg_size_pretty(pg_table_size(oid)), "
                "pg_size_pretty(pg_indexes_size(oid)) FROM pg_class "
                "WHERE relname IN ('task', 'shift', 'signup', 'member') ORDER BY relname"
            ).fetchall()
        facts += [
            f"- {version}",
            "- settings: " + ", ".join(f"{k}={v}" for k, v in settings.items()),
            "- sizes (table / indexes): " + "; ".join(f"{name} {t} / {i}" for name, t, i in sizes),
        ]
    return facts
