"""Service records: the admins' listing and its totals, one record, the decisions on records,
and a member's own records and hours. Corrections and approval policies have modules of their
own (``correction_routes``, ``policy_routes``)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine import clock
from sunshine.access.permissions import Permission
from sunshine.api import ReasonIn, Shown
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.extensions import db
from sunshine.hours import service, views
from sunshine.hours.models import ServiceRecord
from sunshine.hours.schemas import (
    AdjustmentIn,
    BulkConfirmIn,
    HoursOut,
    MyRecordArgs,
    MyRecordPage,
    RecordDetailOut,
    RecordFilterArgs,
    RecordListArgs,
    RecordOut,
    RecordPage,
    RecordTotalsOut,
    YearArgs,
)
from sunshine.pagination import CursorPage

blp = Blueprint("hours", __name__, url_prefix="/api/v1", description="服务记录、时长与积分")


def _record(record: ServiceRecord) -> Shown:
    return views.view(current_actor(), record, with_entries=True)


# Records ---------------------------------------------------------------------------------------


@blp.route("/service-records")
class Records(MethodView):
    @requires(Permission.HOURS_READ)
    @blp.arguments(RecordListArgs, location="query")
    @blp.response(200, RecordPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖范围内的服务记录（新的在前）

        社区、街道管理员与组织部可调用。可按党员（member_id）、所在单位（unit_id）、组织区域
        （area_id：社区、街道或市）、服务日期（from、to，含两端）、状态（status）、标记（flag：
        forgot_checkout、low_accuracy、hand_recorded、walk_in、code_holder 或 overdue）、
        是否超期（overdue）、班次（shift_id）筛选；开始日期晚于结束日期、未知的标记为 422。合计见
        GET /service-records/totals。
        """
        return views.list_records(
            actor=current_actor(),
            limit=args.pop("limit"),
            after_id=args.pop("cursor", None),
            filters=views.RecordFilter(**args),
        )


@blp.route("/service-records/totals")
class RecordTotals(MethodView):
    @requires(Permission.HOURS_READ)
    @blp.arguments(RecordFilterArgs, location="query")
    @blp.response(200, RecordTotalsOut)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> views.RecordTotals:
        """服务记录合计（条数、申报分钟数、认定分钟数）

        与 GET /service-records 相同的管辖范围与筛选条件（不含 cursor、limit），合计全部符合
        条件的记录，并按状态分列。认定分钟数是各记录账本条目之和（只有已确认的记录不为零）。
        """
        return views.record_totals(actor=current_actor(), filters=views.RecordFilter(**args))


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
    @requires(Permission.HOURS_CONFIRM)
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
    @requires(Permission.HOURS_CONFIRM)
    @blp.arguments(BulkConfirmIn)
    @blp.response(200, RecordOut(many=True))
    @blp.alt_response(
        404, description="有记录不存在或不在管辖范围内（record.not_found，fields.ids 列出）"
    )
    @blp.alt_response(
        409, description="有记录不是待确认状态（record.not_pending，fields.ids 列出）"
    )
    def post(self, data: dict[str, Any]) -> list[Shown]:
        """批量确认服务记录（全部成功或全部不做）

        有记录不存在或不在管辖范围内（两者同样答复 record.not_found，404）、是本人的（403）、
        不是待确认（record.not_pending，409）时一条也不确认，并列出这些 id。
        """
        actor = current_actor()
        records = service.confirm_many(actor=actor, record_ids=data["ids"], origin=request_origin())
        db.session.commit()
        return [views.view(actor, r) for r in records]


@blp.route("/service-records/<bigid:record_id>/reject")
class RecordReject(MethodView):
    @requires(Permission.HOURS_CONFIRM)
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
    @requires(Permission.HOURS_CONFIRM)
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
    @requires(Permission.HOURS_CONFIRM)
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
