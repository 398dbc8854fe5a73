"""Configuration from the environment.

Every variable is documented in the README. ``SUNSHINE_ENV`` picks the profile:
``development`` (default), ``production`` or ``testing``. Production refuses to start with a
missing or weak secret, missing WeChat credentials, a WeChat base that is not HTTPS (so the
fake WeChat server can never be used there), or no Redis (workers must share state).
"""

from __future__ import annotations

import json
import logging
import os
import secrets
from collections.abc import Mapping
from typing import Any

from limits import parse_many

from sunshine import signing
from sunshine.notify import templates

log = logging.getLogger(__name__)

WECHAT_API_BASE_DEFAULT = "https://api.weixin.qq.com"
# Debian's fonts-wqy-zenhei (scripts/install-system-packages): TrueType outlines reportlab embeds.
STATEMENT_FONT_DEFAULT = "/usr/share/fonts/truetype/wqy/wqy-zenhei.ttc"
ENVIRONMENTS = ("development", "production", "testing")
# Every Redis client of the app (sunshine/redis_store.py, Flask-Limiter's storage): a Redis
# that does not answer within these seconds is down (503 or the limiter's fallback), not a
# reason to hold a worker until gunicorn kills it.
REDIS_OPTIONS: dict[str, Any] = {"socket_connect_timeout": 2.0, "socket_timeout": 2.0}


# Rate limits (sunshine/rate_limits.py), each an environment variable of the same name in the
# limits syntax; the numbers and why: docs/auth.md (login, phone binding), docs/attendance.md
# (check-in), docs/statements.md (the public check).
RATE_LIMITS: dict[str, str] = {
    "LOGIN_RATE_LIMIT": "20 per minute",  # per client IP
    "STATEMENT_VERIFY_RATE_LIMIT": "30 per minute",  # per client IP
    "PHONE_BIND_RATE_LIMIT": "3 per minute;10 per day",  # per account
    "CHECKIN_CODE_RATE_LIMIT": "60 per minute",  # per account
    "PUNCH_RATE_LIMIT": "20 per minute",  # per account
    "CONSOLE_LOGIN_RATE_LIMIT": "30 per minute",  # per client IP (docs/console.md)
    "NEED_SUBMIT_RATE_LIMIT": "5 per hour;20 per day",  # per account (docs/needs.md)
}


class ConfigError(RuntimeError):
    """The configuration cannot run the service."""


# Working days a resident's need may wait for an answer and then for completion, per kind.
NEED_DEADLINES_DEFAULT = {
    "wish": {"answer": 3, "complete": 15},
    "request": {"answer": 3, "complete": 15},
}


def _need_deadlines(raw: str | None) -> dict[str, dict[str, int]]:
    """``NEED_DEADLINES``: JSON overriding some kinds' days, e.g. {"request": {"answer": 1}}."""
    deadlines = {kind: dict(days) for kind, days in NEED_DEADLINES_DEFAULT.items()}
    if not raw:
        return deadlines
    try:
        given = json.loads(raw)
        for kind, days in given.items():
            for step, n in days.items():
                if kind not in deadlines or step not in deadlines[kind]:
                    raise ValueError(f"unknown {kind}.{step}")
                if not isinstance(n, int) or isinstance(n, bool) or not 1 <= n <= 365:
                    raise ValueError(f"{kind}.{step} must be a whole number of days, 1 to 365")
                deadlines[kind][step] = n
    except (ValueError, AttributeError, TypeError) as exc:
        raise ConfigError(f"NEED_DEADLINES is not valid: {exc}") from None
    return deadlines


def _int(env: Mapping[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be an integer, got {raw!r}") from exc


def _float(env: Mapping[str, str], name: str, default: float) -> float:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return float(raw)
    except ValueError as exc:
        raise ConfigError(f"{name} must be a number, got {raw!r}") from exc


def _rate_limits(env: Mapping[str, str]) -> dict[str, str]:
    """Each rate limit from the environment or its default, refused at start when it does
    not parse (it would otherwise fail the first request it limits)."""
    values = {}
    for name, default in RATE_LIMITS.items():
        value = env.get(name) or default
        try:
            if not parse_many(value):
                raise ValueError(value)
        except ValueError as exc:
            raise ConfigError(
                f"{name} must be a rate limit such as '20 per minute', got {value!r}"
            ) from exc
        values[name] = value
    return values


def _non_negative(value: int, name: str) -> int:
    if value < 0:
        raise ConfigError(f"{name} must not be negative, got {value}")
    return value


def normalise_database_url(url: str) -> str:
    """Accept plain postgres URLs and use the psycopg 3 driver for them."""
    for prefix in ("postgres://", "postgresql://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url[len(prefix) :]
    return url


def _owner_url(env: Mapping[str, str]) -> str | None:
    url = env.get("DATABASE_OWNER_URL")
    if not url:
        return None
    url = normalise_database_url(url)
    if not url.startswith("postgresql"):
        raise ConfigError("DATABASE_OWNER_URL must be a PostgreSQL URL (SQLite has no roles)")
    return url


def _prefix(env: Mapping[str, str]) -> str:
    prefix = env.get("STATEMENT_NUMBER_PREFIX") or "ZM"
    if not (1 <= len(prefix) <= 6 and prefix.isascii() and prefix.isalpha() and prefix.isupper()):
        raise ConfigError(f"STATEMENT_NUMBER_PREFIX must be 1-6 capital letters, got {prefix!r}")
    return prefix


def _ledger_key(env: Mapping[str, str]) -> str | None:
    """``LEDGER_SIGNING_KEY``, or the contents of the file ``LEDGER_SIGNING_KEY_FILE``."""
    if env.get("LEDGER_SIGNING_KEY"):
        return env["LEDGER_SIGNING_KEY"]
    path = env.get("LEDGER_SIGNING_KEY_FILE")
    if not path:
        return None
    try:
        with open(path, encoding="ascii") as file:
            return file.read()
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"LEDGER_SIGNING_KEY_FILE {path!r} cannot be read: {exc}") from exc


# Where scripts/install-console-assets puts the console's front-end packages.
CONSOLE_ASSETS_DEFAULT = os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", "console", "node_modules")
)


def load_config(instance_path: str, env: Mapping[str, str] | None = None) -> dict[str, Any]:
    """Read the configuration from the environment (``os.environ`` by default)."""
    env = os.environ if env is None else env
    name = env.get("SUNSHINE_ENV", "development")
    if name not in ENVIRONMENTS:
        raise ConfigError(f"SUNSHINE_ENV must be one of {ENVIRONMENTS}, got {name!r}")
    database_url = env.get("DATABASE_URL") or "sqlite:///" + os.path.join(
        instance_path, "sunshine.sqlite3"
    )
    redis_url = env.get("REDIS_URL") or None
    config: dict[str, Any] = {
        "ENV_NAME": name,
        "TESTING": name == "testing",
        "SECRET_KEY": env.get("SECRET_KEY") or None,
        "SQLALCHEMY_DATABASE_URI": normalise_database_url(database_url),
        # hide_parameters: a failed statement's error (and so the log) never shows the bound
        # values, which are names and phone numbers.
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": True, "hide_parameters": True},
        # The owner role's URL (PostgreSQL): only where migrations run (docs/database-roles.md).
        "DATABASE_OWNER_URL": _owner_url(env),
        "SQLITE_BUSY_TIMEOUT_MS": _int(env, "SQLITE_BUSY_TIMEOUT_MS", 5000),
        "REDIS_URL": redis_url,
        "WECHAT_APPID": env.get("WECHAT_APPID") or None,
        "WECHAT_SECRET": env.get("WECHAT_SECRET") or None,
        "WECHAT_API_BASE": (env.get("WECHAT_API_BASE") or WECHAT_API_BASE_DEFAULT).rstrip("/"),
        "WECHAT_TIMEOUT": _float(env, "WECHAT_TIMEOUT", 5.0),
        "WECHAT_CHECKIN_PAGE": env.get("WECHAT_CHECKIN_PAGE") or "pages/checkin/index",
        # Which version of the mini-program a subscribe message opens: formal, trial, developer.
        "WECHAT_MINIPROGRAM_STATE": env.get("WECHAT_MINIPROGRAM_STATE") or "formal",
        # Subscribe-message templates per event, JSON (docs/notifications.md); none: inbox only.
        "NOTIFY_TEMPLATES": env.get("NOTIFY_TEMPLATES") or "{}",
        # Minutes before a shift's start that its confirmed members are reminded.
        "NOTIFY_REMINDER_MINUTES": env.get("NOTIFY_REMINDER_MINUTES") or "1440,120",
        # Subscribe messages a sender has in flight at once (1: strictly oldest first).
        "NOTIFY_SEND_CONCURRENCY": _int(env, "NOTIFY_SEND_CONCURRENCY", 4),
        "AUTH_TOKEN_TTL": _int(env, "AUTH_TOKEN_TTL", 24 * 3600),
        # The PC console: the mini-program page that confirms a login, and its sessions'
        # limits (an absolute lifetime, and an idle time after which the admin logs in again).
        "WECHAT_CONSOLE_LOGIN_PAGE": env.get("WECHAT_CONSOLE_LOGIN_PAGE")
        or "pages/console-login/index",
        "CONSOLE_SESSION_HOURS": _int(env, "CONSOLE_SESSION_HOURS", 8),
        "CONSOLE_IDLE_MINUTES": _int(env, "CONSOLE_IDLE_MINUTES", 30),
        "CONSOLE_ASSETS_DIR": env.get("CONSOLE_ASSETS_DIR") or CONSOLE_ASSETS_DEFAULT,
        **_rate_limits(env),
        "SIGNUP_CANCEL_CUTOFF_MINUTES": _int(env, "SIGNUP_CANCEL_CUTOFF_MINUTES", 120),
        "YEARLY_SERVICE_HOURS": _int(env, "YEARLY_SERVICE_HOURS", 24),
        "POINTS_PER_HOUR": _int(env, "POINTS_PER_HOUR", 10),
        "RATELIMIT_STORAGE_URI": redis_url or "memory://",
        "RATELIMIT_STORAGE_OPTIONS": dict(REDIS_OPTIONS),
        # Redis down: each worker counts in its own memory (a warning in the log) and goes
        # back to Redis when it answers again, rather than failing every limited request.
        "RATELIMIT_IN_MEMORY_FALLBACK_ENABLED": True,
        "RATELIMIT_HEADERS_ENABLED": True,
        "TRUSTED_PROXIES": _int(env, "TRUSTED_PROXIES", 0),
        "MAX_CONTENT_LENGTH": _int(env, "MAX_CONTENT_LENGTH", 1024 * 1024),
        "IMPORT_TIME_BUDGET": _float(env, "IMPORT_TIME_BUDGET", 20.0),
        # Residents' needs (docs/needs.md): working days to answer and to complete, per kind;
        # the largest photo a resident may attach.
        "NEED_DEADLINES": _need_deadlines(env.get("NEED_DEADLINES")),
        "NEED_PHOTO_MAX_BYTES": _int(env, "NEED_PHOTO_MAX_BYTES", 2 * 1024 * 1024),
        "LEDGER_SIGNING_KEY": _ledger_key(env),
        "PUBLIC_BASE_URL": (env.get("PUBLIC_BASE_URL") or "http://127.0.0.1:5000").rstrip("/"),
        "STATEMENT_FONT_PATH": env.get("STATEMENT_FONT_PATH") or STATEMENT_FONT_DEFAULT,
        "STATEMENT_NUMBER_PREFIX": _prefix(env),
        # Excel exports: where their files are kept, and for how long they can be downloaded.
        "EXPORT_DIR": env.get("EXPORT_DIR") or os.path.join(instance_path, "exports"),
        "EXPORT_TTL_HOURS": _non_negative(_int(env, "EXPORT_TTL_HOURS", 24), "EXPORT_TTL_HOURS"),
        "LOG_LEVEL": env.get("LOG_LEVEL") or "INFO",
        # flask-smorest / OpenAPI
        "API_TITLE": "Sunshine 一米阳光 API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "OPENAPI_SWAGGER_UI_PATH": "docs",
        "OPENAPI_SWAGGER_UI_URL": "/api/v1/docs/assets/",
        "API_SPEC_OPTIONS": {
            "info": {"description": "党员到社区报到服务 小程序后端接口"},
        },
        "SQLALCHEMY_RECORD_QUERIES": False,
    }
    try:  # a template the sender could not fill fails at start, not at the first event
        templates.parse(config["NOTIFY_TEMPLATES"])
    except templates.TemplateError as exc:
        raise ConfigError(str(exc)) from None
    return config


def validate(config: Mapping[str, Any]) -> None:
    """Fail fast on a configuration that must not serve traffic."""
    if config["ENV_NAME"] != "production":
        return
    problems = []
    secret = config.get("SECRET_KEY") or ""
    if len(secret) < 32:
        problems.append("SECRET_KEY must be set to a random value of at least 32 characters")
    if not config.get("WECHAT_APPID") or not config.get("WECHAT_SECRET"):
        problems.append("WECHAT_APPID and WECHAT_SECRET must be set")
    if not str(config.get("WECHAT_API_BASE", "")).startswith("https://"):
        problems.append("WECHAT_API_BASE must be an https:// URL in production")
    if not config.get("REDIS_URL"):
        # Several workers must share rate-limit counters and the WeChat access token.
        problems.append("REDIS_URL must be set in production (state shared by all workers)")
    if not str(config.get("PUBLIC_BASE_URL", "")).startswith("https://"):
        # The QR code of every service statement points there: it must be the public site.
        problems.append("PUBLIC_BASE_URL must be the public https:// address in production")
    key = config.get("LEDGER_SIGNING_KEY")
    if not key:
        problems.append("LEDGER_SIGNING_KEY (or LEDGER_SIGNING_KEY_FILE) must be set")
    elif key.strip() == signing.DEVELOPMENT_KEY:
        problems.append("LEDGER_SIGNING_KEY must not be the published development key")
    else:
        try:
            signing.load_private_key(key)
        except ValueError as exc:
            problems.append(f"LEDGER_SIGNING_KEY is not an Ed25519 private key: {exc}")
    if problems:
        raise ConfigError("production configuration refused: " + "; ".join(problems))


def fill_development_defaults(config: dict[str, Any]) -> None:
    """Outside production a missing secret key becomes a random one for this process."""
    if config["ENV_NAME"] != "production" and not config.get("SECRET_KEY"):
        config["SECRET_KEY"] = secrets.token_hex(32)
        if config["ENV_NAME"] == "development":
            log.warning("SECRET_KEY not set: using a random key for this process only")
    if config["ENV_NAME"] != "production" and not config.get("LEDGER_SIGNING_KEY"):
        config["LEDGER_SIGNING_KEY"] = signing.DEVELOPMENT_KEY
        if config["ENV_NAME"] == "development":
            log.warning("LEDGER_SIGNING_KEY not set: signing with the published development key")
