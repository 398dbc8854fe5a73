"""Reminders before a shift: one message per confirmed signup and offset (``dedupe_key``).

At each run, a confirmed member of an open shift starting within the largest offset is due
the reminder of the smallest offset that covers the time left (24 h, then 2 h, by default
``NOTIFY_REMINDER_MINUTES``), unless the member was confirmed after that reminder's moment
(they were just told, by the signup or promotion message). A reminder already written is
never written again, so the job may run as often as it likes.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from flask import current_app
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.notify import service
from sunshine.notify.events import Event
from sunshine.notify.models import Message
from sunshine.tasks.models import Shift, ShiftStatus, Signup, SignupStatus, Task

MAX_PER_RUN = 50_000
_CHUNK = 1000


def offsets() -> list[timedelta]:
    """The configured offsets, smallest first."""
    raw = str(current_app.config.get("NOTIFY_REMINDER_MINUTES") or "")
    return sorted({timedelta(minutes=int(part)) for part in raw.split(",") if part.strip()})


def key(signup_id: int, offset: timedelta) -> str:
    return f"reminder:{signup_id}:{int(offset.total_seconds() // 60)}"


def produce(now: datetime) -> int:
    """Write the reminders due at ``now``; returns how many were new."""
    steps = offsets()
    if not steps:
        return 0
    rows = db.session.execute(
        select(
            Signup.id,
            Signup.confirmed_at,
            Member.account_id,
            Shift.id.label("shift_id"),
            Shift.starts_at,
            Task.title,
            Task.address,
        )
        .join(Shift, Shift.id == Signup.shift_id)
        .join(Task, Task.id == Shift.task_id)
        .join(Member, Member.id == Signup.member_id)
        .where(
            Signup.status == SignupStatus.CONFIRMED,
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at > now,
            Shift.starts_at <= now + steps[-1],
        )
        .order_by(Shift.starts_at, Signup.id)
        .limit(MAX_PER_RUN)
    ).all()
    due: dict[str, service.Outgoing] = {}
    for row in rows:
        offset = next(step for step in steps if row.starts_at - now <= step)
        if row.confirmed_at is not None and row.confirmed_at > row.starts_at - offset:
            continue
        values = {
            "task": row.title,
            "starts_at": row.starts_at,
            "place": row.address,
            "shift_id": row.shift_id,
            "status": "即将开始",
        }
        dedupe = key(row.id, offset)
        due[dedupe] = service.Outgoing(row.account_id, values, dedupe, expires_at=row.starts_at)
    keys = list(due)
    for start in range(0, len(keys), _CHUNK):
        chunk = keys[start : start + _CHUNK]
        for written in db.session.scalars(
            select(Message.dedupe_key).where(Message.dedupe_key.in_(chunk))
        ):
            due.pop(str(written), None)
    return service.enqueue_many(Event.SHIFT_REMINDER, list(due.values()))
