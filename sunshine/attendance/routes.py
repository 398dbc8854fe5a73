"""On-site check-in: codes for the person in charge, punches for members, hand records."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import ReasonIn
from sunshine.attendance import hand, service, venue
from sunshine.attendance.codes import STEP_SECONDS
from sunshine.attendance.schemas import (
    CheckinCodeOut,
    CodeHolderIn,
    HandAttendanceIn,
    PunchIn,
    PunchOut,
    RecordBriefOut,
    VenueCodeOut,
)
from sunshine.auth.current import current_actor, login_required
from sunshine.extensions import db
from sunshine.openapi import BINARY
from sunshine.tasks.schemas import ShiftOut, SignupOut

blp = Blueprint("attendance", __name__, url_prefix="/api/v1", description="现场签到签退")


@blp.route("/shifts/<int:shift_id>/checkin-code")
class CheckinCode(MethodView):
    @login_required
    @blp.response(200, CheckinCodeOut)
    def get(self, shift_id: int) -> dict[str, Any]:
        """The shift's rotating code for this 30-second step (person in charge only)."""
        code = service.current_code(actor=current_actor(), shift_id=shift_id)
        return {
            "shift_id": shift_id,
            "code": code.code,
            "step_seconds": STEP_SECONDS,
            "expires_at": code.expires_at,
        }


@blp.route("/shifts/<int:shift_id>/code-holder")
class CodeHolder(MethodView):
    @login_required
    @blp.arguments(CodeHolderIn)
    @blp.response(200, ShiftOut)
    def put(self, data: dict[str, Any], shift_id: int) -> Any:
        """Designate the on-site member who shows the rotating code (null: only admins)."""
        shift = service.set_code_holder(
            actor=current_actor(), shift_id=shift_id, member_id=data["member_id"]
        )
        db.session.commit()
        return shift


def _punch_view(result: service.PunchResult) -> dict[str, Any]:
    p = result.punch
    return {
        "id": p.id,
        "shift_id": p.shift_id,
        "direction": p.direction,
        "method": p.method,
        "punched_at": p.punched_at,
        "distance_m": p.distance_m,
        "accuracy_m": p.accuracy_m,
        "flags": p.flags,
        "record": None
        if result.record is None
        else {
            "id": result.record.id,
            "minutes": result.record.minutes,
            "status": result.record.status,
            "flags": result.record.flags,
        },
    }


@blp.route("/punches")
class Punches(MethodView):
    @login_required
    @blp.arguments(PunchIn)
    @blp.response(201, PunchOut)
    @blp.alt_response(200, schema=PunchOut, description="the same punch, made before")
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    @blp.alt_response(409, description="不在签到时间内、未报名、未签到就签退等（punch.*）")
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Check in or out with a rotating code or a venue code (with the phone's location)."""
        location = data.get("location")
        result = service.punch(
            actor=current_actor(),
            code=data["code"],
            direction=data["direction"],
            location=service.Location(**location) if location else None,
        )
        view = _punch_view(result)  # before the commit expires what it reads
        db.session.commit()
        return view, 201 if result.created else 200


@blp.route("/shifts/<int:shift_id>/attendance")
class HandAttendance(MethodView):
    @login_required
    @blp.arguments(HandAttendanceIn)
    @blp.response(201, RecordBriefOut)
    def post(self, data: dict[str, Any], shift_id: int) -> Any:
        """Record a member's attendance by hand (no phone); marked as hand-recorded."""
        record = hand.record_by_hand(actor=current_actor(), shift_id=shift_id, **data)
        db.session.commit()
        return record


@blp.route("/signups/<bigid:signup_id>/excuse")
class Excuse(MethodView):
    @login_required
    @blp.arguments(ReasonIn)
    @blp.response(200, SignupOut)
    def post(self, data: dict[str, Any], signup_id: int) -> Any:
        """Excuse a member who did not come (instead of a no-show)."""
        signup = hand.excuse(actor=current_actor(), signup_id=signup_id, reason=data["reason"])
        db.session.commit()
        return signup


def _venue_view(code: Any) -> dict[str, Any]:
    return {
        "task_id": code.task_id,
        "scene": code.scene,
        "image_url": url_for("attendance.VenueCodeImage", task_id=code.task_id),
        "created_at": code.created_at,
    }


@blp.route("/tasks/<int:task_id>/venue-code")
class VenueCode(MethodView):
    @login_required
    @blp.response(200, VenueCodeOut)
    def post(self, task_id: int) -> dict[str, Any]:
        """The task's printed venue code: generated through WeChat once, then the same."""
        code = venue.get_or_create(actor=current_actor(), task_id=task_id)
        db.session.commit()
        return _venue_view(code)


@blp.route("/tasks/<int:task_id>/venue-code.png")
class VenueCodeImage(MethodView):
    @login_required
    @blp.response(200, BINARY, content_type="image/png")
    def get(self, task_id: int) -> Response:
        """The venue code's image, to print."""
        code = venue.image(actor=current_actor(), task_id=task_id)
        return Response(code.image, mimetype=code.content_type)
