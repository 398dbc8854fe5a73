"""Compliance (达标情况) of a period: figures by street, community, unit or party
organisation, member by member, and one member."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.audit import compliance, compliance_members
from sunshine.audit.compliance_schemas import (
    ComplianceArgs,
    ComplianceMemberArgs,
    ComplianceMemberDetailOut,
    ComplianceMemberPage,
    ComplianceOut,
)
from sunshine.audit.selection import Filters
from sunshine.auth.current import current_actor, requires

blp = Blueprint("compliance", __name__, url_prefix="/api/v1", description="达标情况")

FILTERS = ("street_id", "community_id", "unit_id", "party_org_id", "campaign_id")
NOT_FOUND = (
    "周期、街道、社区、单位、党组织或专项活动标签不存在（period.not_found、area.not_found、"
    "unit.not_found、party_org.not_found、campaign.not_found）"
)


def _filters(args: dict[str, Any]) -> Filters:
    return Filters(**{name: args.get(name) for name in FILTERS})


@blp.route("/periods/<int:period_id>/compliance")
class PeriodCompliance(MethodView):
    @requires(Permission.COMPLIANCE_READ)
    @blp.arguments(ComplianceArgs, location="query")
    @blp.response(200, ComplianceOut)
    @blp.alt_response(404, description=NOT_FOUND)
    def get(self, args: dict[str, Any], period_id: int) -> compliance.Aggregate:
        """周期的达标情况：合计与按街道、社区、单位或党组织的分组

        组织部看全市；街道、社区管理员只看本辖区（分组只列辖区内的，指定辖区外的街道、社区为 403）；
        单位管理员看本单位党员（未同意反馈的也计入统计）。筛选须属于周期所在的市（area.wrong_level、
        unit.wrong_city、campaign.wrong_city，422）。指定专项活动标签（campaign_id）时只计带该标签的
        任务上的服务记录。
        """
        return compliance.aggregate(
            actor=current_actor(),
            period_id=period_id,
            by=args["by"],
            filters=_filters(args),
            sort=args["sort"],
            order=args["order"],
        )


@blp.route("/periods/<int:period_id>/compliance/members")
class PeriodComplianceMembers(MethodView):
    @requires(Permission.COMPLIANCE_READ)
    @blp.arguments(ComplianceMemberArgs, location="query")
    @blp.response(200, ComplianceMemberPage)
    @blp.alt_response(404, description=NOT_FOUND)
    def get(self, args: dict[str, Any], period_id: int) -> compliance_members.MemberPage:
        """周期内逐个党员的达标情况（分页）

        可按状态、街道、社区、单位、党组织筛选，按 id、姓名、时长或次数排序。单位管理员只列出同意
        向单位反馈的党员，其余只计数（withheld）。指定专项活动标签（campaign_id）时只计带该标签的
        任务上的服务记录。
        """
        return compliance_members.member_page(
            actor=current_actor(),
            period_id=period_id,
            filters=_filters(args),
            status=args.get("status"),
            sort=args["sort"],
            order=args["order"],
            cursor=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/periods/<int:period_id>/compliance/members/<int:member_id>")
class PeriodComplianceMember(MethodView):
    @requires(Permission.COMPLIANCE_READ)
    @blp.response(200, ComplianceMemberDetailOut)
    @blp.alt_response(
        404,
        description="周期或党员不存在，或党员不在本周期统计范围内"
        "（period.not_found、member.not_found、compliance.not_counted）",
    )
    def get(self, period_id: int, member_id: int) -> compliance_members.MemberRow:
        """一名党员在周期内的达标情况及适用的要求

        单位管理员查看未同意向单位反馈的党员为 403（compliance.no_consent）。
        """
        return compliance_members.member_detail(
            actor=current_actor(), period_id=period_id, member_id=member_id
        )
