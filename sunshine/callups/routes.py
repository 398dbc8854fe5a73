"""Call-ups for street and org admins: create, propose, adjust, confirm, cancel."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import ReasonIn, Shown
from sunshine.auth.current import current_actor, login_required, request_origin
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
from sunshine.ranking import yearly_minutes

blp = Blueprint("callups", __name__, url_prefix="/api/v1", description="动员")


@blp.route("/call-ups")
class CallUps(MethodView):
    @login_required
    @blp.arguments(CallUpListArgs, location="query")
    @blp.response(200, CallUpPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """Call-ups of the caller's streets and cities, newest first."""
        return views.list_call_ups(
            actor=current_actor(),
            limit=args["limit"],
            status=args.get("status"),
            area_id=args.get("area_id"),
            after_id=args.get("cursor"),
        )

    @login_required
    @blp.arguments(CallUpIn)
    @blp.response(201, CallUpOut)
    def post(self, data: dict[str, Any]) -> Shown:
        """Create a draft call-up of a street or city for one day, with its posts."""
        call_up = service.create(actor=current_actor(), **data)
        db.session.commit()
        return views.detail(call_up)


@blp.route("/call-ups/<int:call_up_id>")
class CallUpDetail(MethodView):
    @login_required
    @blp.response(200, CallUpOut)
    def get(self, call_up_id: int) -> Shown:
        """A call-up: posts with places and fill, who is assigned where and why, totals."""
        return views.detail(service.get(actor=current_actor(), call_up_id=call_up_id))


@blp.route("/call-ups/<int:call_up_id>/proposal")
class CallUpProposal(MethodView):
    @login_required
    @blp.response(200, CallUpOut)
    @blp.alt_response(409, description="已确认或已取消")
    def post(self, call_up_id: int) -> Shown:
        """Propose who fills the posts (replaces the last proposal, keeps manual additions)."""
        call_up = service.propose(
            actor=current_actor(), call_up_id=call_up_id, yearly_minutes=yearly_minutes()
        )
        db.session.commit()
        return views.detail(call_up)


@blp.route("/call-ups/<int:call_up_id>/assignments")
class CallUpAssignments(MethodView):
    @login_required
    @blp.arguments(AssignmentIn)
    @blp.response(201, AssignmentOut)
    @blp.alt_response(409, description="已确认、岗位已满、已在本次动员中或当时有其他安排")
    def post(self, data: dict[str, Any], call_up_id: int) -> Shown:
        """Put a member on a post by hand."""
        assignment = service.assign(
            actor=current_actor(),
            call_up_id=call_up_id,
            yearly_minutes=yearly_minutes(),
            **data,
        )
        db.session.commit()
        return views.assignment(assignment)


@blp.route("/call-ups/<int:call_up_id>/assignments/<int:assignment_id>")
class CallUpAssignment(MethodView):
    @login_required
    @blp.response(204)
    @blp.alt_response(409, description="已确认或已取消")
    def delete(self, call_up_id: int, assignment_id: int) -> None:
        """Take a member off the call-up."""
        service.unassign(actor=current_actor(), call_up_id=call_up_id, assignment_id=assignment_id)
        db.session.commit()


@blp.route("/call-ups/<int:call_up_id>/confirm")
class CallUpConfirm(MethodView):
    @login_required
    @blp.response(200, CallUpOut)
    @blp.alt_response(409, description="有人员已不能安排（逐一列出），或尚无安排；不写入任何内容")
    def post(self, call_up_id: int) -> Shown:
        """Confirm: every assignment becomes a held place and an invitation, or none does."""
        call_up = service.confirm(
            actor=current_actor(), call_up_id=call_up_id, origin=request_origin()
        )
        db.session.commit()
        return views.detail(call_up)


@blp.route("/call-ups/<int:call_up_id>/cancel")
class CallUpCancel(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, CallUpOut)
    @blp.alt_response(409, description="已确认或已取消")
    def post(self, data: dict[str, Any], call_up_id: int) -> Shown:
        """Cancel a call-up that is not confirmed yet, with a reason."""
        call_up = service.cancel(
            actor=current_actor(), call_up_id=call_up_id, reason=data["reason"]
        )
        db.session.commit()
        return views.detail(call_up)
