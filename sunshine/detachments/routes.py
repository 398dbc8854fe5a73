"""Volunteer detachments (志愿服务支队): the organization department keeps them; a detachment's
leader reads its roster and hours and signs its members up for a shift as a team."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.detachments import service, signups, views
from sunshine.detachments.schemas import (
    DetachmentDetailOut,
    DetachmentHoursOut,
    DetachmentIn,
    DetachmentListArgs,
    DetachmentOut,
    DetachmentPatch,
    HoursArgs,
    MembersIn,
    MyDetachmentOut,
    TeamSignupIn,
    TeamSignupOut,
)
from sunshine.extensions import db

blp = Blueprint("detachments", __name__, url_prefix="/api/v1", description="志愿服务支队")

CITY_NOT_FOUND = "市不存在（area.not_found）"
NOT_A_CITY = "所选区域不是市（area.wrong_level）"
NOT_FOUND = "支队不存在，或不在管辖范围内（detachment.not_found）"
BAD_MEMBERS = "党员不存在、不是本市党员或尚未认证（detachment.members_invalid）"
DUPLICATE = "本市已有同名支队（detachment.duplicate）"
LEADER_ONLY = "支队成员但不是队长（detachment.leader_only）"
NOT_A_MEMBER = "不是本支队成员（detachment.member_not_found）"


@blp.route("/cities/<int:city_id>/detachments")
class CityDetachments(MethodView):
    @requires(Permission.DETACHMENT_MANAGE)
    @blp.arguments(DetachmentListArgs, location="query")
    @blp.response(200, DetachmentOut(many=True))
    @blp.alt_response(404, description=CITY_NOT_FOUND)
    @blp.alt_response(422, description=NOT_A_CITY)
    def get(self, args: dict[str, Any], city_id: int) -> list[views.Shown]:
        """本市的志愿服务支队

        本市组织部可调用；按名称排序，可按是否启用（active）筛选。
        """
        return views.list_detachments(
            actor=current_actor(), city_id=city_id, active=args.get("active")
        )

    @requires(Permission.DETACHMENT_MANAGE)
    @blp.arguments(DetachmentIn)
    @blp.response(201, DetachmentDetailOut)
    @blp.alt_response(404, description=CITY_NOT_FOUND)
    @blp.alt_response(409, description=DUPLICATE)
    @blp.alt_response(422, description=f"{NOT_A_CITY}；{BAD_MEMBERS}")
    def post(self, data: dict[str, Any], city_id: int) -> views.Shown:
        """新建志愿服务支队

        本市组织部可调用。成员（member_ids）与队长（leader_member_id）须是本市已认证的党员，
        可来自任何社区、任何单位；队长自动成为成员。名称在本市内不能重复。
        """
        detachment = service.create_detachment(
            actor=current_actor(), city_id=city_id, origin=request_origin(), **data
        )
        db.session.commit()
        return views.managed_detachment(detachment.id)


@blp.route("/detachments/<int:detachment_id>")
class DetachmentDetail(MethodView):
    @login_required
    @blp.response(200, DetachmentDetailOut)
    @blp.alt_response(403, description=LEADER_ONLY)
    @blp.alt_response(404, description=NOT_FOUND)
    def get(self, detachment_id: int) -> views.Shown:
        """支队及其成员名单

        支队队长与本市组织部可调用；其他成员 403（detachment.leader_only），其他人 404。
        """
        return views.detachment_for(actor=current_actor(), detachment_id=detachment_id)

    @requires(Permission.DETACHMENT_MANAGE)
    @blp.arguments(DetachmentPatch)
    @blp.response(200, DetachmentDetailOut)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(409, description=DUPLICATE)
    @blp.alt_response(422, description=BAD_MEMBERS)
    def patch(self, data: dict[str, Any], detachment_id: int) -> views.Shown:
        """修改支队：名称、简介、队长、启用状态

        本市组织部可调用。新队长须是本市已认证的党员，自动成为成员；leader_member_id 为 null
        时支队暂无队长（由组织部报名）。停用的支队保留名单和时长，但不能再报名。
        """
        service.update_detachment(
            actor=current_actor(),
            detachment_id=detachment_id,
            changes=data,
            origin=request_origin(),
        )
        db.session.commit()
        return views.managed_detachment(detachment_id)


@blp.route("/detachments/<int:detachment_id>/members")
class DetachmentMembers(MethodView):
    @requires(Permission.DETACHMENT_MANAGE)
    @blp.arguments(MembersIn)
    @blp.response(200, DetachmentDetailOut)
    @blp.alt_response(404, description=NOT_FOUND)
    @blp.alt_response(422, description=BAD_MEMBERS)
    def post(self, data: dict[str, Any], detachment_id: int) -> views.Shown:
        """加入支队成员

        本市组织部可调用。成员须是本市已认证的党员（任何社区、任何单位）；已在队中的不变。
        任何一人不符合时整批不加入（422，fields.member_ids 逐人说明）。
        """
        service.add_members(
            actor=current_actor(),
            detachment_id=detachment_id,
            member_ids=data["member_ids"],
            origin=request_origin(),
        )
        db.session.commit()
        return views.managed_detachment(detachment_id)


@blp.route("/detachments/<int:detachment_id>/members/<int:member_id>")
class DetachmentMember(MethodView):
    @requires(Permission.DETACHMENT_MANAGE)
    @blp.response(200, DetachmentDetailOut)
    @blp.alt_response(404, description=f"{NOT_FOUND}；{NOT_A_MEMBER}")
    @blp.alt_response(409, description="不能移出队长（detachment.leader_cannot_leave）")
    def delete(self, detachment_id: int, member_id: int) -> views.Shown:
        """移出支队成员

        本市组织部可调用。已有的报名保留（由本人决定是否取消），经支队报名所得的时长仍计入支队。
        队长不能移出，须先另行指定队长。
        """
        service.remove_member(
            actor=current_actor(),
            detachment_id=detachment_id,
            member_id=member_id,
            origin=request_origin(),
        )
        db.session.commit()
        return views.managed_detachment(detachment_id)


@blp.route("/detachments/<int:detachment_id>/hours")
class DetachmentHours(MethodView):
    @login_required
    @blp.arguments(HoursArgs, location="query")
    @blp.response(200, DetachmentHoursOut)
    @blp.alt_response(403, description=LEADER_ONLY)
    @blp.alt_response(404, description=NOT_FOUND)
    def get(self, args: dict[str, Any], detachment_id: int) -> views.DetachmentHours:
        """支队的服务时长

        支队队长与本市组织部可调用。按服务日期（from、to，可不填）统计已确认的时长：全队合计，
        每名成员经本支队报名的时长，以及该成员的全部时长。时长即成员本人的时长记录，不另设台账。
        """
        return views.detachment_hours(
            actor=current_actor(),
            detachment_id=detachment_id,
            date_from=args.get("date_from"),
            date_to=args.get("date_to"),
        )


@blp.route("/me/detachments")
class MyDetachments(MethodView):
    @login_required
    @blp.response(200, MyDetachmentOut(many=True))
    def get(self) -> list[views.Shown]:
        """我所在的支队

        本人当前所在的支队（is_leader：是否队长）；未注册党员的账号为空列表。
        """
        return views.my_detachments(actor=current_actor())


@blp.route("/shifts/<int:shift_id>/team-signups")
class TeamSignups(MethodView):
    @login_required
    @blp.arguments(TeamSignupIn)
    @blp.response(201, TeamSignupOut)
    @blp.alt_response(403, description=LEADER_ONLY)
    @blp.alt_response(404, description=f"{NOT_FOUND}；班次不存在（shift.not_found）")
    @blp.alt_response(
        409,
        description="支队已停用（detachment.inactive）；班次不可报名或已截止（shift.*）；"
        "有成员不能报名（team_signup.members_refused，fields.members 逐人说明）；"
        "名额不足（team_signup.too_many）",
    )
    @blp.alt_response(
        422,
        description="名单重复（team_signup.duplicate_members）或有人不是本支队成员"
        "（team_signup.not_in_detachment）",
    )
    def post(self, data: dict[str, Any], shift_id: int) -> signups.TeamSignup:
        """支队整队报名班次

        支队队长（或本市组织部）为本支队 1–50 名成员一次报名，全部成功或全部不报名：每人按
        个人报名的规则检查（已报名、身份未认证、不面向其报到的社区、与其他班次时间冲突），
        名额不足整队时整队拒绝，不进入候补。成功后每人收到报名成功通知。
        """
        team = signups.sign_up_team(
            actor=current_actor(), shift_id=shift_id, origin=request_origin(), **data
        )
        db.session.commit()
        return team
