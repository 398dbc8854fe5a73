"""The process's connection to Redis, the state every worker shares (``REDIS_URL``).

The WeChat access-token cache (``sunshine/wechat/``) and the readiness check
(``sunshine/ops``) use this one client; Flask-Limiter opens its own with the same options
(``RATELIMIT_STORAGE_OPTIONS``). Short timeouts: Redis answers in a millisecond, so a Redis
that does not answer within ``REDIS_OPTIONS`` is down, and a request fails fast (503) rather
than holding a worker until gunicorn kills it.
"""

from __future__ import annotations

from typing import Any

import redis
from flask import current_app

from sunshine.config import REDIS_OPTIONS

_EXTENSION_KEY = "sunshine.redis"

RedisError = redis.exceptions.RedisError


def connection() -> redis.Redis | None:
    """This process's client for ``REDIS_URL``, or None when Redis is not configured."""
    url = current_app.config.get("REDIS_URL")
    if not url:
        return None
    cached: tuple[str, redis.Redis] | None = current_app.extensions.get(_EXTENSION_KEY)
    if cached is not None and cached[0] == url:
        return cached[1]
    client: redis.Redis = redis.Redis.from_url(url, **REDIS_OPTIONS)
    current_app.extensions[_EXTENSION_KEY] = (url, client)
    return client


def ping() -> bool | None:
    """True when Redis answers, None when it is not configured; raises ``RedisError``."""
    client = connection()
    if client is None:
        return None
    answer: Any = client.ping()
    return bool(answer)
