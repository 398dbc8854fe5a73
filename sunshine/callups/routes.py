"""Call-ups for street and org admins: create, propose, adjust, confirm, cancel."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import ReasonIn, Shown
from sunshine.auth.current import current_actor, request_origin, requires
from sunshine.callups import service, views
from sunshine.callups.schemas import (
    AssignmentIn,
    AssignmentOut,
    CallUpIn,
    CallUpListArgs,
    CallUpOut,
    CallUpPage,
)
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("callups", __name__, url_prefix="/api/v1", description="动员")


@blp.route("/call-ups")
class CallUps(MethodView):
    @requires(Permission.CALLUP_MANAGE)
    @blp.arguments(CallUpListArgs, location="query")
    @blp.response(200, CallUpPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖街道与城市的动员（新的在前）

        街道管理员与组织部可调用。
        """
        return views.list_call_ups(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
        )

    @requires(Permission.CALLUP_MANAGE)
    @blp.arguments(CallUpIn)
    @blp.response(201, CallUpOut)
    @blp.alt_response(404, description="区域不存在（area.not_found）")
    def post(self, data: dict[str, Any]) -> Shown:
        """新建动员草稿

        某个街道或全市某一天的动员，附若干岗位（已发布任务的班次）。
        范围须是街道或市（callup.bad_area），日期不能已过（callup.bad_day），
        岗位须在该日期和范围内、已发布且不重复（callup.bad_posts）；以上为 422。
        """
        call_up = service.create(actor=current_actor(), **data)
        db.session.commit()
        return views.detail(call_up)


@blp.route("/call-ups/<int:call_up_id>")
class CallUpDetail(MethodView):
    @requires(Permission.CALLUP_MANAGE)
    @blp.response(200, CallUpOut)
    def get(self, call_up_id: int) -> Shown:
        """动员详情

        各岗位的名额与安排、谁被安排在哪里及理由、合计。
        """
        return views.detail(service.get(actor=current_actor(), call_up_id=call_up_id))


@blp.route("/call-ups/<int:call_up_id>/proposal")
class CallUpProposal(MethodView):
    @requires(Permission.CALLUP_MANAGE)
    @blp.response(200, CallUpOut)
    @blp.alt_response(409, description="动员已确认或已取消（callup.not_editable）")
    def post(self, call_up_id: int) -> Shown:
        """生成人员安排建议

        替换上一次的建议，保留手工安排。
        """
        call_up = service.propose(actor=current_actor(), call_up_id=call_up_id)
        db.session.commit()
        return views.detail(call_up)


@blp.route("/call-ups/<int:call_up_id>/assignments")
class CallUpAssignments(MethodView):
    @requires(Permission.CALLUP_MANAGE)
    @blp.arguments(AssignmentIn)
    @blp.response(201, AssignmentOut)
    @blp.alt_response(
        409,
        description="动员已确认或已取消（callup.not_editable）、岗位已满（callup.post_full）、"
        "已在本次动员中（callup.already_assigned）"
        "或当时有其他安排（callup.member_busy）",
    )
    def post(self, data: dict[str, Any], call_up_id: int) -> Shown:
        """手工安排党员到岗位

        岗位须属于本次动员、党员须能报名该岗位（422：callup.post_not_found、
        callup.member_not_eligible）。
        """
        assignment = service.assign(
            actor=current_actor(),
            call_up_id=call_up_id,
            **data,
        )
        db.session.commit()
        return views.assignment(assignment)


@blp.route("/call-ups/<int:call_up_id>/assignments/<int:assignment_id>")
class CallUpAssignment(MethodView):
    @requires(Permission.CALLUP_MANAGE)
    @blp.response(204)
    @blp.alt_response(409, description="动员已确认或已取消（callup.not_editable）")
    def delete(self, call_up_id: int, assignment_id: int) -> None:
        """从动员中移除一项安排"""
        service.unassign(actor=current_actor(), call_up_id=call_up_id, assignment_id=assignment_id)
        db.session.commit()


@blp.route("/call-ups/<int:call_up_id>/confirm")
class CallUpConfirm(MethodView):
    @requires(Permission.CALLUP_MANAGE)
    @blp.response(200, CallUpOut)
    @blp.alt_response(
        409,
        description="有人员已不能安排（callup.assignments_invalid，逐一列出）、"
        "尚无安排（callup.empty），或动员已确认、已取消（callup.not_editable）；"
        "不写入任何内容",
    )
    def post(self, call_up_id: int) -> Shown:
        """确认动员

        每项安排变为一个为党员保留的名额和一条邀请，全部成功或一条也不写。党员可谢绝邀请，
        谢绝即放弃名额。
        """
        call_up = service.confirm(
            actor=current_actor(), call_up_id=call_up_id, origin=request_origin()
        )
        db.session.commit()
        return views.detail(call_up)


@blp.route("/call-ups/<int:call_up_id>/cancel")
class CallUpCancel(MethodView):
    @requires(Permission.CALLUP_MANAGE)
    @blp.arguments(ReasonIn)
    @blp.response(200, CallUpOut)
    @blp.alt_response(409, description="动员已确认或已取消（callup.not_editable）")
    def post(self, data: dict[str, Any], call_up_id: int) -> Shown:
        """取消尚未确认的动员（须填写原因）"""
        call_up = service.cancel(
            actor=current_actor(), call_up_id=call_up_id, reason=data["reason"]
        )
        db.session.commit()
        return views.detail(call_up)
