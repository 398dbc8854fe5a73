"""On-site check-in: codes for the person in charge, punches for members, hand records."""

from __future__ import annotations

from typing import Any

from flask import Response, url_for
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine import rate_limits
from sunshine.access.permissions import Permission
from sunshine.api import ReasonIn
from sunshine.attendance import code_holders, hand, service, venue
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
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.extensions import db
from sunshine.openapi import BINARY
from sunshine.tasks.schemas import ShiftOut, SignupOut

blp = Blueprint("attendance", __name__, url_prefix="/api/v1", description="现场签到签退")


@blp.route("/shifts/<int:shift_id>/checkin-code")
class CheckinCode(MethodView):
    @login_required
    @rate_limits.per_account("CHECKIN_CODE_RATE_LIMIT", "checkin_code.fetch")
    @blp.response(200, CheckinCodeOut)
    @blp.alt_response(
        409,
        description="不在签到时间内（punch.window_closed），或班次已取消（shift.cancelled、"
        "shift.not_open）",
    )
    @blp.alt_response(429, description="获取太频繁（rate_limited，按账号限制）")
    def get(self, shift_id: int) -> dict[str, Any]:
        """班次当前的动态签到码

        每 30 秒更换一次。只有班次指定的现场负责人与管辖该任务的管理员可看；
        只在签到时间内给出（punch.window_closed）。
        """
        code = code_holders.current_code(
            actor=current_actor(), shift_id=shift_id, origin=request_origin()
        )
        db.session.commit()
        return {
            "shift_id": shift_id,
            "code": code.code,
            "step_seconds": STEP_SECONDS,
            "expires_at": code.expires_at,
        }


@blp.route("/shifts/<int:shift_id>/code-holder")
class CodeHolder(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(CodeHolderIn)
    @blp.response(200, ShiftOut)
    @blp.alt_response(409, description="班次已取消（shift.cancelled、shift.not_open）")
    def put(self, data: dict[str, Any], shift_id: int) -> Any:
        """指定出示签到码的现场负责人

        须是已报名本班次的党员（shift.holder_not_signed_up，422）；
        member_id 为 null 时只有管理员可出示。
        """
        shift = code_holders.set_code_holder(
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
    @rate_limits.per_account("PUNCH_RATE_LIMIT", "punch")
    @blp.arguments(PunchIn)
    @blp.response(201, PunchOut)
    @blp.alt_response(200, schema=PunchOut, description="the same punch, made before")
    @blp.alt_response(404, description="尚未注册为党员（member.not_registered）")
    @blp.alt_response(
        409,
        description="不在签到时间内、未报名、未签到就签退、班次开始前签退等（punch.*，shift.*）",
    )
    @blp.alt_response(429, description="打卡太频繁（rate_limited，按账号限制）")
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """签到或签退

        扫现场负责人手机上的动态签到码，或打印的场地码（须附当前位置：punch.location_required；
        超出签到半径：punch.too_far，403）。签到码无效或过期时 422（punch.bad_code、
        punch.code_expired）。同一打卡重复提交返回原打卡（200）。签退生成服务记录，
        按社区的审批方式待确认或自动确认。
        """
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
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(HandAttendanceIn)
    @blp.response(201, RecordBriefOut)
    @blp.alt_response(
        409,
        description="未报名（attendance.no_signup）、已打卡（attendance.already_punched）"
        "或班次已取消（shift.cancelled、shift.not_open）",
    )
    def post(self, data: dict[str, Any], shift_id: int) -> Any:
        """为党员代为登记出勤

        为没有手机的党员登记签到、签退时间，记录标记为手工登记。
        该党员须已报名（attendance.no_signup）且没有自己打卡（attendance.already_punched）；
        时间须在班次窗口内（attendance.bad_times，422）。
        """
        record = hand.record_by_hand(actor=current_actor(), shift_id=shift_id, **data)
        db.session.commit()
        return record


@blp.route("/signups/<bigid:signup_id>/excuse")
class Excuse(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.arguments(ReasonIn)
    @blp.response(200, SignupOut)
    @blp.alt_response(
        409,
        description="不是未到场的报名（attendance.not_absent）"
        "或班次尚未开始（attendance.not_started）",
    )
    def post(self, data: dict[str, Any], signup_id: int) -> Any:
        """为未到场的党员请假（须填写原因）

        代替缺席记录。只能在班次开始后（开始前请党员取消报名：attendance.not_started），
        为已报名且未到场的党员请假（attendance.not_absent）。
        """
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
    @requires(Permission.TASK_MANAGE)
    @blp.response(200, VenueCodeOut)
    @blp.alt_response(
        409,
        description="任务已取消、不使用场地码或没有服务地点坐标（task.cancelled、"
        "task.not_venue_mode、task.no_site）",
    )
    @blp.alt_response(429, description="微信接口调用太频繁（wechat.rate_limited）")
    @blp.alt_response(502, description="微信返回错误（wechat.error、wechat.bad_page）")
    @blp.alt_response(
        503,
        description="微信服务不可用（wechat.busy、wechat.unavailable、wechat.misconfigured）",
    )
    def post(self, task_id: int) -> dict[str, Any]:
        """生成任务的场地码

        第一次调用时通过微信生成小程序码，之后返回同一个。
        任务的签到方式须为场地码（task.not_venue_mode）并设有服务地点坐标（task.no_site）；
        已取消的任务不能生成（task.cancelled）。
        """
        code = venue.get_or_create(actor=current_actor(), task_id=task_id)
        db.session.commit()
        return _venue_view(code)


@blp.route("/tasks/<int:task_id>/venue-code.png")
class VenueCodeImage(MethodView):
    @requires(Permission.TASK_MANAGE)
    @blp.response(200, BINARY, content_type="image/png")
    def get(self, task_id: int) -> Response:
        """下载场地码图片（打印用）

        尚未生成场地码时 404（venue_code.not_found）。
        """
        code = venue.image(actor=current_actor(), task_id=task_id)
        return Response(code.image, mimetype=code.content_type)
