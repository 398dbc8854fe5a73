"""Registration, the member's own profile and data, member listings and review, skills."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine import rate_limits
from sunshine.access.permissions import Permission
from sunshine.api import Shown
from sunshine.auth.current import current_actor, login_required, request_origin, requires
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
    @rate_limits.per_account("PHONE_BIND_RATE_LIMIT", "phone.bind")
    @blp.arguments(PhoneIn)
    @blp.response(200, PhoneOut)
    @blp.alt_response(422, description="授权码无效或已使用（phone.invalid_code）")
    @blp.alt_response(
        429,
        description="绑定太频繁（rate_limited，按账号限制）或微信接口调用太频繁"
        "（wechat.rate_limited）",
    )
    @blp.alt_response(502, description="微信返回错误（wechat.error）")
    @blp.alt_response(
        503,
        description="微信服务不可用（wechat.busy、wechat.unavailable、wechat.misconfigured、"
        "wechat.quota_exhausted）",
    )
    def post(self, data: dict[str, Any]) -> dict[str, str]:
        """绑定微信手机号

        用小程序 getPhoneNumber 返回的 code 换取手机号；
        code 无效或已使用时 422（phone.invalid_code）。注册前须先绑定。
        每个账号的绑定次数有限（PHONE_BIND_RATE_LIMIT），超出时 429（rate_limited）。
        """
        phone = service.bind_phone(actor=current_actor(), code=data["code"], ip=request_origin().ip)
        db.session.commit()
        return {"phone": phone}


@blp.route("/me/member")
class MyMember(MethodView):
    @login_required
    @blp.response(200, MemberOut)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self) -> Shown:
        """我的党员资料"""
        actor = current_actor()
        return views.view(actor, service.own_member(actor))

    @login_required
    @blp.arguments(RegisterIn)
    @blp.response(201, MemberOut)
    @blp.alt_response(
        404,
        description="所选区域或单位不存在（area.not_found、unit.not_found），"
        "或尚未发布隐私政策（consent.no_notice）",
    )
    @blp.alt_response(
        409,
        description="已注册（member.already_registered）或未绑定手机号（member.phone_required）",
    )
    def post(self, data: dict[str, Any]) -> Shown:
        """注册为党员

        须先同意当前隐私政策（consent.notice_required，403）并绑定手机号（member.phone_required）。
        与花名册匹配时立即认证，否则等待单位管理员或组织部审核。所选单位、党组织、社区、
        技能须有效（422：party_org.not_in_unit、area.wrong_level、skill.unknown）。
        """
        actor = current_actor()
        member = service.register(actor=actor, **_availability(data))
        db.session.commit()
        return views.view(actor, member)

    @login_required
    @blp.arguments(ProfilePatch)
    @blp.response(200, MemberOut)
    @blp.alt_response(
        404,
        description="尚未注册为党员（member.not_registered），或所选区域、"
        "单位不存在（area.not_found、unit.not_found）",
    )
    def patch(self, data: dict[str, Any]) -> Shown:
        """修改我的资料

        改姓名或单位会重新核对花名册，不匹配时回到待审核。
        """
        actor = current_actor()
        member = service.update_profile(actor=actor, changes=_availability(data))
        db.session.commit()
        return views.view(actor, member)


@blp.route("/me/data")
class MyData(MethodView):
    @login_required
    @blp.response(200, OwnDataOut)
    def get(self) -> dict[str, Any]:
        """导出我的全部个人信息

        个人信息查阅、复制：本账号保存的全部信息，一次给出。
        """
        return views.export_own_data(current_actor())


@blp.route("/me/deactivate")
class MyDeactivation(MethodView):
    @login_required
    @blp.arguments(DeactivateIn)
    @blp.response(204)
    def post(self, data: dict[str, Any]) -> None:
        """注销账号

        删除个人信息、结束报到、解除与微信的关联，所有令牌失效；服务记录保留但匿名化，
        授权同意记录留作凭证。之后再登录是一个新账号。
        """
        deactivation.deactivate(
            actor=current_actor(), reason=data["reason"], ip=request_origin().ip
        )
        db.session.commit()


@blp.route("/members")
class Members(MethodView):
    @requires(Permission.MEMBER_LIST)
    @blp.arguments(MemberListArgs, location="query")
    @blp.response(200, MemberPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖范围内的党员（新的在前）

        单位管理员看本单位，组织部看本市。
        """
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
        """党员详情

        不在管辖范围时 404（member.not_found）。
        """
        actor = current_actor()
        return views.view(actor, views.member_for(actor, member_id))


@blp.route("/members/<int:member_id>/review")
class MemberReview(MethodView):
    @requires(Permission.MEMBER_REVIEW)
    @blp.arguments(ReviewIn)
    @blp.response(200, MemberOut)
    @blp.alt_response(409, description="不在待审核状态（member.not_pending）")
    def post(self, data: dict[str, Any], member_id: int) -> Shown:
        """审核花名册未匹配的注册

        单位管理员与组织部可调用。批准或驳回；驳回须填写原因（member.reason_required，422）。
        """
        actor = current_actor()
        member: Member = service.review(actor=actor, member_id=member_id, **data)
        db.session.commit()
        return views.view(actor, member)


@blp.route("/skills")
class Skills(MethodView):
    @login_required
    @blp.response(200, SkillOut(many=True))
    def get(self) -> list[Skill]:
        """技能目录"""
        return skills.list_skills()

    @requires(Permission.CATALOGUE_MANAGE)
    @blp.arguments(SkillIn)
    @blp.response(201, SkillOut)
    @blp.alt_response(409, description="技能已存在（skill.duplicate）")
    def post(self, data: dict[str, Any]) -> Skill:
        """新增技能（系统管理员）"""
        skill = skills.create_skill(actor=current_actor(), name=data["name"])
        db.session.commit()
        return skill


@blp.route("/skills/<int:skill_id>")
class SkillDetail(MethodView):
    @requires(Permission.CATALOGUE_MANAGE)
    @blp.arguments(SkillPatch)
    @blp.response(200, SkillOut)
    @blp.alt_response(409, description="与已有技能重名（skill.duplicate）")
    def patch(self, data: dict[str, Any], skill_id: int) -> Skill:
        """修改技能名称或启用状态（系统管理员）

        停用的技能不再出现在目录中，也不能再选（skill.unknown）。
        """
        skill = skills.update_skill(actor=current_actor(), skill_id=skill_id, changes=data)
        db.session.commit()
        return skill
