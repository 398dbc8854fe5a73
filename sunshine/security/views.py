"""The security log as the system administrator reads it (reading it is itself logged)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from sunshine.access.permissions import EVERYWHERE, Actor, Permission, authorize
from sunshine.pagination import CursorPage, newest_first
from sunshine.security.models import SecurityEvent


def list_events(
    *,
    actor: Actor,
    limit: int,
    cursor: int | None = None,
    action: str | None = None,
    account_id: int | None = None,
    outcome: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
) -> CursorPage:
    """Events newest first, for the system administrator."""
    authorize(
        actor,
        Permission.SECURITY_LOG_READ,
        EVERYWHERE,
        audit={"action": "security_log.read", "object_type": "security_event"},
    )
    query = select(SecurityEvent)
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
    return newest_first(query, SecurityEvent.id, after_id=cursor, limit=limit)
