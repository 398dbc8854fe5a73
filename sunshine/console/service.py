"""Logging in to the console: a one-time ticket shown as a mini-program code, confirmed by an
admin's mini-program, exchanged once for a session by the browser that asked for it."""

from __future__ import annotations

import hashlib
import hmac
import secrets
import string
from datetime import timedelta

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, require_somewhere
from sunshine.auth import service as auth
from sunshine.console.models import LoginTicket
from sunshine.errors import Conflict, DomainError, Forbidden, Gone, NotFound
from sunshine.extensions import db
from sunshine.security import service as security
from sunshine.security.service import Origin

TICKET_TTL = timedelta(minutes=2)
# A mini-program code's scene takes ≤ 32 characters; letters and digits are always allowed.
_ALPHABET = string.ascii_letters + string.digits
_TICKET_LENGTH = 24  # ≈ 143 bits


def _hash(value: str) -> str:
    return hashlib.sha256(value.encode()).hexdigest()


def new_ticket(*, origin: Origin) -> tuple[LoginTicket, str]:
    """A ticket for a login page, and the browser's nonce (kept in that browser's cookie)."""
    nonce = secrets.token_urlsafe(32)
    now = clock.now()
    ticket = LoginTicket(
        ticket="".join(secrets.choice(_ALPHABET) for _ in range(_TICKET_LENGTH)),
        browser_hash=_hash(nonce),
        created_at=now,
        expires_at=now + TICKET_TTL,
        ip=origin.ip,
    )
    db.session.add(ticket)
    db.session.flush()
    return ticket, nonce


def _find(ticket: str) -> LoginTicket:
    row = db.session.scalar(select(LoginTicket).where(LoginTicket.ticket == ticket))
    if row is None:
        raise NotFound("登录二维码无效，请刷新页面", code="console.ticket_unknown")
    return row


def live_ticket(ticket: str) -> LoginTicket:
    """A ticket whose code may still be shown: known, not expired, not yet used."""
    row = _find(ticket)
    if row.expires_at <= clock.now():
        raise Gone("登录二维码已过期，请刷新页面", code="console.ticket_expired")
    if row.claimed_at is not None:
        raise Conflict("登录二维码已使用，请刷新页面", code="console.ticket_used")
    return row


def _failure(error: DomainError, *, action: str, actor: Actor | None, origin: Origin) -> None:
    error.security_event = {
        "action": action,
        "outcome": "failure",
        "reason": error.code,
        "account_id": actor.account_id if actor else None,
        "object_type": "console_login_ticket",
        "origin": origin,
    }


def confirm(*, actor: Actor, ticket: str, origin: Origin) -> LoginTicket:
    """The admin's mini-program confirms the ticket it scanned: the console may log them in.

    Refuses accounts without an admin grant, and tickets expired or confirmed before (a code
    seen twice is a code someone else may have seen).
    """
    try:
        require_somewhere(actor, Permission.CONSOLE_LOGIN)
    except Forbidden as error:
        refused = Forbidden("该账号没有管理权限，不能登录控制台", code="console.not_admin")
        _failure(refused, action="console_confirm", actor=actor, origin=origin)
        raise refused from error
    try:
        row = live_ticket(ticket)
        if row.confirmed_at is not None:
            raise Conflict("登录二维码已使用，请刷新页面", code="console.ticket_used")
    except DomainError as error:
        _failure(error, action="console_confirm", actor=actor, origin=origin)
        raise
    row.confirmed_by, row.confirmed_at = actor.account_id, clock.now()
    security.record(
        action="console_confirm",
        account_id=actor.account_id,
        origin=origin,
        object_type="console_login_ticket",
        object_id=row.id,
    )
    return row


def claim(
    *, ticket: str, nonce: str | None, origin: Origin, ttl: int, idle_timeout: int
) -> str | None:
    """The login page asks whether its ticket was confirmed: ``None`` while it waits, then
    (once) the raw token of a new console session. Only the browser holding the ticket's
    nonce may ask; to any other the ticket does not exist."""
    row = _find(ticket)
    if nonce is None or not hmac.compare_digest(row.browser_hash, _hash(nonce)):
        raise NotFound("登录二维码无效，请刷新页面", code="console.ticket_unknown")
    try:
        live_ticket(ticket)
    except DomainError as error:
        _failure(error, action="console_login", actor=None, origin=origin)
        raise
    if row.confirmed_by is None:
        return None
    row.claimed_at = clock.now()
    raw = auth.issue_session_token(
        account_id=row.confirmed_by, origin=origin, ttl=ttl, idle_timeout=idle_timeout
    )
    security.record(
        action="console_login",
        account_id=row.confirmed_by,
        origin=origin,
        object_type="console_login_ticket",
        object_id=row.id,
    )
    return raw


def logout(*, actor: Actor, origin: Origin) -> None:
    """End the console session the request came with."""
    if actor.token_id is not None:
        auth.revoke_tokens(account_id=actor.account_id, token_id=actor.token_id)
    security.record(
        action="console_logout",
        account_id=actor.account_id,
        origin=origin,
        object_type="auth_token",
        object_id=actor.token_id,
    )
