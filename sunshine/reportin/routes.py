"""Report-in: the member's requests and the community's decisions."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import CursorArgs, OptionalReasonIn, ReasonIn, Shown
from sunshine.auth.current import current_actor, login_required
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
    def get(self, args: dict[str, Any]) -> CursorPage:
        """The caller's report-in history, newest first."""
        return views.my_report_ins(actor=current_actor(), **args)

    @login_required
    @blp.arguments(ReportInRequest)
    @blp.response(201, ReportInOut)
    @blp.alt_response(409, description="已有待审批申请，或已在该社区报到")
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    def post(self, data: dict[str, Any]) -> Shown:
        """Ask to report to a community (a transfer when reported elsewhere)."""
        actor = current_actor()
        report_in = service.request(actor=actor, community_id=data["community_id"])
        db.session.commit()
        return views.view(actor, report_in)


@blp.route("/me/report-ins/<int:report_in_id>/withdraw")
class MyReportInWithdraw(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, ReportInOut)
    def post(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """Cancel a pending request or end an active report-in, with a reason."""
        actor = current_actor()
        report_in = service.withdraw(actor=actor, report_in_id=report_in_id, reason=data["reason"])
        db.session.commit()
        return views.view(actor, report_in)


@blp.route("/report-ins")
class ReportIns(MethodView):
    @login_required
    @blp.arguments(ReportInListArgs, location="query")
    @blp.response(200, ReportInPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Report-ins in the caller's communities (community, street, org department)."""
        return views.list_report_ins(
            actor=current_actor(),
            status=args.get("status"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
            limit=args["limit"],
        )


@blp.route("/report-ins/<int:report_in_id>")
class ReportInDetail(MethodView):
    @login_required
    @blp.response(200, ReportInOut)
    def get(self, report_in_id: int) -> Shown:
        """One report-in in the caller's scope."""
        actor = current_actor()
        return views.view(actor, views.report_in_for(actor=actor, report_in_id=report_in_id))


def _decide(action: Any, report_in_id: int, **kwargs: Any) -> Shown:
    actor = current_actor()
    report_in = action(actor=actor, report_in_id=report_in_id, **kwargs)
    db.session.commit()
    return views.view(actor, report_in)


@blp.route("/report-ins/<int:report_in_id>/approve")
class ReportInApprove(MethodView):
    @login_required
    @blp.arguments(OptionalReasonIn)
    @blp.response(200, ReportInOut)
    @blp.alt_response(409, description="不在待审批状态")
    def post(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """Approve a report-in (a transfer ends the member's old one)."""
        return _decide(service.approve, report_in_id, reason=data["reason"])


@blp.route("/report-ins/<int:report_in_id>/reject")
class ReportInReject(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, ReportInOut)
    @blp.alt_response(409, description="不在待审批状态")
    def post(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """Reject a report-in request, with a reason."""
        return _decide(service.reject, report_in_id, reason=data["reason"])


@blp.route("/report-ins/<int:report_in_id>/end")
class ReportInEnd(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, ReportInOut)
    @blp.alt_response(409, description="不是正在报到的记录")
    def post(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """End an active report-in, with a reason."""
        return _decide(service.end, report_in_id, reason=data["reason"])


@blp.route("/report-ins/<int:report_in_id>/placement")
class ReportInPlacement(MethodView):
    @login_required
    @blp.arguments(PlacementIn)
    @blp.response(200, ReportInOut)
    def put(self, data: dict[str, Any], report_in_id: int) -> Shown:
        """Place an active member in a grid and service teams of the community."""
        return _decide(service.place, report_in_id, **data)
