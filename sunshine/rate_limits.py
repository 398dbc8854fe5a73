"""Rate limits: per client IP or per account, each refusal a 429 in the error shape and an
event in the security log.

Flask-Limiter counts, in Redis when ``REDIS_URL`` is set (every worker and host shares the
counters; with Redis down each worker counts in memory, docs/auth.md). A limit is named by a
configuration key whose value uses the limits syntax (``"3 per minute;10 per day"``): an
environment variable of the same name, checked when the app starts (``config.RATE_LIMITS``
has them and their defaults; the numbers and why: docs/auth.md, docs/attendance.md).

- ``per_ip`` keys the counter by the client's address: for calls without an account (login,
  the public statement check).
- ``per_account`` keys it by the authenticated account: it sits under ``login_required`` and
  counts before the body is read, so a bad body counts too. Per account, not per address, on
  purpose: on an action day hundreds of members check in through one venue's Wi-Fi or one
  carrier's NAT, and one member's runaway client must not use up their neighbours' limit.

Each limited call with an ``action`` is one security event: that action (``login``,
``phone.bind``, ``checkin_code.fetch``, ``punch``), outcome ``failure``, reason
``rate_limited``, with the limit and what it counts per. The public statement check has no
action: its failed checks are logged already, up to the limit, and its 429s are not, so an
anonymous flood does not become writes (docs/statements.md). A limit costs one round trip to
Redis (or a dictionary in memory) and no database query; only a logged refusal writes.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, current_app, g, request
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from sqlalchemy.exc import SQLAlchemyError

from sunshine.extensions import api, db, limiter
from sunshine.security import service as security

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Breach:
    """A refused call, noted by the limiter for the error handler to log."""

    action: str
    per: str  # "ip" or "account"
    limit: str


def _account_key() -> str:
    actor = g.get("actor")
    if actor is None:  # only under login_required; an address is the safe fallback
        return f"ip:{get_remote_address()}"
    return f"account:{actor.id}"


def _limit(setting: str, action: str | None, per: str, key: Callable[[], str]) -> Any:
    def value() -> str:
        return str(current_app.config[setting])

    def note(breach: Any) -> None:
        if action is not None:
            g.rate_limit_breach = Breach(action, per, str(breach.limit))

    return limiter.limit(value, key_func=key, on_breach=note)


def per_ip(setting: str, action: str | None) -> Any:
    """Limit a view by the client's address to the limit in ``setting``; each refusal is a
    security event of ``action`` (None: not logged)."""
    return _limit(setting, action, "ip", get_remote_address)


def per_account(setting: str, action: str) -> Any:
    """Limit a view by the authenticated account (place it under ``login_required``)."""
    return _limit(setting, action, "account", _account_key)


def _handle(error: RateLimitExceeded) -> Any:
    """Answer 429 in the error shape, and keep the refusal in the security log."""
    breach: Breach | None = g.pop("rate_limit_breach", None)
    if breach is not None:
        actor = g.get("actor")
        try:
            db.session.rollback()  # whatever authentication read; the refusal writes alone
            security.record(
                action=breach.action,
                outcome="failure",
                reason="rate_limited",
                account_id=actor.id if actor is not None else None,
                origin=security.Origin(request.remote_addr, g.get("request_id")),
                detail={"limit": breach.limit, "per": breach.per},
            )
            db.session.commit()
        except SQLAlchemyError as exc:  # the refusal stands; only its record is lost
            _rollback_quietly()
            log.error("rate-limit event %s not recorded: %s", breach.action, type(exc).__name__)
    return api.handle_http_exception(error)


def _rollback_quietly() -> None:
    try:
        db.session.rollback()
    except SQLAlchemyError:  # the connection is gone; the pool replaces it
        log.debug("rollback after a database error failed", exc_info=True)


def init_app(app: Flask) -> None:
    app.register_error_handler(RateLimitExceeded, _handle)
