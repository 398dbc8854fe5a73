"""Invitations: the suggestions a secretary invites from, the invitations, the member's answer."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import current_app
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, login_required, requires
from sunshine.extensions import db
from sunshine.pagination import CursorPage
from sunshine.tasks import invitations, views
from sunshine.tasks.models import Invitation, Signup
from sunshine.tasks.schemas import (
    InvitationOut,
    InviteIn,
    MyInvitationArgs,
    MyInvitationPage,
    SignupOut,
    SuggestionArgs,
    SuggestionOut,
)

blp = Blueprint("invitations", __name__, url_prefix="/api/v1", description="服务邀请")


@blp.route("/shifts/<int:shift_id>/suggestions")
class ShiftSuggestions(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(SuggestionArgs, location="query")
    @blp.response(200, SuggestionOut(many=True))
    @blp.alt_response(409, description="任务未发布或已取消（shift.not_open）")
    def get(self, args: dict[str, Any], shift_id: int) -> list[invitations.Suggestion]:
        """推荐邀请的党员

        按适合程度排序，附理由。管辖该任务的管理员可调用；班次须可报名（shift.not_open）。
        """
        return invitations.suggestions(
            actor=current_actor(), shift_id=shift_id, limit=args["limit"]
        )


@blp.route("/shifts/<int:shift_id>/invitations")
class ShiftInvitations(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(InviteIn)
    @blp.response(201, InvitationOut(many=True))
    @blp.alt_response(409, description="任务未发布或已取消（shift.not_open）")
    def post(self, data: dict[str, Any], shift_id: int) -> list[Invitation]:
        """邀请党员参加班次

        被邀请的党员都能报名才邀请，否则一个也不邀请：有人不在可见范围、未认证、
        已报名或时间冲突时 422（invitation.not_eligible）。
        """
        created = invitations.invite(
            actor=current_actor(), shift_id=shift_id, member_ids=data["member_ids"]
        )
        db.session.commit()
        return created


@blp.route("/me/invitations")
class MyInvitations(MethodView):
    @login_required
    @blp.arguments(MyInvitationArgs, location="query")
    @blp.response(200, MyInvitationPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """我收到的邀请

        默认只列待答复的（`status=pending`），可按状态筛选。
        """
        return views.my_invitations(actor=current_actor(), **args)


@blp.route("/invitations/<bigid:invitation_id>/accept")
class InvitationAccept(MethodView):
    @login_required
    @blp.response(200, SignupOut)
    @blp.alt_response(
        409, description="邀请已答复（invitation.answered），或不能报名（同报名接口的 409）"
    )
    def post(self, invitation_id: int) -> Signup:
        """接受邀请

        接受即报名（满员时进入候补），报名的各项限制照样适用；
        已答复的邀请不能再答复（invitation.answered）。
        """
        signup = invitations.accept(actor=current_actor(), invitation_id=invitation_id)
        db.session.commit()
        return signup


@blp.route("/invitations/<bigid:invitation_id>/decline")
class InvitationDecline(MethodView):
    @login_required
    @blp.response(200, InvitationOut)
    @blp.alt_response(
        409, description="邀请已答复（invitation.answered），或班次已开始（signup.shift_started）"
    )
    def post(self, invitation_id: int) -> Invitation:
        """谢绝邀请

        动员发出的邀请已为党员保留名额：谢绝即放弃该名额，同取消报名（候补第一位递补；
        班次开始后不能谢绝：signup.shift_started）。
        """
        minutes = current_app.config["SIGNUP_CANCEL_CUTOFF_MINUTES"]
        invitation = invitations.decline(
            actor=current_actor(),
            invitation_id=invitation_id,
            late_cutoff=timedelta(minutes=minutes),
        )
        db.session.commit()
        return invitation
