"""The one clock: "now" (UTC) and the business time zone days and years are counted in.

Every "now" in the app is ``clock.now()``, timezone-aware UTC (``database.utcnow``, the
column default, is the same clock). Local days, weeks and years are Asia/Shanghai's
(``SHANGHAI``): a shift's service date, the weekly schedule, the year a member's hours count
in, "today" for call-ups and the overdue-confirmation job.

Callers read the clock through the module (``from sunshine import clock``, then
``clock.now()``), never ``from sunshine.clock import now``, so that there is one attribute to
replace for a test.

``on_site()`` is the moment attendance judges punches, code windows and hand records by. It
is ``now()``, under a name of its own so that tests can walk attendance through a shift two
days ahead (the ``clock`` fixture replaces this one attribute) while the rest of the app keeps
real time: moving ``now`` itself would also move token expiry (24 h), signup deadlines and
the ledger's timestamps, and the tests' tokens would expire before their shift starts.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

SHANGHAI = ZoneInfo("Asia/Shanghai")  # days, weeks and years are counted here


def now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def on_site() -> datetime:
    """The moment attendance judges a punch by (``now()``; see the module docstring)."""
    return now()


def local(moment: datetime) -> datetime:
    """``moment`` as a Shanghai wall-clock time."""
    return moment.astimezone(SHANGHAI)


def local_date(moment: datetime) -> date:
    """The Shanghai calendar day ``moment`` falls on."""
    return moment.astimezone(SHANGHAI).date()


def today() -> date:
    """Today in Shanghai."""
    return local_date(now())


def at_local(day: date, wall: time) -> datetime:
    """The UTC moment of ``wall`` o'clock in Shanghai on ``day``."""
    return datetime.combine(day, wall, SHANGHAI).astimezone(UTC)
