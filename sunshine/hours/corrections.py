"""Corrections: a member asks for other minutes on a decided record; the community decides.

A member may ask about their own confirmed record (the credit is wrong) or rejected record
(it should have been confirmed), one open request per record at a time. Accepting appends
to the ledger — an adjust entry of (proposed − credited) on a confirmed record, a confirm
entry of the proposed minutes on a rejected one, which becomes confirmed — and never
rewrites anything.

A record dated in a locked period (``audit.locks``) no longer changes: asking for its
correction and accepting one are refused (409 ``period.locked``). Rejecting a request stays
possible — it changes neither the record nor the ledger, and closes a request made before
the lock that could otherwise never be closed.
"""

from __future__ import annotations

from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sunshine import clock
from sunshine.access.permissions import (
    Actor,
    Permission,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject, concealed
from sunshine.audit import locks
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.hours import service
from sunshine.hours.models import Correction, CorrectionStatus, RecordStatus
from sunshine.members import service as members
from sunshine.notify import service as notify
from sunshine.notify.events import Event

if TYPE_CHECKING:
    from sunshine.security.service import Origin

CORRECTABLE = (RecordStatus.CONFIRMED, RecordStatus.REJECTED)


def request(*, actor: Actor, record_id: int, proposed_minutes: int, reason: str) -> Correction:
    """Ask for a correction of one's own confirmed or rejected record."""
    member = members.own_member(actor)
    record = service.get_record(record_id, lock=True)
    if record.member_id != member.id:  # another member's record is not theirs to see
        subject = service.record_subject(record)
        raise concealed(account_id=actor.id, action="correction.request", subject=subject)
    if record.status not in CORRECTABLE:
        raise Conflict("只有已确认或已驳回的记录可以申请更正", code="record.not_correctable")
    unchanged = (
        proposed_minutes == record.credited_minutes
        if record.status == RecordStatus.CONFIRMED
        else proposed_minutes == 0
    )
    if unchanged:
        raise Invalid(
            "申请的时长与当前认定的时长相同",
            code="correction.no_change",
            fields={"proposed_minutes": ["与当前时长相同"]},
        )
    if _open_for(record.id) is not None:
        raise Conflict("该记录已有待处理的更正申请", code="correction.open_exists")
    locks.refuse_locked([record])
    correction = Correction(
        record=record, member_id=member.id, proposed_minutes=proposed_minutes, reason=reason
    )
    try:
        with db.session.begin_nested():
            db.session.add(correction)
    except IntegrityError:  # a parallel request of the same member won; the index kept the rule
        raise Conflict("该记录已有待处理的更正申请", code="correction.open_exists") from None
    return correction


def _open_for(record_id: int) -> int | None:
    return db.session.scalar(
        select(Correction.id).where(
            Correction.record_id == record_id, Correction.status == CorrectionStatus.OPEN
        )
    )


CORRECTION_MISSING = Missing(code="correction.not_found", message="更正申请不存在")


def _decidable(actor: Actor, correction_id: int) -> Correction:
    """The open correction with its record locked, if the actor may decide it."""
    require_somewhere(actor, Permission.HOURS_CONFIRM)
    correction = db.session.get(Correction, correction_id)
    if correction is None:
        raise CORRECTION_MISSING.error()
    record = service.get_record(correction.record_id, lock=True)
    subject = Subject("correction", correction.id, CORRECTION_MISSING)
    authorize(actor, Permission.HOURS_CONFIRM, replace(service.place_of(record), subject=subject))
    if service.conflicted_on(actor, record):
        raise service.own_record_refused(
            actor,
            "hours.correction",
            [record.id],
            member_id=record.member_id,
            message="不能处理本人的更正申请",
        )
    db.session.refresh(correction)  # as it stands now that the record is locked
    if correction.status != CorrectionStatus.OPEN:
        raise Conflict("该更正申请已处理", code="correction.decided")
    return correction


def accept(
    *, actor: Actor, correction_id: int, reason: str | None = None, origin: Origin | None = None
) -> Correction:
    """Accept: the record's credit becomes the proposed minutes, through the ledger."""
    correction = _decidable(actor, correction_id)
    record = correction.record
    locks.refuse_locked([record])
    by = service.Decision(actor.id, origin)
    entry_reason = reason or correction.reason
    if record.status == RecordStatus.CONFIRMED:
        difference = correction.proposed_minutes - record.credited_minutes
        if difference:
            service.adjust_credit(record, difference, reason=entry_reason, by=by)
    elif record.status == RecordStatus.REJECTED:
        service.confirm_with(record, correction.proposed_minutes, reason=entry_reason, by=by)
    else:  # voided since the request was made
        raise Conflict("该记录已作废，不能再更正", code="record.not_correctable")
    _decide(correction, actor, CorrectionStatus.ACCEPTED, reason)
    return correction


def reject(*, actor: Actor, correction_id: int, reason: str) -> Correction:
    """Reject the request with a reason; the record stays as it is."""
    correction = _decidable(actor, correction_id)
    _decide(correction, actor, CorrectionStatus.REJECTED, reason)
    return correction


def _decide(
    correction: Correction, actor: Actor, status: CorrectionStatus, reason: str | None
) -> None:
    correction.status, correction.decision_reason = status, reason
    correction.decided_by_id, correction.decided_at = actor.id, clock.now()
    notify.decided(
        Event.CORRECTION_DECIDED,
        member_id=correction.member_id,
        approved=status == CorrectionStatus.ACCEPTED,
        reason=reason,
        task=correction.record.activity_name,
        record_id=correction.record_id,
        correction_id=correction.id,
    )
    db.session.flush()
