"""Feedback to work units (双报到反馈): issuing, reading, the PDF, and a member's own."""

from __future__ import annotations

from typing import Any

from flask import Response
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import Shown
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.extensions import db
from sunshine.feedback import documents, service, views
from sunshine.feedback.schemas import (
    FeedbackListArgs,
    FeedbackOut,
    FeedbackSummaryPage,
    IssuedOut,
    IssueIn,
    LineArgs,
    LinePage,
    MyLinePage,
)
from sunshine.openapi import BINARY
from sunshine.pagination import CursorPage

blp = Blueprint("feedback", __name__, url_prefix="/api/v1", description="双报到反馈")

_UNKNOWN = "反馈不存在（unit_feedback.not_found）"


@blp.route("/periods/<int:period_id>/unit-feedback")
class PeriodUnitFeedback(MethodView):
    @requires(Permission.UNIT_FEEDBACK_ISSUE)
    @blp.arguments(IssueIn)
    @blp.response(201, IssuedOut)
    @blp.alt_response(404, description="周期或单位不存在（period.not_found、unit.not_found）")
    @blp.alt_response(409, description="周期尚未结束（period.not_ended）")
    @blp.alt_response(422, description="单位不属于该周期所在的市（unit.wrong_city）")
    def post(self, data: dict[str, Any], period_id: int) -> dict[str, Any]:
        """向单位发出本周期的双报到反馈（新的一版）

        本市组织部可调用；周期结束后才能发出，锁定周期时自动发出。给出 unit_id 时只发给该单位，
        否则发给本市有党员计入本周期的每个单位。每次发出都是新的一版，此前的版本不再有效。
        同意向单位反馈的党员列出明细，其余显示为“未授权”。记入安全日志。
        """
        issued = service.issue(
            actor=current_actor(), period_id=period_id, origin=request_origin(), **data
        )
        db.session.commit()
        return {"items": issued}


@blp.route("/unit-feedback")
class UnitFeedbackList(MethodView):
    @requires(Permission.UNIT_FEEDBACK_READ)
    @blp.arguments(FeedbackListArgs, location="query")
    @blp.response(200, FeedbackSummaryPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """本单位收到的双报到反馈（新的在前）

        单位管理员看本单位的，组织部看本市各单位的；默认只列有效的一版（all_versions 为 true
        时含此前各版）。
        """
        return views.list_feedback(
            actor=current_actor(),
            period_id=args.get("period_id"),
            unit_id=args.get("unit_id"),
            all_versions=args["all_versions"],
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/unit-feedback/<int:feedback_id>")
class UnitFeedbackDetail(MethodView):
    @requires(Permission.UNIT_FEEDBACK_READ)
    @blp.response(200, FeedbackOut)
    @blp.alt_response(404, description=_UNKNOWN)
    def get(self, feedback_id: int) -> Shown:
        """一版双报到反馈及其人数（含未授权人数）

        本单位管理员与本市组织部可调用，其他单位的为 403。shown 为现在可见明细的人数，
        unauthorized 为显示“未授权”的人数（发出后撤回同意的也计入）。记入安全日志。
        """
        feedback = views.detail(
            actor=current_actor(), feedback_id=feedback_id, origin=request_origin()
        )
        db.session.commit()  # the read's security-log entry
        return feedback


@blp.route("/unit-feedback/<int:feedback_id>/lines")
class UnitFeedbackLines(MethodView):
    @requires(Permission.UNIT_FEEDBACK_READ)
    @blp.arguments(LineArgs, location="query")
    @blp.response(200, LinePage)
    @blp.alt_response(404, description=_UNKNOWN)
    def get(self, args: dict[str, Any], feedback_id: int) -> CursorPage:
        """一版双报到反馈的逐人明细（按表中顺序）

        同意向单位反馈的党员：报到社区、服务次数与时长、考核评价、达标情况；其余只有姓名，
        显示为“未授权”（authorized 为 false）。记入安全日志。
        """
        page = views.lines(
            actor=current_actor(),
            feedback_id=feedback_id,
            after_id=args.get("cursor"),
            limit=args["limit"],
            origin=request_origin(),
        )
        db.session.commit()
        return page


@blp.route("/unit-feedback/<int:feedback_id>/pdf")
class UnitFeedbackPdf(MethodView):
    @requires(Permission.UNIT_FEEDBACK_READ)
    @blp.response(200, BINARY, content_type="application/pdf")
    @blp.alt_response(404, description=_UNKNOWN)
    @blp.alt_response(503, description="服务器缺少中文字体（statement.font_missing）")
    def get(self, feedback_id: int) -> Response:
        """下载一版双报到反馈（可打印的 PDF）

        本单位管理员与本市组织部可调用；XLSX 表格用 POST /exports（kind 为 unit_feedback）。
        下载记入安全日志。
        """
        name, content = documents.pdf_for(
            actor=current_actor(), feedback_id=feedback_id, origin=request_origin()
        )
        db.session.commit()
        return Response(
            content,
            mimetype="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="{name}"'},
        )


@blp.route("/me/unit-feedback")
class MyUnitFeedback(MethodView):
    @login_required
    @blp.arguments(LineArgs, location="query")
    @blp.response(200, MyLinePage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """双报到反馈中关于本人的内容（新的在前）

        每一版反馈向单位说了什么：未同意时单位只看到“未授权”（consented 为 false）；
        shown_to_unit 说明单位现在能否看到这些内容（撤回同意后即不能）。
        """
        return views.mine(actor=current_actor(), after_id=args.get("cursor"), limit=args["limit"])
