"""The app in the bench's own process: ``create_app`` with bench settings, the fake WeChat
server, bearer tokens and logins, and the catalogues the generators draw from."""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sunshine import create_app
from sunshine.auth.models import AuthToken
from sunshine.config import normalise_database_url
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Skill
from sunshine.tasks.models import TaskCategory

# Every variable sunshine/config.py reads: none may leak in from the caller's environment
# into an app a bench starts in another process.
APP_VARIABLES = (
    "SUNSHINE_ENV",
    "SECRET_KEY",
    "DATABASE_URL",
    "REDIS_URL",
    "WECHAT_APPID",
    "WECHAT_SECRET",
    "WECHAT_API_BASE",
    "WECHAT_TIMEOUT",
    "AUTH_TOKEN_TTL",
    "LOGIN_RATE_LIMIT",
    "TRUSTED_PROXIES",
    "MAX_CONTENT_LENGTH",
    "LOG_LEVEL",
    "PUBLIC_BASE_URL",
    "STATEMENT_FONT_PATH",
    "STATEMENT_NUMBER_PREFIX",
    "STATEMENT_VERIFY_RATE_LIMIT",
    "PHONE_BIND_RATE_LIMIT",
    "CHECKIN_CODE_RATE_LIMIT",
    "PUNCH_RATE_LIMIT",
    "GUNICORN_CMD_ARGS",
)


def make_app(
    url: str,
    *,
    fake: FakeWeChat | None = None,
    secret_key: str = "x" * 64,
    redis_url: str | None = None,
    env_name: str = "testing",
) -> Any:
    """``create_app`` on the bench database; with ``fake``, logins go to the fake WeChat;
    with ``redis_url``, the app and its rate limits use that Redis."""
    config: dict[str, Any] = {
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(url),
        "ENV_NAME": env_name,
        "SECRET_KEY": secret_key,
        "REDIS_URL": redis_url,
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "LOG_LEVEL": "WARNING",
        # Benches repeat members faster than people tap: the limits are checked, not reached.
        "PUNCH_RATE_LIMIT": "100000 per minute",
        "CHECKIN_CODE_RATE_LIMIT": "100000 per minute",
    }
    if fake is not None:
        config.update(
            WECHAT_APPID=fake.appid,
            WECHAT_SECRET=fake.secret,
            WECHAT_API_BASE=fake.url,
            LOGIN_RATE_LIMIT="1000 per minute",
        )
    return create_app(config)


@contextmanager
def fake_wechat() -> Iterator[FakeWeChat]:
    """The project's fake WeChat server on 127.0.0.1, stopped on the way out."""
    fake = FakeWeChat().start()
    try:
        yield fake
    finally:
        fake.stop()


def login(client: Any, fake: FakeWeChat, openid: str) -> str:
    """Log in through ``POST /api/v1/auth/login`` (test client) and check ``GET /api/v1/me``;
    returns the bearer token."""
    response = client.post("/api/v1/auth/login", json={"code": fake.issue_code(openid)})
    if response.status_code != 200:
        raise SystemExit(f"login of {openid} failed: {response.status_code} {response.json}")
    token: str = response.json["access_token"]
    me = client.get("/api/v1/me", headers={"Authorization": f"Bearer {token}"})
    if me.status_code != 200:
        raise SystemExit(f"GET /api/v1/me failed: {me.status_code} {me.json}")
    return token


def new_token() -> tuple[str, str]:
    """(raw bearer token, the hash ``auth_token`` stores), as tests' token_for makes them."""
    raw = secrets.token_urlsafe(32)
    return raw, hashlib.sha256(raw.encode()).hexdigest()


def token_for(account_id: int) -> dict[str, str]:
    """A bearer token written straight into the table (in an app context); its header."""
    raw, digest = new_token()
    db.session.add(
        AuthToken(
            account_id=account_id, token_hash=digest, expires_at=utcnow() + timedelta(hours=6)
        )
    )
    db.session.flush()
    return {"Authorization": f"Bearer {raw}"}


def catalogue() -> tuple[list[int], list[tuple[int, str]]]:
    """(skill ids, (category id, name)) of the migrated catalogues (in an app context)."""
    skills = list(db.session.scalars(select(Skill.id).order_by(Skill.id)))
    categories = [
        (c.id, c.name)
        for c in db.session.scalars(select(TaskCategory).order_by(TaskCategory.sort_order))
    ]
    return skills, categories
