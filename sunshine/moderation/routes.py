"""The content check's review: held public text, approved or rejected by an admin."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.extensions import db
from sunshine.moderation import service, views
from sunshine.moderation.models import ContentCheck
from sunshine.moderation.schemas import (
    ApproveIn,
    ContentCheckListArgs,
    ContentCheckOut,
    ContentCheckPage,
    RejectIn,
)
from sunshine.pagination import CursorPage

blp = Blueprint("moderation", __name__, url_prefix="/api/v1", description="内容安全审核")

_DECIDE_403 = "不在管辖范围（auth.forbidden），或审核自己提交的内容（content_check.own）"


@blp.route("/content-checks")
class ContentChecks(MethodView):
    @requires(Permission.CONTENT_REVIEW)
    @blp.arguments(ContentCheckListArgs, location="query")
    @blp.response(200, ContentCheckPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖范围内待审核的内容（新的在前）

        街道管理员与组织部可调用；默认列出待人工审核（review）和待微信复查（pending）的内容。
        """
        return views.list_checks(
            actor=current_actor(),
            limit=args["limit"],
            after_id=args.get("cursor"),
            status=args.get("status"),
            area_id=args.get("area_id"),
        )


@blp.route("/content-checks/<bigid:check_id>")
class ContentCheckDetail(MethodView):
    @login_required
    @blp.response(200, ContentCheckOut)
    @blp.alt_response(404, description="审核记录不存在（content_check.not_found）")
    def get(self, check_id: int) -> ContentCheck:
        """一条内容审核记录（含待审核的文字）

        管辖范围内的街道管理员与组织部，或这段文字的作者（查看审核进度）可调用。
        """
        return views.check_for(actor=current_actor(), check_id=check_id)


@blp.route("/content-checks/<bigid:check_id>/approve")
class ContentCheckApprove(MethodView):
    @requires(Permission.CONTENT_REVIEW)
    @blp.arguments(ApproveIn)
    @blp.response(200, ContentCheckOut)
    @blp.alt_response(403, description=_DECIDE_403)
    @blp.alt_response(404, description="审核记录不存在（content_check.not_found）")
    @blp.alt_response(409, description="该内容已处理（content_check.decided）")
    def post(self, data: dict[str, Any], check_id: int) -> ContentCheck:
        """审核通过：内容随即显示（如发布任务、采用修改）"""
        check = service.decide(
            actor=current_actor(),
            check_id=check_id,
            approve=True,
            reason=data["reason"],
            origin=request_origin(),
        )
        db.session.commit()
        return check


@blp.route("/content-checks/<bigid:check_id>/reject")
class ContentCheckReject(MethodView):
    @requires(Permission.CONTENT_REVIEW)
    @blp.arguments(RejectIn)
    @blp.response(200, ContentCheckOut)
    @blp.alt_response(403, description=_DECIDE_403)
    @blp.alt_response(404, description="审核记录不存在（content_check.not_found）")
    @blp.alt_response(409, description="该内容已处理（content_check.decided）")
    def post(self, data: dict[str, Any], check_id: int) -> ContentCheck:
        """审核不通过：内容不予显示，须填写原因"""
        check = service.decide(
            actor=current_actor(),
            check_id=check_id,
            approve=False,
            reason=data["reason"],
            origin=request_origin(),
        )
        db.session.commit()
        return check
