"""Rate limits: per client address or per account, each refusal a 429 in the error shape (with
``Retry-After``) and, for most, an event in the security log.

A limit is named by a configuration key whose value uses the limits syntax (``"3 per
minute;10 per day"``): an environment variable of the same name, checked when the app starts
(``config.RATE_LIMITS`` has them and their defaults; the numbers and why: docs/auth.md,
docs/attendance.md). The counters live in Flask-Limiter's storage: Redis when ``REDIS_URL`` is
set (every worker and host shares them), else the process's memory.

- ``per_ip`` (login, the public statement check): Flask-Limiter's own decorator, keyed by the
  client's address. With Redis down Flask-Limiter counts in each worker's memory.
- ``per_account`` (phone binding, fetching a check-in code, punching, residents' needs): keyed by
  the authenticated account, under ``login_required``, counted before the body is read (a bad body
  counts). Not by address on purpose: on an action day hundreds of members check in through one
  venue's Wi-Fi or one carrier's NAT. It calls the limits library directly — one ``hit`` (one Redis
  round trip, no database query) — rather than Flask-Limiter's per-request machinery, which costs
  several times that and a second Redis call for its headers, on the busiest request of an action
  day (docs/attendance.md). With Redis down it counts in the worker's memory for
  ``RETRY_REDIS_SECONDS`` and then tries Redis again, as Flask-Limiter does.

Each refusal with an ``action`` is one security event: that action (``login``, ``phone.bind``,
``checkin_code.fetch``, ``punch``, ``need.submit``), outcome ``failure``, reason
``rate_limited``, with the limit and what it counts per. The public statement check has
none: its failed checks are logged already, up to the limit, and its 429s are not, so an
anonymous flood does not become writes.
"""

from __future__ import annotations

import functools
import logging
import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar, cast

from flask import Flask, current_app, g
from flask_limiter import RateLimitExceeded
from flask_limiter.util import get_remote_address
from limits import RateLimitItem, parse_many
from limits.storage import MemoryStorage
from limits.strategies import FixedWindowRateLimiter

from sunshine.errors import TooManyRequests
from sunshine.extensions import api, limiter
from sunshine.http import record_refusal
from sunshine.redis_store import RedisError

log = logging.getLogger(__name__)

F = TypeVar("F", bound=Callable[..., Any])

RETRY_REDIS_SECONDS = 30.0


@dataclass(frozen=True)
class Breach:
    """A refused call, noted by Flask-Limiter for the error handler to log."""

    action: str
    per: str  # "ip" or "account"
    limit: str


# Per client address (Flask-Limiter) ---------------------------------------------------------


def per_ip(setting: str, action: str | None) -> Any:
    """Limit a view by the client's address to the limit in ``setting``; each refusal is a
    security event of ``action`` (None: not logged)."""

    def value() -> str:
        return str(current_app.config[setting])

    def note(breach: Any) -> None:
        if action is not None:
            g.rate_limit_breach = Breach(action, "ip", str(breach.limit))

    return limiter.limit(value, key_func=get_remote_address, on_breach=note)


def _handle(error: RateLimitExceeded) -> Any:
    """Flask-Limiter's refusal: 429 in the error shape, and the security event."""
    breach: Breach | None = g.pop("rate_limit_breach", None)
    if breach is not None:
        record_refusal(
            {
                "action": breach.action,
                "outcome": "failure",
                "reason": "rate_limited",
                "detail": {"limit": breach.limit, "per": breach.per},
            }
        )
    return api.handle_http_exception(error)


# Per account (the limits library, one hit) --------------------------------------------------


@functools.cache
def _items(value: str) -> tuple[RateLimitItem, ...]:
    return tuple(parse_many(value))


class _Counter:
    """Counts in Flask-Limiter's storage; in this worker's memory while it is unreachable."""

    def __init__(self) -> None:
        self._memory = FixedWindowRateLimiter(MemoryStorage())
        self._shared: tuple[object, FixedWindowRateLimiter] | None = None
        self._retry_at = 0.0

    def _strategy(self) -> FixedWindowRateLimiter:
        if time.monotonic() < self._retry_at:
            return self._memory
        storage = limiter.storage
        if self._shared is None or self._shared[0] is not storage:
            self._shared = (storage, FixedWindowRateLimiter(storage))
        return self._shared[1]

    def take(self, item: RateLimitItem, *identifiers: str) -> bool:
        """Count one call; False when it is over the limit."""
        strategy = self._strategy()
        try:
            return strategy.hit(item, *identifiers)
        except RedisError as exc:
            log.warning(
                "rate limit storage unreachable (%s): counting in this worker's memory for %d s",
                type(exc).__name__,
                RETRY_REDIS_SECONDS,
            )
            self._retry_at = time.monotonic() + RETRY_REDIS_SECONDS
            return self._memory.hit(item, *identifiers)

    def retry_after(self, item: RateLimitItem, *identifiers: str) -> int:
        try:
            reset_at = self._strategy().get_window_stats(item, *identifiers).reset_time
        except RedisError:
            return int(item.get_expiry())
        return max(1, math.ceil(reset_at - time.time()))


_counter = _Counter()


def per_account(setting: str, action: str) -> Callable[[F], F]:
    """Limit a view by the authenticated account (place it under ``login_required``) to the
    limit in ``setting``; each refusal is a security event of ``action``."""

    def decorate(view: F) -> F:
        @functools.wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            account_id = g.actor.id
            key = f"account:{account_id}"
            for item in _items(str(current_app.config[setting])):
                if not _counter.take(item, key, setting):
                    raise TooManyRequests(
                        code="rate_limited",
                        retry_after=_counter.retry_after(item, key, setting),
                        security_event={
                            "action": action,
                            "outcome": "failure",
                            "reason": "rate_limited",
                            "account_id": account_id,
                            "detail": {"limit": str(item), "per": "account"},
                        },
                    )
            return view(*args, **kwargs)

        return cast(F, wrapper)

    return decorate


def init_app(app: Flask) -> None:
    app.register_error_handler(RateLimitExceeded, _handle)
