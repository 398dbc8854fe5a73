"""How records are confirmed and counted: a community's approval policy and the holidays that
working days (the overdue deadline) are counted by."""

from __future__ import annotations

from datetime import date
from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine import clock
from sunshine.access.permissions import Permission
from sunshine.auth.current import current_actor, request_origin, requires
from sunshine.extensions import db
from sunshine.hours import calendar, policy
from sunshine.hours.models import Holiday
from sunshine.hours.schemas import HolidayDay, HolidayIn, HolidayOut, PolicyIn, PolicyOut, YearArgs

blp = Blueprint("approval", __name__, url_prefix="/api/v1", description="服务记录审批方式与节假日")


# Approval policy -------------------------------------------------------------------------------


@blp.route("/communities/<int:area_id>/approval-policy")
class CommunityApprovalPolicy(MethodView):
    @requires(Permission.HOURS_READ)
    @blp.response(200, PolicyOut)
    @blp.alt_response(422, description="区域不是社区或街道（area.wrong_level）")
    def get(self, area_id: int) -> policy.EffectivePolicy:
        """社区（或街道）的服务记录审批方式

        并说明是本级的设置，还是沿用所属街道的（inherited_from）。区域须是社区或街道（area.wrong_level）。
        """
        return policy.get_policy(actor=current_actor(), area_id=area_id)

    @requires(Permission.HOURS_CONFIRM)
    @blp.arguments(PolicyIn)
    @blp.response(200, PolicyOut)
    def put(self, data: dict[str, Any], area_id: int) -> policy.EffectivePolicy:
        """设置社区（或街道）的审批方式

        人工确认、自动确认，或低于阈值自动确认；只有最后一种需要阈值（policy.bad_threshold，422）。
        社区、街道管理员可调用；区域须是社区或街道（area.wrong_level）。
        """
        effective = policy.set_policy(
            actor=current_actor(), area_id=area_id, origin=request_origin(), **data
        )
        db.session.commit()
        return effective


# Holidays --------------------------------------------------------------------------------------


@blp.route("/holidays")
class Holidays(MethodView):
    @requires(Permission.CALENDAR_MANAGE)
    @blp.arguments(YearArgs, location="query")
    @blp.response(200, HolidayOut(many=True))
    def get(self, args: dict[str, Any]) -> list[Holiday]:
        """某一年的节假日与调休工作日

        只列出与周一至周五规则不同的日子；不给 year 时为今年。系统管理员与组织部可调用。
        """
        year = args.get("year") or clock.today().year
        return calendar.holidays_of(actor=current_actor(), year=year)


@blp.route("/holidays/<day>")
class HolidayDetail(MethodView):
    @requires(Permission.CALENDAR_MANAGE)
    @blp.arguments(HolidayIn)
    @blp.arguments(HolidayDay, location="path", as_kwargs=True)
    @blp.response(200, HolidayOut)
    @blp.alt_response(201, schema=HolidayOut, description="新增")
    def put(self, data: dict[str, Any], day: date) -> tuple[Holiday, int]:
        """设置一天为节假日或调休工作日

        workday 为 false：节假日；为 true：周末调休上班。新增时 201，修改时 200。
        系统管理员与组织部可调用。
        """
        holiday, created = calendar.set_holiday(actor=current_actor(), day=day, **data)
        db.session.commit()
        return holiday, 201 if created else 200

    @requires(Permission.CALENDAR_MANAGE)
    @blp.arguments(HolidayDay, location="path", as_kwargs=True)
    @blp.response(204)
    @blp.alt_response(404, description="该日期没有节假日设置（holiday.not_found）")
    def delete(self, day: date) -> None:
        """删除一天的节假日设置

        该天恢复按周一至周五计算。
        """
        calendar.delete_holiday(actor=current_actor(), day=day)
        db.session.commit()
