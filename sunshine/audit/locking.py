"""Locking a city's ended period, unlocking it, and the one change a lock still allows.

Locking (``period.lock``, the city's org_admin) closes the books of the period: afterwards
every decision on a record dated in it is refused (``audit.locks``). Refused: a period that
has not ended (its last day is today or later in Asia/Shanghai, 409 ``period.not_ended``),
one already locked (409 ``period.already_locked``); unlocking one that is not (409
``period.not_locked``). Unlocking needs a reason. Both are written to the security log.

The lock takes the city row ``FOR UPDATE`` before the period's: every decision of the city
holds that row ``FOR KEY SHARE`` from its check to its commit (``audit.locks``), so the lock
waits for the decisions in progress and the decisions after it see it.

The exception (``hours.adjust_locked``, the city's org_admin): an adjustment of a confirmed
record dated in the locked period, with a reason, written now to the ledger (its record's
service date puts it in the period) and logged as ``hours.adjust_locked``.

Locking also issues the period's feedback to every work unit of the city with members counted
(``feedback.service.issue_at_lock``), in the same transaction: what the units are told is
what the books were closed with.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.audit import locks
from sunshine.audit.models import Period
from sunshine.errors import Conflict, Forbidden, Invalid, NotFound
from sunshine.extensions import db
from sunshine.feedback import service as feedback
from sunshine.hours import service as hours
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.org.models import Area
from sunshine.security import service as security

if TYPE_CHECKING:
    from sunshine.security.service import Origin


def _period(actor: Actor, permission: Permission, period_id: int) -> tuple[Period, Area]:
    """The period and its city, if the actor holds ``permission`` for the city."""
    require_somewhere(actor, permission)  # before the lookup reveals ids
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound("考核周期不存在", code="period.not_found")
    city = db.session.get_one(Area, period.city_id)
    authorize(actor, permission, Place(area_path=city.path))
    return period, city


def _locked_for_change(period: Period) -> Period:
    """The period as it stands once its city row and its own row are locked."""
    db.session.execute(select(Area.id).where(Area.id == period.city_id).with_for_update()).all()
    return db.session.scalars(
        select(Period)
        .where(Period.id == period.id)
        .with_for_update()
        .execution_options(populate_existing=True)
    ).one()


def _log(
    actor: Actor, origin: Origin | None, action: str, period: Period, **detail: object
) -> None:
    security.record(
        action=action,
        account_id=actor.id,
        origin=origin,
        object_type="period",
        object_id=period.id,
        detail={
            "city_id": period.city_id,
            "kind": period.kind.value,
            "starts_on": period.starts_on.isoformat(),
            "ends_on": period.ends_on.isoformat(),
            **detail,
        },
    )


def lock(*, actor: Actor, period_id: int, origin: Origin | None = None) -> Period:
    """Lock an ended period of the city: its records no longer change."""
    period, _ = _period(actor, Permission.PERIOD_LOCK, period_id)
    period = _locked_for_change(period)
    if period.locked_at is not None:
        raise Conflict(
            f"该考核周期已于 {clock.local(period.locked_at):%Y-%m-%d %H:%M} 锁定",
            code="period.already_locked",
        )
    today = clock.today()
    if period.ends_on >= today:
        raise Conflict(
            f"考核周期到 {period.ends_on.isoformat()} 才结束，结束后才能锁定",
            code="period.not_ended",
        )
    period.locked_at, period.locked_by_id = clock.now(), actor.id
    _log(actor, origin, "audit.period_lock", period)
    db.session.flush()
    # The units hear the figures the books close with (docs/feedback.md).
    feedback.issue_at_lock(period=period, actor=actor, origin=origin)
    return period


def unlock(*, actor: Actor, period_id: int, reason: str, origin: Origin | None = None) -> Period:
    """Unlock a locked period, with a reason: its records can be decided on again."""
    period, _ = _period(actor, Permission.PERIOD_LOCK, period_id)
    period = _locked_for_change(period)
    if period.locked_at is None:
        raise Conflict("该考核周期未锁定", code="period.not_locked")
    locked_at, locked_by_id = period.locked_at, period.locked_by_id
    period.locked_at, period.locked_by_id = None, None
    _log(
        actor,
        origin,
        "audit.period_unlock",
        period,
        reason=reason,
        locked_at=locked_at.isoformat(),
        locked_by_id=locked_by_id,
    )
    db.session.flush()
    return period


def adjust_locked(
    *,
    actor: Actor,
    period_id: int,
    record_id: int,
    minutes: int,
    reason: str,
    origin: Origin | None = None,
) -> ServiceRecord:
    """The org_admin's adjustment of a confirmed record dated in a locked period.

    The entry is written now, like any adjustment; the record's service date attributes it
    to the period. The record must lie in the period's city and days (422
    ``record.outside_period``), the period must still be locked (409 ``period.not_locked``:
    otherwise the community adjusts as usual), and the adjustment's own limits apply.
    """
    period, city = _period(actor, Permission.HOURS_ADJUST_LOCKED, period_id)
    record = hours.get_record(record_id, lock=True)
    if not (
        city.contains(record.area_path)
        and period.starts_on <= record.service_date <= period.ends_on
    ):
        raise Invalid(
            f"该服务记录不在此考核周期（{locks.describe(period)}）内",
            code="record.outside_period",
            fields={"record_id": ["服务日期不在该周期内，或不属于该市"]},
        )
    if hours.conflicted_on(actor, record):
        raise Forbidden("不能确认或修改本人的服务记录", code="record.own")
    locks.hold_cities([period.city_id])  # an unlock waits for this adjustment (records, then city)
    db.session.refresh(period)
    if period.locked_at is None:
        raise Conflict("该考核周期未锁定，请由社区或街道按常规调整", code="period.not_locked")
    if record.status != RecordStatus.CONFIRMED:
        raise Conflict(
            f"该服务记录当前状态为{hours.STATUS_LABELS[record.status]}，不能进行此操作",
            code="record.not_confirmed",
        )
    hours.adjust_credit(
        record,
        minutes,
        reason=reason,
        by=hours.Decision(actor.id, origin),
        locked_period_id=period.id,
    )
    db.session.flush()
    return record
