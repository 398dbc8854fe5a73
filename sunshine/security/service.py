"""Writing the security log (reading it is security.views)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sunshine.extensions import db
from sunshine.security.models import SecurityEvent


@dataclass(frozen=True)
class Origin:
    """Where a request came from, for the security log."""

    ip: str | None = None
    request_id: str | None = None


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
    origin: Origin | None = None,
) -> SecurityEvent:
    """Append one event in the current transaction. ``origin`` (the request's) gives the ip
    and request id unless they are given themselves."""
    if origin is not None:
        ip = ip if ip is not None else origin.ip
        request_id = request_id if request_id is not None else origin.request_id
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
