"""Period locks (关账): locking an ended period, unlocking it, and the org_admin's adjustment of
a record in a locked period."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import ReasonIn, Shown
from sunshine.audit import locking
from sunshine.audit.models import Period
from sunshine.audit.schemas import LockedAdjustmentIn, PeriodOut
from sunshine.auth.current import current_actor, request_origin, requires
from sunshine.extensions import db
from sunshine.hours import views as hours_views
from sunshine.hours.schemas import RecordDetailOut

blp = Blueprint("locks", __name__, url_prefix="/api/v1", description="考核周期锁定")


@blp.route("/periods/<int:period_id>/lock")
class PeriodLock(MethodView):
    @requires(Permission.PERIOD_LOCK)
    @blp.response(200, PeriodOut)
    @blp.alt_response(404, description="周期不存在（period.not_found）")
    @blp.alt_response(
        409, description="周期尚未结束（period.not_ended），或已锁定（period.already_locked）"
    )
    def post(self, period_id: int) -> Period:
        """锁定已结束的考核周期

        本市组织部可调用。锁定后，服务日期在该周期内的记录不能再确认、驳回、调整或作废
        （period.locked），只有组织部可填写原因调整。周期最后一天是今天或之后的不能锁定
        （period.not_ended）。记入安全日志。
        """
        period = locking.lock(actor=current_actor(), period_id=period_id, origin=request_origin())
        db.session.commit()
        return period


@blp.route("/periods/<int:period_id>/unlock")
class PeriodUnlock(MethodView):
    @requires(Permission.PERIOD_LOCK)
    @blp.arguments(ReasonIn)
    @blp.response(200, PeriodOut)
    @blp.alt_response(404, description="周期不存在（period.not_found）")
    @blp.alt_response(409, description="周期未锁定（period.not_locked）")
    def post(self, data: dict[str, Any], period_id: int) -> Period:
        """解除考核周期的锁定（须填写原因）

        本市组织部可调用；解除后周期内的记录恢复可处理。原因记入安全日志。
        """
        period = locking.unlock(
            actor=current_actor(),
            period_id=period_id,
            reason=data["reason"],
            origin=request_origin(),
        )
        db.session.commit()
        return period


@blp.route("/periods/<int:period_id>/adjustments")
class LockedPeriodAdjustments(MethodView):
    @requires(Permission.HOURS_ADJUST_LOCKED)
    @blp.arguments(LockedAdjustmentIn)
    @blp.response(201, RecordDetailOut)
    @blp.alt_response(404, description="周期或记录不存在（period.not_found、record.not_found）")
    @blp.alt_response(
        409,
        description="周期未锁定（period.not_locked）；记录不是已确认状态（record.not_confirmed）；"
        "调整后小于零或超过 24 小时（record.below_zero、record.too_long、ledger.below_zero）",
    )
    def post(self, data: dict[str, Any], period_id: int) -> Shown:
        """组织部调整已锁定周期内的服务记录（须填写原因）

        本市组织部可调用，只用于已锁定的周期：调整即时入账（记账时间为现在），按记录的服务日期
        计入该周期，并记入安全日志。记录须在该周期内、属于该市（record.outside_period，422），
        且为已确认状态；不能调整本人的记录（record.own，403）。周期未锁定时由社区、街道按常规调整
        （period.not_locked）。
        """
        actor = current_actor()
        record = locking.adjust_locked(
            actor=actor, period_id=period_id, origin=request_origin(), **data
        )
        db.session.commit()
        return hours_views.view(actor, record, with_entries=True)
