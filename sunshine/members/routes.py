"""Registration, the member's own profile and data, member listings and review, skills."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import Shown
from sunshine.auth.current import current_actor, login_required, request_origin
from sunshine.extensions import db
from sunshine.members import deactivation, service, skills, views
from sunshine.members.models import Member, Skill
from sunshine.members.schemas import (
    DeactivateIn,
    MemberListArgs,
    MemberOut,
    MemberPage,
    OwnDataOut,
    PhoneIn,
    PhoneOut,
    ProfilePatch,
    RegisterIn,
    ReviewIn,
    SkillIn,
    SkillOut,
    SkillPatch,
)
from sunshine.pagination import CursorPage

blp = Blueprint("members", __name__, url_prefix="/api/v1", description="党员注册与管理")


def _availability(data: dict[str, Any]) -> dict[str, Any]:
    if "availability" in data:
        data["availability"] = service.Availability(**data["availability"])
    return data


@blp.route("/me/phone")
class MyPhone(MethodView):
    @login_required
    @blp.arguments(PhoneIn)
    @blp.response(200, PhoneOut)
    @blp.alt_response(422, description="授权码无效或已使用")
    @blp.alt_response(503, description="微信服务不可用")
    def post(self, data: dict[str, Any]) -> dict[str, str]:
        """Bind the phone number from WeChat's getPhoneNumber code."""
        phone = service.bind_phone(actor=current_actor(), code=data["code"], ip=request_origin().ip)
        db.session.commit()
        return {"phone": phone}


@blp.route("/me/member")
class MyMember(MethodView):
    @login_required
    @blp.response(200, MemberOut)
    @blp.alt_response(404, description="尚未注册")
    def get(self) -> Shown:
        """The caller's own member record."""
        actor = current_actor()
        return views.view(actor, service.own_member(actor))

    @login_required
    @blp.arguments(RegisterIn)
    @blp.response(201, MemberOut)
    @blp.alt_response(409, description="已注册，或未绑定手机号")
    def post(self, data: dict[str, Any]) -> Shown:
        """Register as a Party member (verified at once when the roster matches)."""
        actor = current_actor()
        member = service.register(actor=actor, **_availability(data))
        db.session.commit()
        return views.view(actor, member)

    @login_required
    @blp.arguments(ProfilePatch)
    @blp.response(200, MemberOut)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def patch(self, data: dict[str, Any]) -> Shown:
        """Change one's profile; a name or unit change re-checks the roster."""
        actor = current_actor()
        member = service.update_profile(actor=actor, changes=_availability(data))
        db.session.commit()
        return views.view(actor, member)


@blp.route("/me/data")
class MyData(MethodView):
    @login_required
    @blp.response(200, OwnDataOut)
    def get(self) -> dict[str, Any]:
        """Everything held about the caller (个人信息查阅、复制)."""
        return views.export_own_data(current_actor())


@blp.route("/me/deactivate")
class MyDeactivation(MethodView):
    @login_required
    @blp.arguments(DeactivateIn)
    @blp.response(204)
    def post(self, data: dict[str, Any]) -> None:
        """Close the account and remove personal data (service records stay, anonymised)."""
        deactivation.deactivate(
            actor=current_actor(), reason=data["reason"], ip=request_origin().ip
        )
        db.session.commit()


@blp.route("/members")
class Members(MethodView):
    @login_required
    @blp.arguments(MemberListArgs, location="query")
    @blp.response(200, MemberPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Members in the caller's scope, newest first (unit admin, org department)."""
        return views.list_members(
            actor=current_actor(),
            status=args.get("status"),
            unit_id=args.get("unit_id"),
            area_id=args.get("area_id"),
            name=args.get("name"),
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/members/<int:member_id>")
class MemberDetail(MethodView):
    @login_required
    @blp.response(200, MemberOut)
    def get(self, member_id: int) -> Shown:
        """One member, if in the caller's scope."""
        actor = current_actor()
        return views.view(actor, views.member_for(actor, member_id))


@blp.route("/members/<int:member_id>/review")
class MemberReview(MethodView):
    @login_required
    @blp.arguments(ReviewIn)
    @blp.response(200, MemberOut)
    @blp.alt_response(409, description="不在待审核状态")
    def post(self, data: dict[str, Any], member_id: int) -> Shown:
        """Approve or reject a registration that the roster did not match."""
        actor = current_actor()
        member: Member = service.review(actor=actor, member_id=member_id, **data)
        db.session.commit()
        return views.view(actor, member)


@blp.route("/skills")
class Skills(MethodView):
    @login_required
    @blp.response(200, SkillOut(many=True))
    def get(self) -> list[Skill]:
        """The skill catalogue."""
        return skills.list_skills()

    @login_required
    @blp.arguments(SkillIn)
    @blp.response(201, SkillOut)
    @blp.alt_response(409, description="技能已存在")
    def post(self, data: dict[str, Any]) -> Skill:
        """Add a skill to the catalogue (system administrator)."""
        skill = skills.create_skill(actor=current_actor(), name=data["name"])
        db.session.commit()
        return skill


@blp.route("/skills/<int:skill_id>")
class SkillDetail(MethodView):
    @login_required
    @blp.arguments(SkillPatch)
    @blp.response(200, SkillOut)
    def patch(self, data: dict[str, Any], skill_id: int) -> Skill:
        """Rename or (de)activate a skill (system administrator)."""
        skill = skills.update_skill(actor=current_actor(), skill_id=skill_id, changes=data)
        db.session.commit()
        return skill
