"""Command-line entry points (``flask --app wsgi …``): thin wrappers around services."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, TextIO

import click
from flask import Flask, current_app

from sunshine.errors import DomainError
from sunshine.extensions import db

if TYPE_CHECKING:
    from sunshine.hours.models import Ledger


def init_app(app: Flask) -> None:
    app.cli.add_command(create_sysadmin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo)
    app.cli.add_command(import_file)
    app.cli.add_command(jobs)
    app.cli.add_command(ledger)
    app.cli.add_command(notify)
    app.cli.add_command(database)


@click.group("jobs")
def jobs() -> None:
    """Scheduled jobs (closing forgotten check-outs, no-shows, overdue records …)."""


@jobs.command("run")
@click.option("--only", help="Run just this job, due or not.")
def run_jobs(only: str | None) -> None:
    """Run every due job once; safe to call every minute from cron. Exit 1 if one failed."""
    import json

    from sunshine.jobs.runner import JOBS, run_due

    results = run_due(only=only)
    if only is not None and only not in JOBS:
        raise click.ClickException(f"no job named {only!r}; jobs: {', '.join(sorted(JOBS))}")
    for name, result in results.items():
        click.echo(f"{name}: {json.dumps(result, ensure_ascii=False)}")
    if any(isinstance(r, str) and r.startswith("failed") for r in results.values()):
        raise SystemExit(1)


@click.group("notify")
def notify() -> None:
    """The outbox of subscribe messages (docs/notifications.md)."""


@notify.command("worker")
@click.option("--batch", default=50, show_default=True, help="Rows claimed at a time.")
@click.option("--idle", default=1.0, show_default=True, help="Seconds between polls when idle.")
@click.option("--concurrency", type=int, help="Sends in flight (NOTIFY_SEND_CONCURRENCY).")
def notify_worker(batch: int, idle: float, concurrency: int | None) -> None:
    """Send the outbox continuously until SIGTERM/SIGINT (finishes the row in hand)."""
    import signal

    from sunshine.notify import sender

    stopping: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda number, _frame: stopping.append(number))
    click.echo(f"notify worker: batch {batch}, idle {idle} s")
    sender.run_worker(batch=batch, idle=idle, concurrency=concurrency, stop=lambda: bool(stopping))


@notify.command("status")
def notify_status() -> None:
    """Messages per state and reason (failed:refused, skipped:no_quota …)."""
    from sunshine.notify import sender

    for key, count in sorted(sender.status_counts().items()):
        click.echo(f"{key}: {count}")


@click.group("ledger")
def ledger() -> None:
    """The hash-chained hours and points ledgers: verify chains, rebuild materialised totals."""


@ledger.command("verify")
@click.option(
    "--ledger",
    "which",
    type=click.Choice(["hours", "points"]),
    help="Verify just this ledger (default: both).",
)
def verify_ledger(which: str | None) -> None:
    """Recompute every chain and compare it with its head, then check the latest signed
    digest (signature, and every head it signed still in place); exit 1 naming the break."""
    from sunshine.hours import ledger as ledgers
    from sunshine.hours.models import Ledger

    for name in [Ledger(which)] if which else list(Ledger):
        problem = ledgers.verify(name)
        db.session.rollback()  # a read-only walk: end its transaction (SQLite's write lock)
        if problem is not None:
            click.echo(f"BROKEN {problem}", err=True)
            raise SystemExit(1)
        click.echo(f"{name} ledger: every chain verified")
    _verify_against_digest(Ledger(which) if which else None)


def _verify_against_digest(which: Ledger | None) -> None:
    """The latest signed digest: its signature, and every head it signed still in place."""
    from sunshine.hours.ledger import digests

    row = digests.latest()
    if row is None:
        click.echo("no signed digest yet (the job hours.sign_ledger_digest signs one daily)")
        return
    problems = digests.digest_problems(row, ledger=which)
    db.session.rollback()
    for problem in problems:
        click.echo(f"BROKEN {problem}", err=True)
    if problems:
        raise SystemExit(1)
    click.echo(
        f"signed digest of {row.day} (key {row.key_id}): signature valid, "
        f"{row.chains} signed heads still in place"
    )


@ledger.command("digests")
@click.option(
    "--export",
    "path",
    required=True,
    type=click.Path(dir_okay=False, writable=True),
    help="Write every signed digest to this file, one JSON object a line.",
)
def export_digests(path: str) -> None:
    """Export the signed digests (with the public key) for an auditor to keep elsewhere."""
    import json

    from sqlalchemy import select

    from sunshine.hours.ledger import digests
    from sunshine.hours.models import LedgerDigest

    written = 0
    with open(path, "w", encoding="utf-8") as file:
        rows = db.session.scalars(
            select(LedgerDigest).order_by(LedgerDigest.day).execution_options(yield_per=50)
        )
        for row in rows:
            line = json.dumps(digests.export_line(row), ensure_ascii=False, sort_keys=True)
            file.write(line + "\n")
            written += 1
    db.session.rollback()
    click.echo(f"{written} signed digest(s) written to {path}")


@ledger.command("new-key")
def new_key() -> None:
    """Print a new Ed25519 private key (base64 of the raw 32 bytes) for LEDGER_SIGNING_KEY."""
    import base64

    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    raw = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.Raw,
        serialization.PrivateFormat.Raw,
        serialization.NoEncryption(),
    )
    click.echo(base64.b64encode(raw).decode())


@ledger.command("rebuild-totals")
@click.option("--check", is_flag=True, help="Only report differences; change nothing.")
def rebuild_totals(check: bool) -> None:
    """Recompute heads and credited minutes from the entries (never changes an entry).

    With --check, exit 1 when anything differs.
    """
    from sunshine.hours import ledger as ledgers

    differences = ledgers.rebuild_totals(repair=not check)
    for difference in differences:
        click.echo(f"{'differs' if check else 'repaired'}: {difference}")
    if check:
        db.session.rollback()
        if differences:
            raise SystemExit(1)
    else:
        db.session.commit()
    click.echo(f"{len(differences)} difference(s)")


@ledger.command("seal")
@click.option(
    "--previous-key-file",
    type=click.File("r"),
    help="After changing LEDGER_SIGNING_KEY: the old key, to reseal the heads it sealed.",
)
def seal_heads(previous_key_file: TextIO | None) -> None:
    """Seal with the current key the heads written before heads were sealed (once, after the
    migration that added seals) or, with --previous-key-file, those sealed with the old key;
    each only if its chain verifies. Exit 1 if a head is left unsealed."""
    from sunshine.hours import ledger as ledgers

    previous = previous_key_file.read() if previous_key_file is not None else None
    done = ledgers.reseal(previous_key=previous)
    db.session.commit()
    for name, (sealed, left) in done.items():
        click.echo(f"{name} ledger: {sealed} head(s) sealed, {left} left as they were")
    if any(left for _, left in done.values()):
        raise SystemExit(1)


@click.group("database")
def database() -> None:
    """The database's roles (PostgreSQL) and backups (docs/database-roles.md)."""


@database.command("grant")
def grant_app_role() -> None:
    """As the owner (DATABASE_OWNER_URL), give the application's role (the user of
    DATABASE_URL) exactly its privileges; `flask db upgrade` does this after migrating."""
    import sqlalchemy as sa

    from sunshine.ops import database as roles

    owner_url = current_app.config.get("DATABASE_OWNER_URL")
    if not owner_url:
        raise click.ClickException("DATABASE_OWNER_URL is not set (the owner role's URL)")
    app_role = sa.make_url(current_app.config["SQLALCHEMY_DATABASE_URI"]).username
    if not app_role:
        raise click.ClickException("DATABASE_URL names no user (the application role)")
    engine = sa.create_engine(owner_url, poolclass=sa.pool.NullPool)
    try:
        with engine.begin() as connection:
            tables = roles.grant_app_role(connection, app_role)
    finally:
        engine.dispose()
    click.echo(f"{app_role}: privileges granted on {tables} tables")


@database.command("check")
def check_app_role() -> None:
    """Check that the role the application connects as (DATABASE_URL) owns nothing and has
    exactly its privileges; exit 1 naming each difference."""
    from sqlalchemy import text

    from sunshine.ops import database as roles

    connection = db.session.connection()
    if connection.dialect.name != "postgresql":
        click.echo("SQLite has no roles: it is for the demo only (docs/database-roles.md)")
        return
    role = connection.scalar(text("SELECT current_user"))
    found = roles.app_role_problems(connection, role)
    db.session.rollback()
    if found:
        click.echo(f"role {role} is not the application's role:", err=True)
        click.echo(roles.problems_text(found), err=True)
        raise SystemExit(1)
    click.echo(f"role {role}: owns nothing, exactly the application's privileges")


@database.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
def backup(path: Path) -> None:
    """Copy the SQLite database to PATH with SQLite's online backup API (the demo's database;
    PostgreSQL is backed up with pg_dump, docs/database-roles.md)."""
    from sunshine.ops import database as roles

    url = db.engine.url
    if url.get_backend_name() != "sqlite" or not url.database:
        raise click.ClickException("PostgreSQL: back up with pg_dump (docs/database-roles.md)")
    try:
        roles.sqlite_backup(url.database, path)
    except FileExistsError as exc:
        raise click.ClickException(str(exc)) from exc
    click.echo(f"backed up {url.database} to {path}")


@click.command("create-sysadmin")
@click.option("--openid", required=True, help="The WeChat openid of the person (mini-program).")
def create_sysadmin(openid: str) -> None:
    """Make the account with this openid a system administrator (creating it if needed)."""
    from sunshine.access import service as access

    grant = access.bootstrap_sys_admin(openid=openid.strip())
    db.session.commit()
    click.echo(f"account {grant.account_id} is now sys_admin (grant {grant.id})")


@click.command("seed-demo")
def seed_demo() -> None:
    """Load the demo data into the current database (idempotent)."""
    from sunshine.demo import seed

    summary = seed()
    db.session.commit()
    click.echo(summary)


@click.command("demo")
@click.option("--port", default=5000, show_default=True)
@click.option("--wechat-port", default=5001, show_default=True, help="Port of the fake WeChat.")
def demo(port: int, wechat_port: int) -> None:
    """Migrate, load demo data and serve on 127.0.0.1 with a fake WeChat (never in production)."""
    from flask_migrate import upgrade
    from werkzeug.serving import run_simple

    from sunshine import wechat
    from sunshine.demo import seed
    from sunshine.fake_wechat import FakeWeChat
    from sunshine.hours import ledger as ledgers

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["ENV_NAME"] == "production":
        raise click.ClickException("the demo (and its fake WeChat) never runs in production")
    upgrade()
    ledgers.reseal()  # a demo database from before heads were sealed (docs/database-roles.md)
    click.echo(seed())
    db.session.commit()
    fake = FakeWeChat().start(port=wechat_port)
    app.config.update(WECHAT_APPID=fake.appid, WECHAT_SECRET=fake.secret, WECHAT_API_BASE=fake.url)
    wechat.init_app(app)
    click.echo(
        f"fake WeChat on {fake.url}: get a login code with\n"
        f"  curl -s -X POST {fake.url}/__fake__/wx.login -H 'Content-Type: application/json'"
        ' -d \'{"openid": "demo-sysadmin"}\'\n'
        f"API on http://127.0.0.1:{port}/api/v1 — docs at http://127.0.0.1:{port}/api/v1/docs"
    )
    # app.run() refuses to run inside the flask CLI; the werkzeug server is what it would use.
    run_simple("127.0.0.1", port, app, threaded=True)


@click.command("import")
@click.argument("kind", type=click.Choice(["areas", "units", "roster"]))
@click.argument("path", type=click.Path(exists=True, dir_okay=False))
@click.option("--city-id", type=int, required=True, help="The city the file belongs to.")
def import_file(kind: str, path: str, city_id: int) -> None:
    """Import an area, unit or roster file (CSV or XLSX) for a city, all or nothing."""
    import os

    from sunshine.imports import service as imports
    from sunshine.org import imports as org_imports
    from sunshine.org import service as org
    from sunshine.org.models import AreaLevel
    from sunshine.roster import service as roster

    importer = {"areas": org_imports.AREAS, "units": org_imports.UNITS, "roster": roster.IMPORTER}
    with open(path, "rb") as file:
        data = file.read()
    try:
        batch = imports.run(
            actor=None,
            importer=importer[kind],
            city=org.get_area_of_level(city_id, AreaLevel.CITY, "city_id"),
            filename=os.path.basename(path),
            data=data,
        )
    except DomainError as refused:  # a bad file or city: say why, as the API would
        raise click.ClickException(f"{refused.code}: {refused.message}") from None
    db.session.commit()
    if batch.errors:
        for error in batch.errors:
            click.echo(f"第 {error['line']} 行 {error['field']}：{error['message']}", err=True)
        raise click.ClickException(f"rejected: {len(batch.errors)} row errors (batch {batch.id})")
    click.echo(
        f"batch {batch.id}: {batch.created_count} created, {batch.updated_count} updated, "
        f"{batch.unchanged_count} unchanged"
    )
