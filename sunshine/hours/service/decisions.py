"""Deciding on service records: confirming, rejecting, voiding, adjusting, and the policy.

Only confirmed minutes count anywhere, and what counts is the ledger: every decision that
changes a record's credit appends an hours entry (and the matching points entry) through
``ledger.append``, and ``credited_minutes`` is kept equal to the sum of the record's hours
entries. A record's points always equal floor(credited × POINTS_PER_HOUR / 60): each entry
brings them there from what the record's points entries already add up to.

Every decision locks the record row first (so two secretaries cannot both confirm it), and
a bulk decision locks its records in id order and then appends member by member in
ascending member id (the ledger's lock order), so concurrent bulk confirmations never
deadlock. Nothing is written until every record of a bulk request has passed every check.

A record dated in a locked period of its city (``audit.locks``) is refused every decision
(409 ``period.locked``), and approval by policy leaves it pending; the check holds the city
row between the record locks and the ledger heads, so a lock and a decision are ordered.
The one change still allowed is the org_admin's adjustment in a locked period
(``audit.locking.adjust_locked``), which calls ``adjust_credit`` itself.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select

from sunshine import clock
from sunshine.access import permissions as access
from sunshine.access.permissions import Actor, Permission, Place, authorize, can, require_somewhere
from sunshine.access.refusals import Subject, out_of_scope_event
from sunshine.audit import locks
from sunshine.errors import Conflict, Forbidden, Missing, NotFound
from sunshine.extensions import db
from sunshine.hours import ledger
from sunshine.hours.models import (
    STATUS_LABELS,
    ApprovalMode,
    Ledger,
    LedgerKind,
    RecordFlag,
    RecordStatus,
    ServiceRecord,
)
from sunshine.hours.policy import effective_policy
from sunshine.notify import service as notify
from sunshine.security import service as security

if TYPE_CHECKING:
    from sunshine.security.service import Origin

# A record's credit stays within a day, like the shift it comes from.
MAX_CREDITED_MINUTES = 1440


RECORD_MISSING = Missing(code="record.not_found", message="服务记录不存在")


def record_subject(record: ServiceRecord) -> Subject:
    return Subject("service_record", record.id, RECORD_MISSING)


def place_of(record: ServiceRecord) -> Place:
    return Place(area_path=record.area_path, body_id=record.body_id, subject=record_subject(record))


def points_for(minutes: int) -> int:
    """The points ``minutes`` of confirmed service earn: floor(minutes × rate / 60)."""
    rate: int = current_app.config["POINTS_PER_HOUR"]
    return minutes * rate // 60


def get_record(record_id: int, *, lock: bool = False) -> ServiceRecord:
    query = select(ServiceRecord).where(ServiceRecord.id == record_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    record = db.session.scalar(query)
    if record is None:
        raise RECORD_MISSING.error()
    return record


def conflicted_on(decider: Actor | None, record: ServiceRecord) -> bool:
    """Separation of duties (``access.permissions.conflicted``) on this record; ``decider``
    None is automatic approval."""
    owner, held = Actor(account_id=record.member.account_id), RecordFlag.CODE_HOLDER in record.flags
    return access.conflicted(decider, owner, place_of(record), held_code=held)


def _decidable(
    actor: Actor,
    record_id: int,
    action: str,
    *allowed: RecordStatus,
    permission: Permission = Permission.HOURS_CONFIRM,
) -> ServiceRecord:
    """The record, locked, if the actor may decide on it: in scope, not their own, in one of
    the ``allowed`` statuses, and not dated in a locked period.

    ``permission`` is what the actor needs on the record: deciding it as such, or (a void)
    reviewing an anomaly of it.
    """
    require_somewhere(actor, permission)  # before the lookup reveals ids
    record = get_record(record_id, lock=True)
    authorize(actor, permission, place_of(record))
    if conflicted_on(actor, record):
        raise own_record_refused(actor, action, [record.id], member_id=record.member_id)
    _require_status(record, *allowed)
    locks.refuse_locked([record])
    return record


def own_record_refused(
    actor: Actor,
    action: str,
    record_ids: Sequence[int],
    *,
    member_id: int | None = None,
    message: str = "不能确认或修改本人的服务记录",
    listed: bool = False,
) -> Forbidden:
    """The refusal of a decision on one's own record(s), kept in the security log although
    the request is rolled back: the anomaly detectors read it (``record.own`` refusals).
    ``listed``: a bulk request's refusal, naming every own record in ``fields.ids``."""
    detail: dict[str, object] = {"record_ids": list(record_ids)}
    if member_id is not None:
        detail["member_id"] = member_id
    event = {
        "action": action,
        "outcome": "failure",
        "reason": "record.own",
        "account_id": actor.id,
        "object_type": "service_record",
        "object_id": record_ids[0],
        "detail": detail,
    }
    if not listed:
        return Forbidden(message, code="record.own", security_event=event)
    return Forbidden(
        f"不能确认本人的服务记录：{_named(record_ids)}",
        code="record.own",
        fields={"ids": {str(i): ["本人的记录"] for i in record_ids}},
        security_event=event,
    )


def _require_status(record: ServiceRecord, *allowed: RecordStatus) -> None:
    if record.status not in allowed:
        raise Conflict(
            f"该服务记录当前状态为{STATUS_LABELS[record.status]}，不能进行此操作",
            code=f"record.not_{allowed[0].value}",
        )


# Crediting: the one place that writes ledger entries for a record -----------------------------


@dataclass(frozen=True)
class Decision:
    """Who decided, for the ledger and the security log (actor None: the system)."""

    actor_id: int | None
    origin: Origin | None = None


def _credit(
    record: ServiceRecord, *, minutes: int, kind: LedgerKind, reason: str | None, by: Decision
) -> None:
    """Move the record's credit by ``minutes`` (an hours entry) and its points to match."""
    ledger.append(
        Ledger.HOURS,
        member_id=record.member_id,
        amount=minutes,
        kind=kind,
        record_id=record.id,
        actor_id=by.actor_id,
        reason=reason,
    )
    record.credited_minutes += minutes
    points = points_for(record.credited_minutes) - ledger.record_sum(Ledger.POINTS, record.id)
    if points:
        ledger.append(
            Ledger.POINTS,
            member_id=record.member_id,
            amount=points,
            kind=kind,
            record_id=record.id,
            actor_id=by.actor_id,
            reason=reason,
        )


def _log(action: str, record: ServiceRecord, by: Decision, **detail: object) -> None:
    security.record(
        action=action,
        account_id=by.actor_id,
        origin=by.origin,
        object_type="service_record",
        object_id=record.id,
        detail={"member_id": record.member_id, **detail},
    )


def _confirm(record: ServiceRecord, by: Decision, *, reason: str | None = None) -> None:
    _credit(record, minutes=record.minutes, kind=LedgerKind.CONFIRM, reason=reason, by=by)
    record.status = RecordStatus.CONFIRMED
    record.decided_by_id, record.decided_at = by.actor_id, clock.now()
    _log("hours.confirm", record, by, minutes=record.minutes)
    notify.record_decided(record, approved=True, reason=reason)


# Decisions -----------------------------------------------------------------------------------


def confirm(*, actor: Actor, record_id: int, origin: Origin | None = None) -> ServiceRecord:
    """Confirm a pending record: its minutes are credited and the points follow."""
    record = _decidable(actor, record_id, "hours.confirm", RecordStatus.PENDING)
    _confirm(record, Decision(actor.id, origin))
    db.session.flush()
    return record


def _named(ids: Sequence[int]) -> str:
    return "、".join(str(i) for i in ids)


def confirm_many(
    *, actor: Actor, record_ids: Sequence[int], origin: Origin | None = None
) -> list[ServiceRecord]:
    """Confirm several pending records, all or none.

    Unknown ids and records outside the actor's scope are 404 alike (the refusal of the
    latter logged), their own records 403, records not pending 409, records dated in a
    locked period 409 ``period.locked`` — each naming every
    offending id (in ``fields.ids``, keyed by id).
    """
    require_somewhere(actor, Permission.HOURS_CONFIRM)
    wanted = sorted(set(record_ids))
    records = list(
        db.session.scalars(
            select(ServiceRecord)
            .where(ServiceRecord.id.in_(wanted))
            .order_by(ServiceRecord.id)
            .with_for_update()
            .execution_options(populate_existing=True)
        )
    )
    outside = [r.id for r in records if not can(actor, Permission.HOURS_CONFIRM, place_of(r))]
    found = {r.id for r in records}
    missing = sorted({i for i in wanted if i not in found} | set(outside))
    if missing:
        event = out_of_scope_event(actor.id, "hours.confirm", "service_record", outside)
        raise NotFound(
            f"以下服务记录不存在：{_named(missing)}",
            code="record.not_found",
            fields={"ids": {str(i): ["不存在"] for i in missing}},
            security_event=event,
        )
    own = [r.id for r in records if conflicted_on(actor, r)]
    if own:
        raise own_record_refused(actor, "hours.confirm", own, listed=True)
    decided = [r.id for r in records if r.status != RecordStatus.PENDING]
    if decided:
        raise Conflict(
            f"以下服务记录不是待确认状态：{_named(decided)}",
            code="record.not_pending",
            fields={"ids": {str(i): ["不是待确认状态"] for i in decided}},
        )
    locks.refuse_locked(records)
    by = Decision(actor.id, origin)
    for record in sorted(records, key=lambda r: (r.member_id, r.id)):  # the ledger's lock order
        _confirm(record, by)
    db.session.flush()
    return [r for r in records]


def reject(
    *, actor: Actor, record_id: int, reason: str, origin: Origin | None = None
) -> ServiceRecord:
    """Reject a pending record with a reason; nothing is credited."""
    record = _decidable(actor, record_id, "hours.reject", RecordStatus.PENDING)
    record.status, record.reject_reason = RecordStatus.REJECTED, reason
    record.decided_by_id, record.decided_at = actor.id, clock.now()
    _log("hours.reject", record, Decision(actor.id, origin), reason=reason)
    notify.record_decided(record, approved=False, reason=reason)
    db.session.flush()
    return record


def void(
    *,
    actor: Actor,
    record_id: int,
    reason: str,
    origin: Origin | None = None,
    permission: Permission = Permission.HOURS_CONFIRM,
) -> ServiceRecord:
    """Void a confirmed record: a void entry takes back everything it credited.

    ``permission``: ``anomaly.review`` when a street or org admin voids the record of an
    anomaly they review (the org department does not confirm records, but may void one).
    """
    record = _decidable(
        actor, record_id, "hours.void", RecordStatus.CONFIRMED, permission=permission
    )
    by = Decision(actor.id, origin)
    credited = record.credited_minutes
    _credit(record, minutes=-credited, kind=LedgerKind.VOID, reason=reason, by=by)
    record.status = RecordStatus.VOIDED
    record.decided_by_id, record.decided_at = actor.id, clock.now()
    _log("hours.void", record, by, minutes=-credited, reason=reason)
    db.session.flush()
    return record


def adjust(
    *, actor: Actor, record_id: int, minutes: int, reason: str, origin: Origin | None = None
) -> ServiceRecord:
    """Add or take away minutes on a confirmed record, with a reason.

    The record's credit stays between 0 and 1440 minutes, and the member's total never goes
    below zero (409).
    """
    record = _decidable(actor, record_id, "hours.adjust", RecordStatus.CONFIRMED)
    adjust_credit(record, minutes, reason=reason, by=Decision(actor.id, origin))
    db.session.flush()
    return record


def adjust_credit(
    record: ServiceRecord,
    minutes: int,
    *,
    reason: str,
    by: Decision,
    locked_period_id: int | None = None,
) -> None:
    """An adjust entry of ``minutes`` on a confirmed record (also used by corrections, and by
    the org_admin's adjustment in a locked period, ``locked_period_id``, logged as such)."""
    after = record.credited_minutes + minutes
    if after < 0:
        raise Conflict(
            f"调整后时长不能小于零（当前 {record.credited_minutes} 分钟）",
            code="record.below_zero",
        )
    if after > MAX_CREDITED_MINUTES:
        raise Conflict("调整后时长不能超过 24 小时", code="record.too_long")
    _credit(record, minutes=minutes, kind=LedgerKind.ADJUST, reason=reason, by=by)
    if locked_period_id is None:
        _log("hours.adjust", record, by, minutes=minutes, credited=record.credited_minutes)
    else:
        _log(
            "hours.adjust_locked",
            record,
            by,
            minutes=minutes,
            credited=record.credited_minutes,
            period_id=locked_period_id,
            reason=reason,
        )


def confirm_with(record: ServiceRecord, minutes: int, *, reason: str, by: Decision) -> None:
    """Confirm a rejected record with other minutes than the rule's (a correction)."""
    _credit(record, minutes=minutes, kind=LedgerKind.CONFIRM, reason=reason, by=by)
    record.status = RecordStatus.CONFIRMED
    record.decided_by_id, record.decided_at = by.actor_id, clock.now()
    _log("hours.confirm", record, by, minutes=minutes, correction=True)


# Approval by policy ------------------------------------------------------------------------


def apply_policy(record: ServiceRecord) -> None:
    """Confirm a just-created record automatically when its area's policy says so.

    Called by ``records.create_record`` right after it creates a record. The policy of the
    record's area, or of the nearest ancestor that has one (none: manual), confirms it as the system
    (actor None) when the mode is automatic, or automatic_below and the minutes are under
    the threshold. A record with any flag (forgotten check-out, low accuracy, hand-recorded,
    walk-in, code holder) always waits for a person, and so does a record dated in a locked
    period (nobody can confirm it) or whose member could have vouched for themself
    (``conflicted_on``: another admin of the community or the street confirms it).
    """
    if record.status != RecordStatus.PENDING or record.flags:
        return
    db.session.flush()  # the record needs its id for the ledger
    policy = effective_policy(record.area_id, record.area_path)
    automatic = policy.mode == ApprovalMode.AUTOMATIC or (
        policy.mode == ApprovalMode.AUTOMATIC_BELOW
        and policy.auto_below_minutes is not None
        and record.minutes < policy.auto_below_minutes
    )
    if not automatic or locks.locked_periods_of([record]) or conflicted_on(None, record):
        return
    _confirm(record, Decision(actor_id=None), reason=f"按审批方式自动确认（{policy.mode.value}）")
    db.session.flush()
