"""The bridge between an HTTP request and the services: who is acting, and from where.

Every view that needs a caller is wrapped in ``login_required`` (any signed-in account: a
member's own actions, and reads whose rule the service decides, such as "the holder or an
admin in scope") or ``requires(Permission.X, …)`` (an administrator's endpoint). Both run
before ``@blp.arguments`` parses the body or query string, so a stranger gets 401 and a
caller who holds none of the permissions anywhere gets 403 (logged) — never 422, never a
lookup that tells them an id exists. The scope (which community, which record) is still the
service's to decide. The role matrix (``tests/test_role_matrix.py``) reads the declaration
(``AUTH_ATTRIBUTE``) of every route, so a route without one fails the suite.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g, request

from sunshine.access.permissions import Actor, Permission, require_somewhere
from sunshine.auth import service
from sunshine.openapi import document_bearer_auth
from sunshine.security.service import Origin

F = TypeVar("F", bound=Callable[..., Any])

# On a wrapped view: ``()`` for any signed-in account, else the permissions it requires.
AUTH_ATTRIBUTE = "_requires_permissions"


def _authenticate() -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    actor = service.authenticate(token.strip() if scheme.lower() == "bearer" else None)
    g.actor = actor
    return actor


def _wrap(view: F, permissions: tuple[Permission, ...], action: str | None = None) -> F:
    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        actor = _authenticate()
        if permissions:
            require_somewhere(actor, *permissions, action=action)
        return view(*args, **kwargs)

    setattr(wrapper, AUTH_ATTRIBUTE, permissions)
    return document_bearer_auth(cast(F, wrapper))


def login_required(view: F) -> F:
    """Authenticate the bearer token before anything else (so a stranger gets 401, not 422)."""
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


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor


def request_origin() -> Origin:
    return Origin(ip=request.remote_addr, request_id=g.get("request_id"))
