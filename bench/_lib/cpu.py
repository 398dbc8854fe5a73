"""The CPU the bench uses and the CPU other processes use meanwhile, from /proc.

The machine is shared: every report shows how much of all CPUs unrelated processes used
while a figure was measured. A snapshot is ``(time, busy ticks of the machine, ticks of the
bench, …)``; ``other_cpu_share`` and ``idle_share`` compare two snapshots of either kind.
"""

from __future__ import annotations

import math
import os
import time
from pathlib import Path

import psycopg


def ticks(pid: int) -> int:
    """CPU ticks (user + system) a process has used so far; 0 once it has gone."""
    try:
        raw = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return 0
    fields = raw[raw.rindex(")") + 2 :].split()
    return int(fields[11]) + int(fields[12])  # utime + stime


def _busy() -> int:
    with open("/proc/stat") as stat:
        user, nice, system = (int(v) for v in stat.readline().split()[1:4])
    return user + nice + system


def backend_pids(conninfo: str) -> list[int]:
    """The other sessions on the bench database: the app's pooled connection(s)."""
    with psycopg.connect(conninfo) as conn:
        return [
            r[0]
            for r in conn.execute(
                "SELECT pid FROM pg_stat_activity "
                "WHERE datname = current_database() AND pid <> pg_backend_pid()"
            )
        ]


def snapshot(pids: list[int]) -> tuple[float, int, int, int]:
    """(time, busy ticks of the machine, ticks of this process + the backends ``pids``, ticks
    of those backends): for an in-process bench and its database sessions."""
    backends = sum(ticks(pid) for pid in pids)
    return time.monotonic(), _busy(), ticks(os.getpid()) + backends, backends


def _process_times() -> dict[int, tuple[int, str, int, int]]:
    """pid -> (ppid, name, own CPU ticks, reaped children's CPU ticks), from /proc."""
    table = {}
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            raw = Path(f"/proc/{entry}/stat").read_text()
        except OSError:  # the process has just gone
            continue
        name = raw[raw.index("(") + 1 : raw.rindex(")")]
        fields = raw[raw.rindex(")") + 2 :].split()
        # fields[0] is the state (stat field 3): utime, stime, cutime, cstime are fields 14-17.
        table[int(entry)] = (
            int(fields[1]),
            name,
            int(fields[11]) + int(fields[12]),
            int(fields[13]) + int(fields[14]),
        )
    return table


def _serves(pid: int, database: str) -> bool:
    """Whether a ``postgres`` process is a backend connected to ``database``."""
    try:
        title = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except (OSError, UnicodeDecodeError):
        return False
    # "postgres: 15/main: <user> <database> <client> <activity>"
    return f" {database} " in title


def tree_snapshot(pg_database: str | None = None) -> tuple[float, int, int]:
    """(time, CPU ticks busy in user and system mode, ticks of this bench): for a bench with
    servers. The bench's ticks are those of this process and its descendants (gunicorn and its
    workers, wrk once reaped) and of the PostgreSQL backends connected to ``pg_database``."""
    busy = _busy()
    table = _process_times()
    children: dict[int, list[int]] = {}
    for pid, (ppid, _, _, _) in table.items():
        children.setdefault(ppid, []).append(pid)
    ours, todo = 0, [os.getpid()]
    while todo:
        pid = todo.pop()
        if pid in table:
            ours += table[pid][2] + table[pid][3]
        todo.extend(children.get(pid, []))
    if pg_database:
        ours += sum(
            own + reaped
            for pid, (_, name, own, reaped) in table.items()
            if name == "postgres" and _serves(pid, pg_database)
        )
    return time.monotonic(), busy, ours


def _capacity(before: tuple[float, ...], after: tuple[float, ...]) -> float:
    return (after[0] - before[0]) * os.sysconf("SC_CLK_TCK") * (os.cpu_count() or 1)


def other_cpu_share(before: tuple[float, ...], after: tuple[float, ...]) -> float:
    """Share (0-1) of all CPUs that processes outside the bench used between two snapshots."""
    capacity = _capacity(before, after)
    foreign = (after[1] - before[1]) - (after[2] - before[2])
    return max(0.0, foreign / capacity) if capacity > 0 else math.nan


def idle_share(before: tuple[float, ...], after: tuple[float, ...]) -> float:
    """Share (0-1) of all CPUs nobody used between two snapshots: with the bench's CPU and
    the others', it tells whether a run was short of processor or waiting."""
    capacity = _capacity(before, after)
    return max(0.0, 1 - (after[1] - before[1]) / capacity) if capacity > 0 else math.nan
