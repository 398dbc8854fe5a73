"""The bridge between an HTTP request and the services: who is acting, and from where.

Every view that needs a caller is wrapped in ``login_required`` (any signed-in account: a
member's own actions, and reads whose rule the service decides, such as "the holder or an
admin in scope") or ``requires(Permission.X, …)`` (an administrator's endpoint). Both run
before ``@blp.arguments`` parses the body or query string, so a stranger gets 401 and a
caller who holds none of the permissions anywhere gets 403 (logged) — never 422, never a
lookup that tells them an id exists. The scope (which community, which record) is still the
service's to decide. The console's pages call the same endpoints with their session cookie
instead of the header (and a CSRF token on changes). The role matrix (``tests/matrix/``) reads
the declaration (``AUTH_ATTRIBUTE``) of every route, so a route without one fails the suite.
"""

from __future__ import annotations

import functools
import hmac
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import current_app, g, request

from sunshine.access.permissions import Actor, Permission, require_somewhere
from sunshine.auth import service
from sunshine.errors import Forbidden
from sunshine.extensions import db
from sunshine.openapi import document_bearer_auth
from sunshine.security.service import Origin

F = TypeVar("F", bound=Callable[..., Any])

# On a wrapped view: ``()`` for any signed-in account, else the permissions it requires.
AUTH_ATTRIBUTE = "_requires_permissions"

# The console's session: the same kind of token as the mini-program's bearer token, carried
# in an HttpOnly cookie; requests that change something also carry its CSRF token in a header.
SESSION_COOKIE = "sunshine_console"
CSRF_HEADER = "X-CSRF-Token"
_SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})


def _wrap(view: F, permissions: tuple[Permission, ...], action: str | None = None) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        actor = _authenticate()
        g.actor = actor
        if permissions:
            require_somewhere(actor, *permissions, action=action)
        response = view(*args, **kwargs)
        restart_idle_clock(actor)
        return response

    setattr(wrapper, AUTH_ATTRIBUTE, permissions)
    return document_bearer_auth(cast(F, wrapper))


def restart_idle_clock(actor: Actor) -> None:
    """Record a console session's use (at most once a minute: ``Actor.touch_due``), in a
    transaction of its own once the request's work is done."""
    if actor.touch_due and actor.token_id is not None:
        service.touch(actor.token_id)
        db.session.commit()


def login_required(view: F) -> F:
    """Authenticate the bearer token (or the console's session cookie) before anything else,
    so a stranger gets 401, not 422."""
    return _wrap(view, ())


def requires(
    permission: Permission, *others: Permission, action: str | None = None
) -> Callable[[F], F]:
    """Authenticate, then refuse (403 ``auth.forbidden``, logged as ``action``, else as the
    permission) a caller who holds neither ``permission`` nor one of ``others`` on any
    scope — before the body is parsed."""

    def decorate(view: F) -> F:
        return _wrap(view, (permission, *others), action)

    return decorate


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
