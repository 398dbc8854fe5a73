"""What ``sunshine.database`` promises about time: UTC in, UTC out, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import StatementError

from sunshine.auth.models import Account
from sunshine.extensions import db

SHANGHAI = timezone(timedelta(hours=8))

pytestmark = pytest.mark.usefixtures("app")


def test_a_timestamp_comes_back_as_the_same_instant_in_utc() -> None:
    account = Account(openid="o-time", created_at=datetime(2026, 11, 27, 20, 0, tzinfo=SHANGHAI))
    db.session.add(account)
    db.session.flush()
    db.session.expire_all()

    read = db.session.scalar(select(Account.created_at).where(Account.openid == "o-time"))

    assert read == datetime(2026, 11, 27, 12, 0, tzinfo=UTC)
    assert read is not None and read.tzinfo is UTC


def test_postgresql_sessions_run_in_utc_whatever_the_servers_zone() -> None:
    if db.engine.dialect.name != "postgresql":
        assert db.engine.dialect.name == "sqlite"  # SQLite has no session time zone
        return
    assert db.session.scalar(text("SHOW TIME ZONE")) == "UTC"
    # SQL that takes the date of a timestamp means the UTC date.
    day = db.session.scalar(text("SELECT (TIMESTAMPTZ '2026-11-27 23:30:00+00')::date"))
    assert str(day) == "2026-11-27"


def test_a_naive_datetime_is_refused() -> None:
    naive = datetime(2026, 11, 27, 12, 0)  # noqa: DTZ001 -- the mistake under test
    db.session.add(Account(openid="o-naive", created_at=naive))
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()
