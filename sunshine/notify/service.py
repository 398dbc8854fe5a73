"""Writing messages (``enqueue``, called by other domains in their own transaction), the
subscribe-message quota the mini-program reports, and the inbox's read marks."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from flask import current_app
from sqlalchemy import delete, insert, select, update

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.database import insert_or_skip, table_of
from sunshine.errors import Invalid
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.notify import templates
from sunshine.notify.events import EVENTS, Event
from sunshine.notify.models import Message, SendStatus, SubscribeQuota

# A message not delivered within this long is stale: kept in the inbox, not sent.
DEFAULT_LIFETIME = timedelta(hours=24)
_EXTENSION_KEY = "sunshine.notify.templates"


def configured() -> dict[Event, templates.Template]:
    """The app's templates (``NOTIFY_TEMPLATES``), parsed once per value."""
    raw = current_app.config.get("NOTIFY_TEMPLATES") or "{}"
    cached = current_app.extensions.get(_EXTENSION_KEY)
    if cached is None or cached[0] is not raw:
        cached = (raw, templates.parse(raw))
        current_app.extensions[_EXTENSION_KEY] = cached
    parsed: dict[Event, templates.Template] = cached[1]
    return parsed


@dataclass(frozen=True)
class Outgoing:
    """One message to write: to whom, with which values."""

    account_id: int
    values: Mapping[str, Any]
    dedupe_key: str | None = None
    expires_at: datetime | None = None


def _text(event: Event, values: Mapping[str, Any]) -> str:
    shown = {name: templates.readable(values.get(name)) for name in EVENTS[event].values}
    reason = shown.get("reason")
    shown["reason_note"] = f"原因：{reason}" if reason else ""
    return EVENTS[event].body.format(**shown)[:500]


def _row(event: Event, item: Outgoing, template: templates.Template | None) -> dict[str, Any]:
    now = clock.now()
    row: dict[str, Any] = {
        "account_id": item.account_id,
        "event": event.value,
        "title": EVENTS[event].title,
        "body": _text(event, item.values),
        "dedupe_key": item.dedupe_key,
        "status": SendStatus.PENDING,
        "attempts": 0,
        "next_attempt_at": now,
        "expires_at": item.expires_at or now + DEFAULT_LIFETIME,
        "created_at": now,
        "template_id": None,
        "data": None,
        "page": None,
        "error": None,
    }
    if template is None:
        row.update(status=SendStatus.SKIPPED, error="no_template")
    else:
        data, page = templates.render(template, item.values)
        row.update(template_id=template.template_id, data=data, page=page)
    return row


def enqueue_many(event: Event, items: Sequence[Outgoing]) -> int:
    """Write messages in the caller's transaction; a ``dedupe_key`` already written is
    skipped. Returns how many were asked for."""
    if not items:
        return 0
    template = configured().get(event)
    rows = [_row(event, item, template) for item in items]
    if any(row["dedupe_key"] for row in rows):
        dialect = db.session.get_bind().dialect.name
        db.session.execute(insert_or_skip(Message, dialect, key=["dedupe_key"]), rows)
    else:
        db.session.execute(insert(table_of(Message)), rows)
    return len(rows)


def enqueue(event: Event, *, account_ids: Iterable[int], values: Mapping[str, Any]) -> int:
    """The same message to each account, written in the caller's transaction."""
    return enqueue_many(event, [Outgoing(account_id, values) for account_id in account_ids])


def enqueue_for_members(
    event: Event, *, member_ids: Iterable[int], values: Mapping[str, Any]
) -> int:
    """The same message to each member's account."""
    ids = list(member_ids)
    if not ids:
        return 0
    accounts = db.session.scalars(select(Member.account_id).where(Member.id.in_(ids))).all()
    return enqueue(event, account_ids=accounts, values=values)


# The quota the mini-program reports ---------------------------------------------------------


@dataclass(frozen=True)
class QuotaView:
    template_id: str
    events: list[str]
    remaining: int


def quotas(account_id: int) -> list[QuotaView]:
    """What the account has left of each configured template."""
    by_template: dict[str, list[str]] = {}
    for event, template in configured().items():
        by_template.setdefault(template.template_id, []).append(event.value)
    left = dict(
        db.session.execute(
            select(SubscribeQuota.template_id, SubscribeQuota.remaining).where(
                SubscribeQuota.account_id == account_id
            )
        ).all()
    )
    return [
        QuotaView(template_id, sorted(events), left.get(template_id, 0))
        for template_id, events in sorted(by_template.items())
    ]


def report_subscriptions(*, actor: Actor, results: Mapping[str, str]) -> list[QuotaView]:
    """Record what ``wx.requestSubscribeMessage`` answered: each ``accept`` allows one send."""
    known = {template.template_id for template in configured().values()}
    unknown = sorted(set(results) - known)
    if unknown:
        raise Invalid(
            "订阅消息模板不存在",
            code="notify.unknown_template",
            fields={"results": [f"未知模板：{', '.join(unknown)[:200]}"]},
        )
    accepted = sorted(tid for tid, answer in results.items() if answer == "accept")
    if accepted:
        dialect = db.session.get_bind().dialect.name
        rows = [
            {"account_id": actor.account_id, "template_id": tid, "remaining": 0} for tid in accepted
        ]
        db.session.execute(
            insert_or_skip(SubscribeQuota, dialect, key=["account_id", "template_id"]), rows
        )
        db.session.execute(
            update(SubscribeQuota)
            .where(
                SubscribeQuota.account_id == actor.account_id,
                SubscribeQuota.template_id.in_(accepted),
            )
            .values(remaining=SubscribeQuota.remaining + 1, updated_at=clock.now())
            .execution_options(synchronize_session=False)
        )
    return quotas(actor.account_id)


# The inbox ------------------------------------------------------------------------------------


def mark_read(*, actor: Actor, ids: Sequence[int] | None) -> int:
    """Mark the caller's messages read (these ids, or all of them); returns how many."""
    query = update(Message).where(Message.account_id == actor.account_id, Message.read_at.is_(None))
    if ids is not None:
        query = query.where(Message.id.in_(ids))
    result = db.session.execute(
        query.values(read_at=clock.now()).execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


# What the other domains call -------------------------------------------------------------------

_SHIFT_STATUS = {
    Event.SIGNUP_CONFIRMED: "报名成功",
    Event.PROMOTED: "候补成功",
    Event.INVITED: "已安排",
    Event.SHIFT_MOVED: "时间变更",
    Event.SHIFT_CANCELLED: "已取消",
}


def about_shift(event: Event, shift: Any, member_ids: Iterable[int], **extra: Any) -> int:
    """A shift's event for these members (``shift`` is a ``tasks`` Shift with its task)."""
    values = {
        "task": shift.task.title,
        "starts_at": shift.starts_at,
        "place": shift.task.address,
        "shift_id": shift.id,
        "status": _SHIFT_STATUS.get(event, ""),
        **extra,
    }
    return enqueue_for_members(event, member_ids=member_ids, values=values)


def decided(
    event: Event, *, member_id: int, approved: bool, reason: str | None, **values: Any
) -> int:
    """A decision on something of the member's (a report-in, a registration, a record …)."""
    return enqueue_for_members(
        event,
        member_ids=[member_id],
        values={
            "result": "已通过" if approved else "未通过",
            "reason": reason,
            "decided_at": clock.now(),
            **values,
        },
    )


def record_decided(record: Any, *, approved: bool, reason: str | None) -> int:
    """An hours record confirmed or rejected (``record`` is an ``hours`` ServiceRecord)."""
    return decided(
        Event.RECORD_DECIDED,
        member_id=record.member_id,
        approved=approved,
        reason=reason,
        task=record.activity_name,
        service_date=record.service_date,
        hours=round(record.minutes / 60, 1),
        record_id=record.id,
    )


def statement_issued(statement: Any) -> int:
    """A statement the member asked for was issued (``statement``: a ``statements`` row)."""
    return enqueue_for_members(
        Event.STATEMENT_ISSUED,
        member_ids=[statement.member_id],
        values={
            "issuer": statement.issuer_name,
            "period": f"{statement.starts_on.isoformat()} 至 {statement.ends_on.isoformat()}",
            "hours": round(statement.total_minutes / 60, 1),
            "number": statement.number,
            "statement_id": statement.id,
        },
    )


def unit_feedback_issued(
    *, unit_admin_ids: Iterable[int], unit: str, period: str, version: int, feedback_id: int
) -> int:
    """A unit's feedback was issued: its admins (accounts) are told."""
    values = {"unit": unit, "period": period, "version": version, "feedback_id": feedback_id}
    return enqueue(Event.UNIT_FEEDBACK_ISSUED, account_ids=unit_admin_ids, values=values)


def forget(account_id: int) -> None:
    """A closed account's messages (read or not, sent or not) and quotas are deleted."""
    db.session.execute(delete(Message).where(Message.account_id == account_id))
    db.session.execute(delete(SubscribeQuota).where(SubscribeQuota.account_id == account_id))
