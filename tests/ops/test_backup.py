"""Backups restore to a database whose ledgers verify (docs/database-roles.md, Backups):
PostgreSQL with pg_dump / pg_restore, owner and grants included; SQLite (the demo) with
``flask database backup``, SQLite's online backup API."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import DBAPIError

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.hours.models import HoursEntry, Ledger, LedgerDigest
from sunshine.security.models import SecurityEvent
from tests import races
from tests.builders import add_reported_members, count, make_city, member_id_of
from tests.hours.tampering import append, chain, sign, verify_cli
from tests.ops.deployment import Deployment, create_database
from tests.steps import login

INSUFFICIENT_PRIVILEGE = "42501"
RAISED_BY_TRIGGER = "P0001"


def _history(client: FlaskClient, fake: FakeWeChat) -> dict[str, int]:
    """Committed rows worth restoring: logins (the security log), two members' chains in
    both ledgers, a signed digest; what each table then counts."""
    login(client, fake, "o-backup-1")
    login(client, fake, "o-backup-2")
    place = make_city()
    first, second = (member_id_of(a) for a in add_reported_members(place, place.community, 2))
    chain(first, [60, 30, -15])
    chain(second, [120])
    append(second, 20, Ledger.POINTS)
    sign()
    db.session.commit()
    return _counts()


def _counts() -> dict[str, int]:
    return {
        "security_event": count(SecurityEvent),
        "hours_entry": count(HoursEntry),
        "ledger_digest": count(LedgerDigest),
    }


@contextmanager
def _on(app: Flask, engine: sa.Engine) -> Iterator[None]:
    """The app on ``engine``, where its commits are real."""
    db.session.remove()
    try:
        with races.bound_to(app, engine):
            yield
            db.session.remove()
    finally:
        db.session.remove()


def _sqlstate(engine: sa.Engine, statement: str) -> str | None:
    try:
        with engine.begin() as conn:
            conn.exec_driver_sql(statement)
    except DBAPIError as exc:
        return getattr(exc.orig, "sqlstate", "?")
    return None


def _run(*command: str) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False, timeout=120)
    assert done.returncode == 0, done.stderr


@pytest.mark.postgresql
def test_a_pg_dump_restores_ledgers_log_owner_and_grants_into_a_fresh_database(
    app: Flask, deployment: Deployment, client: FlaskClient, fake_wechat: FakeWeChat, tmp_path: Path
) -> None:
    with _on(app, deployment.engine(app, deployment.app_role)):
        before = _history(client, fake_wechat)
    dump = tmp_path / "sunshine.dump"
    url = sa.make_url(deployment.main_url)
    server = ("-h", str(url.host), "-p", str(url.port or 5432), "-U", deployment.owner)
    restored = f"{deployment.database}_restored"

    # The deploy section's procedure: dump as the owner; restore as the owner into a new
    # database the owner owns.
    _run("pg_dump", *server, "--format=custom", f"--file={dump}", deployment.database)
    create_database(deployment, restored)
    _run(
        "pg_restore", *server, "--exit-on-error", "--single-transaction", "-d", restored, str(dump)
    )

    app_engine = deployment.engine(app, deployment.app_role, restored)
    with _on(app, app_engine):
        after = _counts()
        verified = verify_cli(app)
        checked = app.test_cli_runner().invoke(args=["database", "check"])
    superuser = sa.create_engine(deployment.superuser_url(restored), poolclass=sa.pool.NullPool)
    try:
        guarded = _sqlstate(superuser, "UPDATE hours_entry SET amount = 0")
        owner_of = sa.select(sa.func.pg_get_userbyid(sa.column("relowner"))).select_from(
            sa.table("pg_class")
        )
        with superuser.connect() as conn:
            owner = conn.scalar(owner_of.where(sa.column("relname") == "hours_entry"))
    finally:
        superuser.dispose()

    assert after == before
    assert before["security_event"] >= 2 and before["ledger_digest"] == 1
    assert verified.exit_code == 0, verified.output
    assert "hours ledger: every chain verified" in verified.output
    assert "points ledger: every chain verified" in verified.output
    assert "signature valid, 3 signed heads still in place" in verified.output
    assert checked.exit_code == 0, checked.output  # the grants came back with the dump
    assert owner == deployment.owner
    assert _sqlstate(app_engine, "DELETE FROM security_event") == INSUFFICIENT_PRIVILEGE
    assert guarded == RAISED_BY_TRIGGER  # the append-only triggers came back too


@pytest.mark.sqlite
def test_the_sqlite_backup_copies_a_database_whose_ledgers_verify(
    race_app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, tmp_path: Path
) -> None:
    before = _history(client, fake_wechat)
    target = tmp_path / "backup.sqlite3"
    runner = race_app.test_cli_runner()

    backed_up = runner.invoke(args=["database", "backup", str(target)])
    again = runner.invoke(args=["database", "backup", str(target)])
    copy = races.engine_for(race_app, f"sqlite:///{target}")
    try:
        with _on(race_app, copy):
            after = _counts()
            verified = verify_cli(race_app)
    finally:
        copy.dispose()

    assert backed_up.exit_code == 0, backed_up.output
    assert f"to {target}" in backed_up.output
    assert again.exit_code == 1
    assert "exists" in again.output  # a backup never overwrites a file
    assert after == before
    assert verified.exit_code == 0, verified.output
    assert "signature valid, 3 signed heads still in place" in verified.output
