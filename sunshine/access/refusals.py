"""What a refused attempt answers, and the security-log event it leaves.

Every refusal that ``access.permissions`` decides (``authorize``, ``require_reach``,
``require_somewhere``) goes through ``refusal`` here, so each one is a security-log event: the
error carries it, and the error handler (``sunshine/http.py``) writes it after rolling the
request back, on the same session, in a transaction of its own.

The rule for ids: an object outside the caller's scope answers exactly what an unknown one
does (404 with the object's own ``*.not_found`` code and message), so ids cannot be probed. A
place that names its object (``Place(subject=Subject(...))``) gets that answer; a place that
names none (an area, a unit, a city: the tree is public) and a caller who lacks the
permission everywhere get 403 ``auth.forbidden``. The log tells them apart by ``reason``:
``auth.forbidden`` (no grant of the permission at all) or ``auth.out_of_scope`` (grants of
it, none covering the place).

This module imports no other domain.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sunshine.errors import DomainError, Forbidden, Missing, NotFound

NO_PERMISSION = "auth.forbidden"
OUT_OF_SCOPE = "auth.out_of_scope"


@dataclass(frozen=True)
class Subject:
    """The object a place is the place of: named in the security log, and answered as
    ``missing`` (its unknown-id 404) when it lies outside the caller's scope."""

    object_type: str
    object_id: int | str
    missing: Missing


def _event(
    account_id: int | None,
    action: str,
    reason: str,
    subject: Subject | None,
    detail: Mapping[str, Any] | None,
) -> dict[str, Any]:
    event: dict[str, Any] = {
        "account_id": account_id,
        "action": action,
        "outcome": "failure",
        "reason": reason,
        "detail": dict(detail) if detail else None,
    }
    if subject is not None:
        event["object_type"] = subject.object_type
        event["object_id"] = subject.object_id
    return event


def refusal(
    account_id: int,
    permissions: Sequence[str],
    subject: Subject | None,
    holds_somewhere: bool,
    audit: Mapping[str, Any] | None = None,
) -> DomainError:
    """The error refusing the permission (any of ``permissions``), logged: the subject's 404,
    else 403. ``holds_somewhere``: the caller holds it, though not over this place.

    ``audit`` (keyword arguments of ``security.service.record``) overrides the event's
    defaults: the action is the (first) permission's name unless it names a better one.
    """
    reason = OUT_OF_SCOPE if holds_somewhere else NO_PERMISSION
    named = permissions[0] if len(permissions) == 1 else list(permissions)
    event = _event(account_id, permissions[0], reason, subject, {"permission": named})
    event.update(audit or {})
    if subject is not None:
        return subject.missing.error(security_event=event)
    return Forbidden(security_event=event)


def out_of_scope_event(
    account_id: int, action: str, object_type: str, object_ids: list[int]
) -> dict[str, Any] | None:
    """The security event of objects refused all at once as outside the caller's scope (a
    bulk decision): the first named, every one in ``detail``; None when there are none."""
    if not object_ids:
        return None
    event = _event(account_id, action, OUT_OF_SCOPE, None, {"ids": object_ids})
    return {**event, "object_type": object_type, "object_id": object_ids[0]}


def concealed(*, account_id: int, action: str, subject: Subject) -> NotFound:
    """Someone else's own object (a statement, a signup, an invitation) asked for by a caller
    who is not its holder: answered as unknown, logged as out of scope."""
    event = _event(account_id, action, OUT_OF_SCOPE, subject, None)
    return subject.missing.error(security_event=event)
