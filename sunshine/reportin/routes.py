"""Report-in: the member's requests and the community's decisions."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import CursorArgs, OptionalReasonIn, ReasonIn, Shown
from sunshine.auth.current import current_actor, login_required, requires
from sunshine.extensions import db
from sunshine.pagination import CursorPage
from sunshine.reportin import service, views
from sunshine.reportin.schemas import (
    PlacementIn,
    ReportInListArgs,
    ReportInOut,
    ReportInPage,
    ReportInRequest,
)

blp = Blueprint("reportin", __name__, url_prefix="/api/v1", description="到社区报到")


@blp.route("/me/report-ins")
class MyReportIns(MethodView):
    @login_required
    @blp.arguments(CursorArgs, location="query")
    @blp.response(200, ReportInPage)
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """我的报到记录（新的在前）"""
        return views.my_report_ins(actor=current_actor(), **args)

    @login_required
    @blp.arguments(ReportInRequest)
    @blp.response(201, ReportInOut)
    @blp.alt_response(
        404, description="尚未注册为党员（member.not_registered），或社区不存在（area.not_found）"
    )
    @blp.alt_response(
        409,
        description="已有待审批的申请（report_in.pending_exists）"
        "或已在该社区报到（report_in.already_active）",
    )
    def post(self, data: dict[str, Any]) -> Shown:
        """申请到社区报到

        已在别的社区报到时为转移，批准后原报到结束。须先认证并同意隐私政策（403）。
        由该社区的社区管理员审批。
        """
        actor = current_actor()
        report_in = service.request(actor=actor, community_id=data["community_id"])
        db.session.commit()
        return views.view(actor, report_in)


@blp.route("/me/report-ins/<int:report_in_id>/withdraw")
class MyReportInWithdraw(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, ReportInOut)
    @blp.alt_response(409, description="该记录已结束（report_in.closed）")
    def post(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """撤回报到申请或结束报到（须填写原因）"""
        actor = current_actor()
        report_in = service.withdraw(actor=actor, report_in_id=report_in_id, reason=data["reason"])
        db.session.commit()
        return views.view(actor, report_in)


@blp.route("/report-ins")
class ReportIns(MethodView):
    @requires(Permission.REPORT_IN_LIST)
    @blp.arguments(ReportInListArgs, location="query")
    @blp.response(200, ReportInPage)
    @blp.alt_response(404, description="筛选的区域不存在（area.not_found）")
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖社区的报到记录

        社区、街道管理员与组织部可调用。
        """
        return views.list_report_ins(
            actor=current_actor(),
            status=args.get("status"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/report-ins/<int:report_in_id>")
class ReportInDetail(MethodView):
    @requires(Permission.REPORT_IN_LIST)
    @blp.response(200, ReportInOut)
    def get(self, report_in_id: int) -> Shown:
        """报到详情"""
        actor = current_actor()
        return views.view(actor, views.report_in_for(actor=actor, report_in_id=report_in_id))


def _decide(action: Any, report_in_id: int, **kwargs: Any) -> Shown:
    actor = current_actor()
    report_in = action(actor=actor, report_in_id=report_in_id, **kwargs)
    db.session.commit()
    return views.view(actor, report_in)


@blp.route("/report-ins/<int:report_in_id>/approve")
class ReportInApprove(MethodView):
    @requires(Permission.REPORT_IN_DECIDE)
    @blp.arguments(OptionalReasonIn)
    @blp.response(200, ReportInOut)
    @blp.alt_response(
        409,
        description="不在待审批状态（report_in.not_pending），"
        "或该党员身份正在重新审核（report_in.member_not_verified）",
    )
    def post(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """批准报到申请

        社区管理员可调用。转移时原报到同时结束。
        """
        return _decide(service.approve, report_in_id, reason=data["reason"])


@blp.route("/report-ins/<int:report_in_id>/reject")
class ReportInReject(MethodView):
    @requires(Permission.REPORT_IN_DECIDE)
    @blp.arguments(ReasonIn)
    @blp.response(200, ReportInOut)
    @blp.alt_response(409, description="不在待审批状态（report_in.not_pending）")
    def post(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """驳回报到申请（须填写原因）"""
        return _decide(service.reject, report_in_id, reason=data["reason"])


@blp.route("/report-ins/<int:report_in_id>/end")
class ReportInEnd(MethodView):
    @requires(Permission.REPORT_IN_DECIDE)
    @blp.arguments(ReasonIn)
    @blp.response(200, ReportInOut)
    @blp.alt_response(409, description="不是正在报到的记录（report_in.not_active）")
    def post(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """结束一条正在进行的报到（须填写原因）"""
        return _decide(service.end, report_in_id, reason=data["reason"])


@blp.route("/report-ins/<int:report_in_id>/placement")
class ReportInPlacement(MethodView):
    @requires(Permission.REPORT_IN_DECIDE)
    @blp.arguments(PlacementIn)
    @blp.response(200, ReportInOut)
    @blp.alt_response(409, description="不是正在报到的记录（report_in.not_active）")
    def put(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """为报到的党员安排网格与服务队

        网格与服务队须属于该社区（grid.not_in_community、team.not_in_community，422）。
        """
        return _decide(service.place, report_in_id, **data)


@blp.route("/grids/<int:grid_id>/members")
class GridMembers(MethodView):
    @requires(Permission.GRID_READ)
    @blp.arguments(CursorArgs, location="query")
    @blp.response(200, ReportInPage)
    @blp.alt_response(404, description="网格不存在或不在管辖范围内（grid.not_found）")
    def get(self, args: dict[str, Any], grid_id: int) -> CursorPage:
        """网格的党员（编入该网格的在报到党员，新的在前）

        该网格所属社区的社区管理员，与该网格的网格员、网格助理员、网格联络员可调用；
        每条为党员的报到记录（姓名、手机号、网格与服务队）。手机号仅对社区管理员完整显示。
        """
        return views.grid_members(actor=current_actor(), grid_id=grid_id, **args)
