"""Progress lines, percentiles and the machine facts every report starts with."""

from __future__ import annotations

import math
import os
import platform
import sqlite3
import subprocess
import sys
import time

import psycopg
from psycopg import sql

T0 = time.perf_counter()


def log(message: str) -> None:
    """A progress line on stderr, with the seconds since the bench started."""
    print(f"[{time.perf_counter() - T0:6.1f}s] {message}", file=sys.stderr, flush=True)


def percentile(values: list[float], pct: float) -> float:
    """Nearest-rank percentile (NaN for no values)."""
    if not values:
        return math.nan
    ordered = sorted(values)
    rank = max(1, math.ceil(pct / 100 * len(ordered)))
    return ordered[min(rank, len(ordered)) - 1]


def ms(values: list[float], pct: float) -> str:
    """A percentile of durations in seconds, as milliseconds with one decimal."""
    return f"{percentile([v * 1000 for v in values], pct):.1f}"


SETTINGS = (
    "shared_buffers",
    "work_mem",
    "effective_cache_size",
    "random_page_cost",
    "jit",
    "max_parallel_workers_per_gather",
)


def machine_facts(
    conninfo: str | None = None,
    tables: tuple[str, ...] = ("task", "shift", "signup", "member"),
    settings: tuple[str, ...] = SETTINGS,
    versions: tuple[str, ...] = (),
) -> list[str]:
    """Markdown list lines: date, CPU, RAM, load, Python and library versions and, with a
    PostgreSQL ``conninfo``, its version, ``settings`` and the sizes of ``tables``."""
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
        f"- Python {platform.python_version()} on {platform.platform()}, SQLite "
        f"{sqlite3.sqlite_version}, psycopg {psycopg.__version__}"
        + "".join(f", {v}" for v in versions),
    ]
    if conninfo:
        with psycopg.connect(conninfo) as conn:
            version = conn.execute("SELECT version()").fetchone()[0]  # type: ignore[index]
            shown = {
                name: conn.execute(sql.SQL("SHOW {}").format(sql.Identifier(name))).fetchone()[0]  # type: ignore[index]
                for name in settings
            }
            sizes = conn.execute(
                "SELECT relname, pg_size_pretty(pg_table_size(oid)), "
                "pg_size_pretty(pg_indexes_size(oid)) FROM pg_class "
                "WHERE relname = ANY(%s) AND relkind = 'r' ORDER BY relname",
                (list(tables),),
            ).fetchall()
        facts += [
            f"- {version}",
            "- settings: " + ", ".join(f"{k}={v}" for k, v in shown.items()),
            "- sizes (table / indexes): " + "; ".join(f"{name} {t} / {i}" for name, t, i in sizes),
        ]
    return facts
