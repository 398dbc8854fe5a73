"""Service records, their confirmation and corrections, approval policies and holidays."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine import clock
from sunshine.api import OptionalReasonIn, ReasonIn, Shown
from sunshine.auth.current import current_actor, login_required, request_origin
from sunshine.extensions import db
from sunshine.hours import calendar, corrections, policy, service, views
from sunshine.hours.models import Correction, Holiday, ServiceRecord
from sunshine.hours.schemas import (
    AdjustmentIn,
    BulkConfirmIn,
    CorrectionIn,
    CorrectionListArgs,
    CorrectionOut,
    CorrectionPage,
    HolidayDay,
    HolidayIn,
    HolidayOut,
    HoursOut,
    MyRecordArgs,
    MyRecordPage,
    PolicyIn,
    PolicyOut,
    RecordDetailOut,
    RecordListArgs,
    RecordOut,
    RecordPage,
    YearArgs,
)
from sunshine.pagination import CursorPage

blp = Blueprint("hours", __name__, url_prefix="/api/v1", description="服务记录、时长与积分")


def _record(record: ServiceRecord) -> Shown:
    return views.view(current_actor(), record, with_entries=True)


# Records ---------------------------------------------------------------------------------------


@blp.route("/service-records")
class Records(MethodView):
    @login_required
    @blp.arguments(RecordListArgs, location="query")
    @blp.response(200, RecordPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Service records of the caller's communities, newest first."""
        return views.list_records(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            overdue=args.get("overdue"),
            area_id=args.get("area_id"),
            shift_id=args.get("shift_id"),
            after_id=args.get("cursor"),
        )


@blp.route("/service-records/<bigid:record_id>")
class RecordDetail(MethodView):
    @login_required
    @blp.response(200, RecordDetailOut)
    def get(self, record_id: int) -> Shown:
        """One service record with its ledger entries (the member, or an admin in scope)."""
        return views.record_for(actor=current_actor(), record_id=record_id)


@blp.route("/service-records/<bigid:record_id>/confirm")
class RecordConfirm(MethodView):
    @login_required
    @blp.response(200, RecordDetailOut)
    @blp.alt_response(409, description="不是待确认状态")
    def post(self, record_id: int) -> Shown:
        """Confirm a pending record: its minutes and points are credited."""
        record = service.confirm(
            actor=current_actor(), record_id=record_id, origin=request_origin()
        )
        db.session.commit()
        return _record(record)


@blp.route("/service-records/confirm")
class RecordsConfirm(MethodView):
    @login_required
    @blp.arguments(BulkConfirmIn)
    @blp.response(200, RecordOut(many=True))
    @blp.alt_response(404, description="有记录不存在（fields.ids 列出）")
    @blp.alt_response(409, description="有记录不是待确认状态（fields.ids 列出）")
    def post(self, data: dict[str, Any]) -> list[Shown]:
        """Confirm several pending records, all or none."""
        actor = current_actor()
        records = service.confirm_many(actor=actor, record_ids=data["ids"], origin=request_origin())
        db.session.commit()
        return [views.view(actor, r) for r in records]


@blp.route("/service-records/<bigid:record_id>/reject")
class RecordReject(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, RecordDetailOut)
    @blp.alt_response(409, description="不是待确认状态")
    def post(self, data: dict[str, Any], record_id: int) -> Shown:
        """Reject a pending record, with a reason."""
        record = service.reject(
            actor=current_actor(),
            record_id=record_id,
            reason=data["reason"],
            origin=request_origin(),
        )
        db.session.commit()
        return _record(record)


@blp.route("/service-records/<bigid:record_id>/void")
class RecordVoid(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, RecordDetailOut)
    @blp.alt_response(409, description="不是已确认状态")
    def post(self, data: dict[str, Any], record_id: int) -> Shown:
        """Void a confirmed record, with a reason: its credit is taken back."""
        record = service.void(
            actor=current_actor(),
            record_id=record_id,
            reason=data["reason"],
            origin=request_origin(),
        )
        db.session.commit()
        return _record(record)


@blp.route("/service-records/<bigid:record_id>/adjustments")
class RecordAdjustments(MethodView):
    @login_required
    @blp.arguments(AdjustmentIn)
    @blp.response(201, RecordDetailOut)
    @blp.alt_response(409, description="不是已确认状态，或调整后小于零")
    def post(self, data: dict[str, Any], record_id: int) -> Shown:
        """Add or take away minutes on a confirmed record, with a reason."""
        record = service.adjust(
            actor=current_actor(), record_id=record_id, origin=request_origin(), **data
        )
        db.session.commit()
        return _record(record)


@blp.route("/me/service-records")
class MyRecords(MethodView):
    @login_required
    @blp.arguments(MyRecordArgs, location="query")
    @blp.response(200, MyRecordPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """The caller's own service records, newest first."""
        return views.my_records(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            after_id=args.get("cursor"),
        )


@blp.route("/me/hours")
class MyHours(MethodView):
    @login_required
    @blp.arguments(YearArgs, location="query")
    @blp.response(200, HoursOut)
    def get(self, args: dict[str, Any]) -> views.YearSummary:
        """The caller's confirmed hours in a year against the requirement, and points."""
        year = args.get("year") or clock.today().year
        return views.my_year(actor=current_actor(), year=year)


# Corrections -----------------------------------------------------------------------------------


@blp.route("/service-records/<bigid:record_id>/corrections")
class RecordCorrections(MethodView):
    @login_required
    @blp.arguments(CorrectionIn)
    @blp.response(201, CorrectionOut)
    @blp.alt_response(409, description="记录不可更正，或已有待处理的申请")
    def post(self, data: dict[str, Any], record_id: int) -> Correction:
        """Ask for a correction of one's own confirmed or rejected record."""
        correction = corrections.request(actor=current_actor(), record_id=record_id, **data)
        db.session.commit()
        return correction


@blp.route("/me/corrections")
class MyCorrections(MethodView):
    @login_required
    @blp.arguments(CorrectionListArgs, location="query")
    @blp.response(200, CorrectionPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """The caller's correction requests, open ones first."""
        return views.my_corrections(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            after_id=args.get("cursor"),
        )


@blp.route("/corrections")
class Corrections(MethodView):
    @login_required
    @blp.arguments(CorrectionListArgs, location="query")
    @blp.response(200, CorrectionPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Correction requests on records of the caller's communities, newest first."""
        return views.list_corrections(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            after_id=args.get("cursor"),
        )


@blp.route("/corrections/<bigid:correction_id>/accept")
class CorrectionAccept(MethodView):
    @login_required
    @blp.arguments(OptionalReasonIn)
    @blp.response(200, CorrectionOut)
    @blp.alt_response(409, description="已处理，或记录已作废")
    def post(self, data: dict[str, Any], correction_id: int) -> Correction:
        """Accept a correction: the record is credited the proposed minutes."""
        correction = corrections.accept(
            actor=current_actor(),
            correction_id=correction_id,
            reason=data["reason"],
            origin=request_origin(),
        )
        db.session.commit()
        return correction


@blp.route("/corrections/<bigid:correction_id>/reject")
class CorrectionReject(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, CorrectionOut)
    @blp.alt_response(409, description="已处理")
    def post(self, data: dict[str, Any], correction_id: int) -> Correction:
        """Reject a correction, with a reason."""
        correction = corrections.reject(
            actor=current_actor(), correction_id=correction_id, reason=data["reason"]
        )
        db.session.commit()
        return correction


# Approval policy -------------------------------------------------------------------------------


@blp.route("/communities/<int:area_id>/approval-policy")
class CommunityApprovalPolicy(MethodView):
    @login_required
    @blp.response(200, PolicyOut)
    def get(self, area_id: int) -> policy.EffectivePolicy:
        """How a community (or street) confirms records, and where the policy comes from."""
        return policy.get_policy(actor=current_actor(), area_id=area_id)

    @login_required
    @blp.arguments(PolicyIn)
    @blp.response(200, PolicyOut)
    def put(self, data: dict[str, Any], area_id: int) -> policy.EffectivePolicy:
        """Set how a community (or street) confirms: manual, automatic, or below a threshold."""
        effective = policy.set_policy(
            actor=current_actor(), area_id=area_id, origin=request_origin(), **data
        )
        db.session.commit()
        return effective


# Holidays --------------------------------------------------------------------------------------


@blp.route("/holidays")
class Holidays(MethodView):
    @login_required
    @blp.arguments(YearArgs, location="query")
    @blp.response(200, HolidayOut(many=True))
    def get(self, args: dict[str, Any]) -> list[Holiday]:
        """The year's holidays and weekend workdays (the overrides of Monday–Friday)."""
        year = args.get("year") or clock.today().year
        return calendar.holidays_of(actor=current_actor(), year=year)


@blp.route("/holidays/<day>")
class HolidayDetail(MethodView):
    @login_required
    @blp.arguments(HolidayIn)
    @blp.arguments(HolidayDay, location="path", as_kwargs=True)
    @blp.response(200, HolidayOut)
    @blp.alt_response(201, schema=HolidayOut, description="新增")
    def put(self, data: dict[str, Any], day: date) -> tuple[Holiday, int]:
        """Make a day a holiday (workday false) or a weekend day a workday (workday true)."""
        holiday, created = calendar.set_holiday(actor=current_actor(), day=day, **data)
        db.session.commit()
        return holiday, 201 if created else 200

    @login_required
    @blp.arguments(HolidayDay, location="path", as_kwargs=True)
    @blp.response(204)
    def delete(self, day: date) -> None:
        """Remove a day's override: it follows Monday–Friday again."""
        calendar.delete_holiday(actor=current_actor(), day=day)
        db.session.commit()
