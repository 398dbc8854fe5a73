"""The application's database role on PostgreSQL (docs/database-roles.md): it owns nothing,
may only SELECT and INSERT on the append-only tables, cannot switch their triggers off, and
still runs the application; an append it forges with SQL is caught by ``ledger verify``.

Every test here runs on a deployment made as the deploy section says (tests/ops/deployment.py)
and, as the application's role, inside a transaction rolled back at the end."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy.exc import DBAPIError

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.ops import database as roles
from sunshine.security.models import SecurityEvent
from tests import races
from tests.attendance.conftest import open_site
from tests.builders import count
from tests.conftest import Clock
from tests.hours.forgery import forge_append
from tests.hours.tampering import chain, verify_cli
from tests.ops.deployment import Deployment

pytestmark = pytest.mark.postgresql

INSUFFICIENT_PRIVILEGE = "42501"


@pytest.fixture
def as_app(app: Flask, deployment: Deployment) -> Iterator[sa.Connection]:
    """The app on the deployment, connected as the application's role, in one transaction
    rolled back at the end (the app's commits are savepoints)."""
    engine = deployment.engine(app, deployment.app_role)
    connection = engine.connect()
    outer = connection.begin()
    db.session.remove()
    try:
        with races.bound_to(app, connection):
            yield connection
            db.session.remove()
    finally:
        outer.rollback()
        connection.close()


def _refused(connection: sa.Connection, statement: str) -> str | None:
    """Run ``statement`` in a savepoint: the SQLSTATE it failed with (None: it ran)."""
    try:
        with connection.begin_nested():
            connection.exec_driver_sql(statement)
    except DBAPIError as exc:
        return getattr(exc.orig, "sqlstate", "?")
    return None


def test_the_application_role_owns_nothing_and_has_exactly_its_privileges(
    app: Flask, deployment: Deployment, as_app: sa.Connection
) -> None:
    result = app.test_cli_runner().invoke(args=["database", "check"])

    assert result.exit_code == 0, result.output
    assert f"role {deployment.app_role}: owns nothing" in result.output
    assert roles.app_role_problems(as_app, deployment.app_role) == []
    owner_check = roles.app_role_problems(as_app, deployment.owner)
    assert "owns hours_entry" in owner_check


TAMPERINGS = [
    f"{verb} {table}"
    for table in roles.APPEND_ONLY_TABLES
    for verb in ("UPDATE", "DELETE", "TRUNCATE", "DISABLE TRIGGER")
]


@pytest.mark.parametrize("tampering", TAMPERINGS)
def test_the_application_role_cannot_change_or_unguard_an_append_only_table(
    app: Flask, as_app: sa.Connection, tampering: str
) -> None:
    verb, table = tampering.rsplit(" ", 1)  # a name from APPEND_ONLY_TABLES
    statement = {
        "UPDATE": f"UPDATE {table} SET id = id",  # noqa: S608
        "DELETE": f"DELETE FROM {table}",  # noqa: S608
        "TRUNCATE": f"TRUNCATE {table}",
        "DISABLE TRIGGER": f"ALTER TABLE {table} DISABLE TRIGGER ALL",
    }[verb]
    assert _refused(as_app, statement) == INSUFFICIENT_PRIVILEGE


@pytest.mark.parametrize(
    "statement",
    [
        "SET session_replication_role = replica",
        "SET LOCAL session_replication_role = replica",
        "DROP TRIGGER hours_entry_append_only ON hours_entry",
        "DROP FUNCTION refuse_change() CASCADE",
        "ALTER TABLE service_record DISABLE TRIGGER ALL",
        "TRUNCATE service_record",
        "DROP TABLE ledger_head",
        "UPDATE alembic_version SET version_num = version_num",
        "CREATE TABLE scratch (id int)",
    ],
)
def test_the_application_role_cannot_bypass_triggers_or_change_the_schema(
    as_app: sa.Connection, statement: str
) -> None:
    assert _refused(as_app, statement) == INSUFFICIENT_PRIVILEGE


def test_the_security_log_survives_a_delete_by_the_application_role(
    client: FlaskClient, fake_wechat: FakeWeChat, as_app: sa.Connection
) -> None:
    from tests.steps import login

    login(client, fake_wechat, "o-roles")
    logged = count(SecurityEvent)

    refused = _refused(as_app, "DELETE FROM security_event")

    assert logged >= 1
    assert refused == INSUFFICIENT_PRIVILEGE
    assert count(SecurityEvent) == logged


def test_an_append_forged_by_the_application_role_is_caught_by_verify(
    app: Flask, as_app: sa.Connection, client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    """The application role may INSERT entries and UPDATE heads (it appends), so the database
    accepts a chain-consistent forgery; the head's seal, made without the key, gives it away."""
    from sunshine.hours import ledger
    from sunshine.hours.models import Ledger

    open_site(client, fake_wechat)
    member_id = db.session.scalar(sa.text("SELECT max(id) FROM member"))
    chain(member_id, [60, 30])
    assert verify_cli(app).exit_code == 0
    db.session.commit()

    forge_append(db.session.connection(), member_id, 6000)  # on as_app, the role's connection
    db.session.commit()
    result = verify_cli(app)

    assert result.exit_code == 1, result.output
    assert ledger.total(Ledger.HOURS, member_id) == 6090
    assert f"member {member_id}: head seal does not match" in result.output


def test_the_application_runs_as_its_role(
    app: Flask, as_app: sa.Connection, client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    """Check-in and check-out (punches), confirmation (both ledgers, the security log), every
    scheduled job, the ledger verified: the application's typical writes, allowed to its role."""
    from tests.attendance.test_punch_routes import _code, _punch

    site = open_site(client, fake_wechat)
    member = site.members[0]
    clock.set(site.at(-5))
    status_in, _ = _punch(client, member, _code(client, site.admin, site.shift_id))
    clock.set(site.at(120))
    status_out, punched = _punch(client, member, _code(client, site.admin, site.shift_id), "out")
    record_id = punched["record"]["id"]
    confirmed = client.post(f"/api/v1/service-records/{record_id}/confirm", headers=site.admin)
    clock.set(site.at(60 * 24 * 3))
    runner = app.test_cli_runner()
    jobs = runner.invoke(args=["jobs", "run"])  # every due job
    signed = runner.invoke(args=["jobs", "run", "--only", "hours.sign_ledger_digest"])
    result = verify_cli(app)

    assert (status_in, status_out, confirmed.status_code) == (201, 201, 200), confirmed.json
    assert confirmed.json["credited_minutes"] == 120
    assert jobs.exit_code == 0, jobs.output  # exit 1 when a job failed
    assert signed.exit_code == 0, signed.output
    # Ran (and wrote, unless the run's backup test signed a later day in this database).
    assert 'hours.sign_ledger_digest: {"signed": ' in signed.output
    assert result.exit_code == 0, result.output
    assert "hours ledger: every chain verified" in result.output
    assert as_app.scalar(sa.text("SELECT current_user")) != "postgres"


def test_a_table_a_later_migration_adds_gets_the_ordinary_privileges(
    app: Flask, deployment: Deployment
) -> None:
    """The owner's default privileges: a new table is usable before the grants run again
    (and an append-only one loses UPDATE and DELETE when they do, after every upgrade)."""
    engine = deployment.engine(app, deployment.owner)
    with engine.connect() as owner:
        owner.exec_driver_sql("CREATE TABLE later_table (id int)")
        allowed = {
            privilege: owner.scalar(
                sa.text("SELECT has_table_privilege(:role, 'public.later_table', :privilege)"),
                {"role": deployment.app_role, "privilege": privilege},
            )
            for privilege in ("SELECT", "INSERT", "UPDATE", "DELETE", "TRUNCATE", "TRIGGER")
        }
        owner.rollback()

    assert allowed == {
        "SELECT": True,
        "INSERT": True,
        "UPDATE": True,
        "DELETE": True,
        "TRUNCATE": False,
        "TRIGGER": False,
    }


def test_every_table_guarded_by_an_append_only_trigger_is_append_only_for_the_role(
    as_app: sa.Connection,
) -> None:
    guarded = set(
        as_app.scalars(
            sa.text(
                "SELECT DISTINCT c.relname FROM pg_trigger t "
                "JOIN pg_class c ON c.oid = t.tgrelid JOIN pg_proc p ON p.oid = t.tgfoid "
                "WHERE NOT t.tgisinternal "
                "AND p.proname IN ('refuse_change', 'security_event_append_only')"
            )
        )
    )
    assert guarded
    assert guarded <= set(roles.APPEND_ONLY_TABLES)
    assert set(roles.APPEND_ONLY_TABLES) <= set(db.metadata.tables)


def test_grant_gives_back_what_the_role_lost_and_takes_what_it_should_not_have(
    app: Flask, deployment: Deployment
) -> None:
    owner = deployment.engine(app, deployment.owner)
    with owner.begin() as conn:
        conn.exec_driver_sql(f'REVOKE INSERT ON punch FROM "{deployment.app_role}"')
        conn.exec_driver_sql(f'GRANT UPDATE, TRUNCATE ON hours_entry TO "{deployment.app_role}"')
        drifted = roles.app_role_problems(conn, deployment.app_role)
    saved = {key: app.config.get(key) for key in ("DATABASE_OWNER_URL", "SQLALCHEMY_DATABASE_URI")}
    app.config["DATABASE_OWNER_URL"] = deployment.url(deployment.owner)
    app.config["SQLALCHEMY_DATABASE_URI"] = deployment.url(deployment.app_role)
    try:
        granted = app.test_cli_runner().invoke(args=["database", "grant"])
    finally:
        app.config.update(saved)
    with owner.connect() as conn:
        after = roles.app_role_problems(conn, deployment.app_role)

    assert sorted(drifted) == [
        "may TRUNCATE on hours_entry",
        "may UPDATE on hours_entry",
        "may not INSERT on punch",
    ]
    assert granted.exit_code == 0, granted.output
    assert f"{deployment.app_role}: privileges granted on" in granted.output
    assert after == []
