"""The inbox, as its owner reads it."""

from __future__ import annotations

from sqlalchemy import func, select

from sunshine.access.permissions import EVERYWHERE, Actor, Permission, authorize
from sunshine.extensions import db
from sunshine.notify.models import Message, SendStatus
from sunshine.pagination import CursorPage, newest_first


def my_messages(
    *, actor: Actor, limit: int, cursor: int | None = None, unread: bool | None = None
) -> CursorPage:
    """The caller's messages, newest first."""
    query = select(Message).where(Message.account_id == actor.account_id)
    if unread is True:
        query = query.where(Message.read_at.is_(None))
    elif unread is False:
        query = query.where(Message.read_at.is_not(None))
    return newest_first(query, Message.id, after_id=cursor, limit=limit)


def unread_count(actor: Actor) -> int:
    return int(
        db.session.scalar(
            select(func.count())
            .select_from(Message)
            .where(Message.account_id == actor.account_id, Message.read_at.is_(None))
        )
        or 0
    )


def outbox(
    *,
    actor: Actor,
    limit: int,
    cursor: int | None = None,
    status: SendStatus | None = None,
    event: str | None = None,
) -> CursorPage:
    """Every account's messages with their sending state, newest first (system admin)."""
    authorize(actor, Permission.NOTIFY_MONITOR, EVERYWHERE)
    query = select(Message)
    if status is not None:
        query = query.where(Message.status == status)
    if event is not None:
        query = query.where(Message.event == event)
    return newest_first(query, Message.id, after_id=cursor, limit=limit)
