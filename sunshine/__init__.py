"""Sunshine (一米阳光): the backend of the 党员到社区报到服务 WeChat mini-program."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from flask import Flask


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    """Build the app from the environment, with ``config`` overriding it (tests, tools)."""
    from sunshine import cli, http, models, rate_limits, wechat
    from sunshine.api import install_id_converters
    from sunshine.config import fill_development_defaults, load_config, validate
    from sunshine.database import configure_engine
    from sunshine.extensions import api, db, limiter, migrate
    from sunshine.openapi import BEARER_AUTH, register_docs_page
    from sunshine.routes import BLUEPRINTS, PAGE_BLUEPRINTS

    assert models  # every table registered before migrations or queries run
    app = Flask(__name__, instance_relative_config=True)
    app.json.ensure_ascii = False  # type: ignore[attr-defined]  # Chinese stays readable
    os.makedirs(app.instance_path, exist_ok=True)
    app.config.update(load_config(app.instance_path))
    app.config.update(config or {})
    fill_development_defaults(app.config)
    validate(app.config)

    http.configure_logging(app)
    db.init_app(app)
    with app.app_context():
        configure_engine(db.engine, sqlite_busy_timeout_ms=app.config["SQLITE_BUSY_TIMEOUT_MS"])
    migrate.init_app(app, db, directory=os.path.join(os.path.dirname(__file__), "..", "migrations"))
    limiter.init_app(app)
    install_id_converters(app)
    api.init_app(app, spec_kwargs={"components": {"securitySchemes": BEARER_AUTH}})
    for blueprint in BLUEPRINTS:
        api.register_blueprint(blueprint)
    for page_blueprint in PAGE_BLUEPRINTS:
        app.register_blueprint(page_blueprint)
    register_docs_page(app)
    http.init_http(app)
    rate_limits.init_app(app)
    wechat.init_app(app)
    cli.init_app(app)
    return app
