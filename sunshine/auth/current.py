"""The bridge between an HTTP request and the services: who is acting, and from where."""

from __future__ import annotations

import functools
from collections.abc import Callable
from typing import Any, TypeVar, cast

from flask import g, request

from sunshine.access.permissions import Actor
from sunshine.auth import service
from sunshine.openapi import document_bearer_auth
from sunshine.security.service import Origin

F = TypeVar("F", bound=Callable[..., Any])


def login_required(view: F) -> F:
    """Authenticate the bearer token before anything else (so a stranger gets 401, not 422)."""

    @functools.wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        header = request.headers.get("Authorization", "")
        scheme, _, token = header.partition(" ")
        g.actor = service.authenticate(token.strip() if scheme.lower() == "bearer" else None)
        return view(*args, **kwargs)

    return document_bearer_auth(cast(F, wrapper))


def current_actor() -> Actor:
    actor: Actor = g.actor
    return actor


def request_origin() -> Origin:
    return Origin(ip=request.remote_addr, request_id=g.get("request_id"))
