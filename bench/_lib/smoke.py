"""What every bench's ``--smoke`` shares: tiny data and a few seconds, through the same code
as a real run (data generation, migrations, the app's endpoints, the statistics and the
report), failing on any error or unexpected status. ``scripts/bench-smoke`` runs them all in
CI so that a change to the app cannot break a bench silently. Smoke figures mean nothing.
"""

from __future__ import annotations

import argparse
from typing import Any

from sunshine.demo import CityShape

SMOKE_DATABASE_URL = "postgresql://postgres@127.0.0.1:5432/sunshine_bench_smoke"
# A tiny city for demo.build_city: the same 16 streets and towns with 2 社区 per street and one
# 村 per town and 乡 (22 communities), one grid each, few schools: ~70 work units.
CITY = CityShape(
    communities_per_street=2, villages=11, grids_per_community=(1, 1), schools=(1, 1, 1)
)


def add_argument(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--smoke",
        action="store_true",
        help="a few seconds on tiny data, to check that the bench still runs (its own sizes "
        f"override the options; PostgreSQL default {SMOKE_DATABASE_URL})",
    )


def apply(args: argparse.Namespace, **values: Any) -> None:
    """With ``--smoke``, the smoke sizes replace the options'."""
    if args.smoke:
        for name, value in values.items():
            setattr(args, name, value)


def database_url(args: argparse.Namespace, default: str) -> str:
    """``--database-url`` if given, else the smoke database with ``--smoke`` (never the big
    one a real run would wipe), else the bench's default."""
    url: str = args.database_url or (SMOKE_DATABASE_URL if args.smoke else default)
    return url
