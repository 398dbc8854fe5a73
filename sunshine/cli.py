"""Command-line entry points (``flask --app wsgi …``): thin wrappers around services."""

from __future__ import annotations

import click
from flask import Flask, current_app

from sunshine.extensions import db


def init_app(app: Flask) -> None:
    app.cli.add_command(create_sysadmin)
    app.cli.add_command(seed_demo)
    app.cli.add_command(demo)


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

    app = current_app._get_current_object()  # type: ignore[attr-defined]
    if app.config["ENV_NAME"] == "production":
        raise click.ClickException("the demo (and its fake WeChat) never runs in production")
    upgrade()
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
