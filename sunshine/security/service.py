"""Writing and reading the security log."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Select, select

from sunshine.access.permissions import EVERYWHERE, Actor, Permission, authorize
from sunshine.extensions import db
from sunshine.security.models import SecurityEvent


def record(
    *,
    action: str,
    outcome: str = "success",
    account_id: int | None = None,
    ip: str | None = None,
    object_type: str | None = None,
    object_id: str | int | None = None,
    reason: str | None = None,
    request_id: str | None = None,
    detail: dict[str, Any] | None = None,
) -> SecurityEvent:
    """Append one event in the current transaction."""
    event = SecurityEvent(
        action=action,
        outcome=outcome,
        account_id=account_id,
        ip=ip,
        object_type=object_type,
        object_id=None if object_id is None else str(object_id),
        reason=reason,
        request_id=request_id,
        detail=detail,
    )
    db.session.add(event)
    return event


def query_events(
    *,
    actor: Actor,
    action: str | None = None,
    account_id: int | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> Select[SecurityEvent]:
    """Events newest first, for the system administrator."""
    authorize(
        actor,
        Permission.SECURITY_LOG_READ,
        EVERYWHERE,
        audit={"action": "security_log.read", "object_type": "security_event"},
    )
    query = select(SecurityEvent).order_by(SecurityEvent.id.desc())
    if action:
        query = query.where(SecurityEvent.action == action)
    if account_id is not None:
        query = query.where(SecurityEvent.account_id == account_id)
    if outcome:
        query = query.where(SecurityEvent.outcome == outcome)
    if since:
        query = query.where(SecurityEvent.occurred_at >= since)
    if until:
        query = query.where(SecurityEvent.occurred_at < until)
    return query
