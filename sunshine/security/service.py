"""Writing the security log (reading it is security.views)."""

from __future__ import annotations

from typing import Any

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
