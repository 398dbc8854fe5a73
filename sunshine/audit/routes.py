"""Periods (考核周期) and their service requirements (年度服务要求)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import CursorArgs
from sunshine.audit import service, views
from sunshine.audit.models import Period
from sunshine.audit.schemas import (
    PeriodIn,
    PeriodListArgs,
    PeriodOut,
    PeriodPage,
    RequirementIn,
    RequirementOut,
    RequirementVersionPage,
)
from sunshine.auth.current import current_actor, request_origin, requires
from sunshine.extensions import db
from sunshine.pagination import CursorPage

blp = Blueprint("audit", __name__, url_prefix="/api/v1", description="考核周期与服务要求")


@blp.route("/cities/<int:city_id>/periods")
class CityPeriods(MethodView):
    @requires(Permission.REQUIREMENT_CITY)
    @blp.arguments(PeriodIn)
    @blp.response(201, PeriodOut)
    @blp.alt_response(404, description="市不存在（area.not_found）")
    @blp.alt_response(409, description="与同类周期时间重叠（period.overlap）")
    def post(self, data: dict[str, Any], city_id: int) -> Period:
        """设立本市的考核周期（年度、半年或季度）

        组织部可调用。年度为一个自然年；半年、季度不跨年（period.bad_dates，422）；
        同一市同类周期不能重叠（period.overlap）。
        """
        period = service.create_period(
            actor=current_actor(), city_id=city_id, origin=request_origin(), **data
        )
        db.session.commit()
        return period

    @requires(Permission.REQUIREMENT_READ)
    @blp.arguments(PeriodListArgs, location="query")
    @blp.response(200, PeriodPage)
    @blp.alt_response(404, description="市不存在（area.not_found）")
    def get(self, args: dict[str, Any], city_id: int) -> CursorPage:
        """本市的考核周期（新设的在前）

        本市的社区、街道管理员与组织部可调用；可按类型（kind）筛选。
        """
        return views.list_periods(
            actor=current_actor(),
            city_id=city_id,
            kind=args.get("kind"),
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/periods/<int:period_id>/requirement")
class CityRequirement(MethodView):
    @requires(Permission.REQUIREMENT_READ)
    @blp.response(200, RequirementOut)
    @blp.alt_response(404, description="周期不存在（period.not_found）")
    def get(self, period_id: int) -> service.PeriodRules:
        """周期的全市服务要求

        本市的社区、街道管理员与组织部可调用。没有规则的年度周期适用默认要求（source=default）。
        """
        return views.get_rules(actor=current_actor(), period_id=period_id)

    @requires(Permission.REQUIREMENT_CITY)
    @blp.arguments(RequirementIn)
    @blp.response(200, RequirementOut)
    @blp.alt_response(404, description="周期不存在（period.not_found）")
    @blp.alt_response(409, description="周期已锁定（period.locked）")
    def put(self, data: dict[str, Any], period_id: int) -> service.PeriodRules:
        """设定周期的全市服务要求（保留每个版本）

        组织部可调用；最少服务次数与最少服务分钟数至少填一项（requirement.empty，422）。
        """
        rules = service.set_city_rule(
            actor=current_actor(), period_id=period_id, origin=request_origin(), **data
        )
        db.session.commit()
        return rules


@blp.route("/periods/<int:period_id>/streets/<int:street_id>/requirement")
class StreetRequirement(MethodView):
    @requires(Permission.REQUIREMENT_READ)
    @blp.response(200, RequirementOut)
    @blp.alt_response(404, description="周期或街道不存在（period.not_found、area.not_found）")
    @blp.alt_response(422, description="不是该市的街道（area.wrong_level）")
    def get(self, period_id: int, street_id: int) -> service.PeriodRules:
        """街道在周期内适用的服务要求

        applies 为街道提高后的要求（逐项取街道与全市的较高者）。
        """
        return views.get_street_rules(
            actor=current_actor(), period_id=period_id, street_id=street_id
        )

    @requires(Permission.REQUIREMENT_STREET)
    @blp.arguments(RequirementIn)
    @blp.response(200, RequirementOut)
    @blp.alt_response(404, description="周期或街道不存在（period.not_found、area.not_found）")
    @blp.alt_response(
        409, description="低于全市要求（requirement.looser），或周期已锁定（period.locked）"
    )
    def put(self, data: dict[str, Any], period_id: int, street_id: int) -> service.PeriodRules:
        """街道提高本街道的服务要求（只能提高，不能降低）

        街道管理员（本街道）与组织部可调用；每项不得低于全市要求（requirement.looser）。
        """
        rules = service.set_street_rule(
            actor=current_actor(),
            period_id=period_id,
            street_id=street_id,
            origin=request_origin(),
            **data,
        )
        db.session.commit()
        return rules


@blp.route("/periods/<int:period_id>/requirement-history")
class RequirementHistory(MethodView):
    @requires(Permission.REQUIREMENT_READ)
    @blp.arguments(CursorArgs, location="query")
    @blp.response(200, RequirementVersionPage)
    @blp.alt_response(404, description="周期不存在（period.not_found）")
    def get(self, args: dict[str, Any], period_id: int) -> CursorPage:
        """周期服务要求的全部版本（新的在前）

        全市与各街道的每次设定：谁（created_by_id）、何时（effective_from）、要求多少。
        """
        return views.history(
            actor=current_actor(),
            period_id=period_id,
            after_id=args.get("cursor"),
            limit=args["limit"],
        )
