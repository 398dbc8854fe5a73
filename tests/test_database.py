"""What ``sunshine.database`` promises about time: UTC in, UTC out, on both databases."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select, text
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


def test_sql_on_dates_sees_the_utc_date_whatever_the_servers_zone() -> None:
    late = datetime(2026, 11, 27, 23, 30, tzinfo=UTC)  # already the 28th in Shanghai
    db.session.add(Account(openid="o-late", created_at=late))
    db.session.flush()

    day = db.session.scalar(select(func.date(Account.created_at)).where(Account.openid == "o-late"))

    assert str(day) == "2026-11-27"
    if db.engine.dialect.name == "postgresql":  # a session setting; SQLite stores naive UTC
        assert db.session.scalar(text("SHOW TIME ZONE")) == "UTC"


def test_a_naive_datetime_is_refused() -> None:
    naive = datetime(2026, 11, 27, 12, 0)  # noqa: DTZ001 -- the mistake under test
    db.session.add(Account(openid="o-naive", created_at=naive))
    with pytest.raises(StatementError, match="naive datetime"):
        db.session.flush()
    db.session.rollback()
