"""Anomalies (异常) the detectors found, their review and the community's answer."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.anomalies import service, views
from sunshine.anomalies.schemas import (
    AnomalyAnswerIn,
    AnomalyListArgs,
    AnomalyOut,
    AnomalyPage,
    AnomalyReviewIn,
)
from sunshine.api import Shown
from sunshine.auth.current import current_actor, request_origin, requires
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("anomalies", __name__, url_prefix="/api/v1", description="异常复核")


@blp.route("/anomalies")
class Anomalies(MethodView):
    @requires(Permission.ANOMALY_READ)
    @blp.arguments(AnomalyListArgs, location="query")
    @blp.response(200, AnomalyPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖范围内的异常（新的在前）

        街道管理员与组织部看到范围内的全部异常；社区管理员只看到退回本社区的异常。
        可按类型、状态、街道或社区（area_id）、党员、日期筛选。
        """
        return views.list_anomalies(
            actor=current_actor(),
            limit=args["limit"],
            after_id=args.get("cursor"),
            kind=args.get("kind"),
            status=args.get("status"),
            area_id=args.get("area_id"),
            member_id=args.get("member_id"),
            day_from=args.get("day_from"),
            day_to=args.get("day_to"),
        )


@blp.route("/anomalies/<bigid:anomaly_id>")
class AnomalyDetail(MethodView):
    @requires(Permission.ANOMALY_READ)
    @blp.response(200, AnomalyOut)
    @blp.alt_response(404, description="异常不存在或不在管辖范围内（anomaly.not_found）")
    def get(self, anomaly_id: int) -> Shown:
        """异常详情（含证据：服务记录、打卡、账本明细、安全日志）"""
        return views.anomaly_for(actor=current_actor(), anomaly_id=anomaly_id)


@blp.route("/anomalies/<bigid:anomaly_id>/review")
class AnomalyReview(MethodView):
    @requires(Permission.ANOMALY_REVIEW)
    @blp.arguments(AnomalyReviewIn)
    @blp.response(200, AnomalyOut)
    @blp.alt_response(404, description="异常不存在（anomaly.not_found）")
    @blp.alt_response(
        409,
        description="已复核（anomaly.reviewed）；要作废的记录不是已确认状态"
        "（record.not_confirmed）；不属于社区的异常不能退回（anomaly.not_in_community）",
    )
    def post(self, data: dict[str, Any], anomaly_id: int) -> Shown:
        """复核异常：无问题、作废记录或退回社区

        街道管理员与组织部可调用，每条异常只复核一次。作废记录（void_record）须填写说明，
        作为作废原因；退回社区（send_back）须填写说明。
        """
        anomaly = service.review(
            actor=current_actor(), anomaly_id=anomaly_id, origin=request_origin(), **data
        )
        db.session.commit()
        return views.view(anomaly)


@blp.route("/anomalies/<bigid:anomaly_id>/answer")
class AnomalyAnswer(MethodView):
    @requires(Permission.ANOMALY_ANSWER)
    @blp.arguments(AnomalyAnswerIn)
    @blp.response(200, AnomalyOut)
    @blp.alt_response(404, description="异常不存在（anomaly.not_found）")
    @blp.alt_response(409, description="不是退回社区的异常，或已答复（anomaly.not_sent_back）")
    def post(self, data: dict[str, Any], anomaly_id: int) -> Shown:
        """社区答复退回的异常

        退回本社区的异常，由社区管理员答复一次；答复后异常办结。
        """
        anomaly = service.answer(
            actor=current_actor(), anomaly_id=anomaly_id, origin=request_origin(), **data
        )
        db.session.commit()
        return views.view(anomaly)
