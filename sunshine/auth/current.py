"""The bridge between an HTTP request and the services: who is acting, and from where."""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from sunshine.access.permissions import Actor
from sunshine.auth import service
from sunshine.errors import Forbidden
from sunshine.extensions import db
from sunshine.openapi import document_bearer_auth
from sunshine.security.service import Origin

F = TypeVar("F", bound=Callable[..., Any])

# The console's session: the same kind of token as the mini-program's bearer token, carried
# in an HttpOnly cookie; requests that change something also carry its CSRF token in a header.
SESSION_COOKIE = "sunshine_console"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def login_required(view: F) -> F:
    """Authenticate the bearer token (or the console's session cookie) before anything else,
    so a stranger gets 401, not 422."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        g.actor = _authenticate()
        response = view(*args, **kwargs)
        if g.actor.touch_due:
            service.touch(g.actor.token_id)
            db.session.commit()
        return response

    return document_bearer_auth(cast(F, wrapper))


def _authenticate() -> Actor:
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        return service.authenticate(token.strip() if scheme.lower() == "bearer" else None)
    cookie = request.cookies.get(SESSION_COOKIE)
    actor = service.authenticate(cookie)
    if request.method not in _SAFE_METHODS and not _csrf_ok(cookie or ""):
        raise Forbidden(
            "页面已过期，请刷新后重试",
            code="auth.csrf",
            security_event={
                "action": "console_request",
                "outcome": "failure",
                "reason": "auth.csrf",
                "account_id": actor.account_id,
                "object_type": "endpoint",
                "object_id": request.path[:64],
            },
        )
    return actor


def _csrf_ok(cookie: str) -> bool:
    expected = service.csrf_token(cookie, current_app.config["SECRET_KEY"])
    return hmac.compare_digest(request.headers.get(CSRF_HEADER, ""), expected)


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor


def request_origin() -> Origin:
    return Origin(ip=request.remote_addr, request_id=g.get("request_id"))
