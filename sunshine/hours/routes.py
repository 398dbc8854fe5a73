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
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖社区的服务记录（新的在前）

        社区、街道管理员与组织部可调用；可按状态、是否超期（overdue）、区域、班次筛选。
        """
        return views.list_records(
            actor=current_actor(),
            limit=args.pop("limit"),
            after_id=args.pop("cursor", None),
            filters=views.RecordFilter(**args),
        )


@blp.route("/service-records/<bigid:record_id>")
class RecordDetail(MethodView):
    @login_required
    @blp.response(200, RecordDetailOut)
    def get(self, record_id: int) -> Shown:
        """服务记录详情（含账本明细）

        本人或管辖该社区的管理员可看；其他人得到 404（record.not_found）。
        """
        return views.record_for(actor=current_actor(), record_id=record_id)


@blp.route("/service-records/<bigid:record_id>/confirm")
class RecordConfirm(MethodView):
    @login_required
    @blp.response(200, RecordDetailOut)
    @blp.alt_response(409, description="不是待确认状态（record.not_pending）")
    def post(self, record_id: int) -> Shown:
        """确认一条待确认的服务记录

        确认后时长与积分入账。社区、街道管理员可调用；不能确认本人的记录（record.own，403）。
        """
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
    @blp.alt_response(404, description="有记录不存在（record.not_found，fields.ids 列出）")
    @blp.alt_response(
        409, description="有记录不是待确认状态（record.not_pending，fields.ids 列出）"
    )
    def post(self, data: dict[str, Any]) -> list[Shown]:
        """批量确认服务记录（全部成功或全部不做）

        有记录不存在（record.not_found，404）、不在管辖范围或是本人的（403）、
        不是待确认（record.not_pending，409）时一条也不确认，并列出这些 id。
        """
        actor = current_actor()
        records = service.confirm_many(actor=actor, record_ids=data["ids"], origin=request_origin())
        db.session.commit()
        return [views.view(actor, r) for r in records]


@blp.route("/service-records/<bigid:record_id>/reject")
class RecordReject(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, RecordDetailOut)
    @blp.alt_response(409, description="不是待确认状态（record.not_pending）")
    def post(self, data: dict[str, Any], record_id: int) -> Shown:
        """驳回服务记录（须填写原因）

        不能驳回本人的记录（record.own，403）。被驳回的记录本人可申请更正。
        """
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
    @blp.alt_response(409, description="不是已确认状态（record.not_confirmed）")
    def post(self, data: dict[str, Any], record_id: int) -> Shown:
        """作废已确认的服务记录（须填写原因）

        已入账的时长与积分扣回。不能作废本人的记录（record.own，403）。
        """
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
    @blp.alt_response(
        409,
        description="不是已确认状态（record.not_confirmed），或调整后小于零、"
        "超过 24 小时（record.below_zero、record.too_long）",
    )
    def post(self, data: dict[str, Any], record_id: int) -> Shown:
        """调整已确认记录的时长（须填写原因）

        可增可减，积分随之调整。调整后不能小于零（record.below_zero）
        或超过 24 小时（record.too_long）；不能调整本人的记录（record.own，403）。
        """
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
        """我的服务记录（新的在前）"""
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
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> views.YearSummary:
        """我某一年的服务时长与积分

        已确认的时长对照年度要求；不给 year 时为今年。
        """
        year = args.get("year") or clock.today().year
        return views.my_year(actor=current_actor(), year=year)


# Corrections -----------------------------------------------------------------------------------


@blp.route("/service-records/<bigid:record_id>/corrections")
class RecordCorrections(MethodView):
    @login_required
    @blp.arguments(CorrectionIn)
    @blp.response(201, CorrectionOut)
    @blp.alt_response(
        404,
        description="记录不存在或不是本人的（record.not_found）；尚未注册（member.not_registered）",
    )
    @blp.alt_response(
        409,
        description="记录不可更正（record.not_correctable）"
        "或已有待处理的申请（correction.open_exists）",
    )
    def post(self, data: dict[str, Any], record_id: int) -> Correction:
        """对本人的服务记录申请更正

        只有已确认或已驳回的记录可以申请（record.not_correctable）；
        申请的时长须与当前不同（correction.no_change，422）；
        同一记录同时只能有一条待处理的申请（correction.open_exists）。由管辖该社区的管理员处理。
        """
        correction = corrections.request(actor=current_actor(), record_id=record_id, **data)
        db.session.commit()
        return correction


@blp.route("/me/corrections")
class MyCorrections(MethodView):
    @login_required
    @blp.arguments(CorrectionListArgs, location="query")
    @blp.response(200, CorrectionPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """我的更正申请（新的在前）

        `status=open` 只看待处理的。
        """
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
        """管辖社区的更正申请（新的在前）"""
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
    @blp.alt_response(
        409,
        description="申请已处理（correction.decided），或记录已不可更正（record.not_correctable）",
    )
    def post(self, data: dict[str, Any], correction_id: int) -> Correction:
        """接受更正申请

        记录按申请的时长重新认定（已驳回的记录随之确认），时长与积分随之调整。
        不能处理本人的申请（record.own，403）。
        """
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
    @blp.alt_response(409, description="申请已处理（correction.decided）")
    def post(self, data: dict[str, Any], correction_id: int) -> Correction:
        """驳回更正申请（须填写原因）

        不能处理本人的申请（record.own，403）。
        """
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
    @blp.alt_response(422, description="区域不是社区或街道（area.wrong_level）")
    def get(self, area_id: int) -> policy.EffectivePolicy:
        """社区（或街道）的服务记录审批方式

        并说明是本级的设置，还是沿用所属街道的（inherited_from）。区域须是社区或街道（area.wrong_level）。
        """
        return policy.get_policy(actor=current_actor(), area_id=area_id)

    @login_required
    @blp.arguments(PolicyIn)
    @blp.response(200, PolicyOut)
    def put(self, data: dict[str, Any], area_id: int) -> policy.EffectivePolicy:
        """设置社区（或街道）的审批方式

        人工确认、自动确认，或低于阈值自动确认；只有最后一种需要阈值（policy.bad_threshold，422）。
        社区、街道管理员可调用；区域须是社区或街道（area.wrong_level）。
        """
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
        """某一年的节假日与调休工作日

        只列出与周一至周五规则不同的日子；不给 year 时为今年。系统管理员与组织部可调用。
        """
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
        """设置一天为节假日或调休工作日

        workday 为 false：节假日；为 true：周末调休上班。新增时 201，修改时 200。
        系统管理员与组织部可调用。
        """
        holiday, created = calendar.set_holiday(actor=current_actor(), day=day, **data)
        db.session.commit()
        return holiday, 201 if created else 200

    @login_required
    @blp.arguments(HolidayDay, location="path", as_kwargs=True)
    @blp.response(204)
    @blp.alt_response(404, description="该日期没有节假日设置（holiday.not_found）")
    def delete(self, day: date) -> None:
        """删除一天的节假日设置

        该天恢复按周一至周五计算。
        """
        calendar.delete_holiday(actor=current_actor(), day=day)
        db.session.commit()
