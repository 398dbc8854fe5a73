"""Corrections: a member asks for other minutes on a decided record, the community decides."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import OptionalReasonIn, ReasonIn
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.extensions import db
from sunshine.hours import corrections, views
from sunshine.hours.models import Correction
from sunshine.hours.schemas import CorrectionIn, CorrectionListArgs, CorrectionOut, CorrectionPage
from sunshine.pagination import CursorPage

blp = Blueprint("corrections", __name__, url_prefix="/api/v1", description="服务记录更正申请")


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
    @requires(Permission.HOURS_READ)
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
    @requires(Permission.HOURS_CONFIRM)
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
    @requires(Permission.HOURS_CONFIRM)
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
