"""A leaner rotating-code check-in, served only by bench/checkin_throughput.py's gunicorn.

Evidence for issue 5's write-up, not a replacement: ``POST /bench/lean-punches`` takes the same
body and bearer token as ``POST /api/v1/punches`` and answers the same JSON (same schemas,
same statuses, same error codes) for a check-in with a rotating code, but reaches the database
in 7 round trips instead of 18:

- the token, its account and the member in one query (the app also loads the account's
  grants, which a punch never needs, and the member in a query of its own);
- the shift with its task in one query (the app loads the task lazily);
- ``INSERT … ON CONFLICT DO NOTHING RETURNING`` for the punch: a repeated punch is the
  conflict, so there is no prior ``SELECT`` and no SAVEPOINT around the insert;
- ``UPDATE signup … RETURNING`` to mark the confirmed signup attended (the app selects the
  signup, then updates it);
- the JSON built before COMMIT, so nothing is read again after it (the app's session expires
  the punch on commit and reloads it: pre-ping, BEGIN, SELECT, ROLLBACK).

It covers what the bench sends: check-ins (``direction: in``) with rotating codes on tasks
without walk-ins; anything else is refused with ``bench.not_covered``. The rules it checks
are the app's (``sunshine.attendance.service.punch``): a genuine current code, a valid token
of an active account, a verified member, an open shift of a published task, the check-in
window, a confirmed signup; a repeated check-in answers the first punch with a 200. (One
difference: the body is validated before the token here, after it in the app.)

    gunicorn 'bench.lean_punch:served_app()'    # the app of wsgi.py plus this route
"""

from __future__ import annotations

import gc
import hashlib
from datetime import timedelta
from typing import Any

from flask import Flask, request
from flask.views import MethodView
from flask_smorest import Blueprint
from sqlalchemy import select, update
from sqlalchemy.dialects.postgresql import insert as pg_insert

from sunshine.attendance import codes
from sunshine.attendance.models import Direction, Punch, PunchMethod
from sunshine.attendance.schemas import PunchIn, PunchOut
from sunshine.auth.models import Account, AccountStatus, AuthToken
from sunshine.database import utcnow
from sunshine.errors import Conflict, Forbidden, Invalid, NotFound, Unauthorized
from sunshine.extensions import api, db
from sunshine.hours.models import ServiceRecord
from sunshine.members.models import Member, MemberStatus
from sunshine.tasks.models import (
    Attendance,
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Task,
    TaskStatus,
)

PATH = "/bench/lean-punches"
blp = Blueprint("bench_lean", __name__, description="bench only")
_PUNCH_COLUMNS = (
    Punch.id,
    Punch.shift_id,
    Punch.direction,
    Punch.method,
    Punch.punched_at,
    Punch.distance_m,
    Punch.accuracy_m,
    Punch.flags,
)


def _member_id(header: str) -> int:
    """The verified member behind a bearer token, in one query."""
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthorized()
    row = db.session.execute(
        select(AuthToken.revoked_at, AuthToken.expires_at, Account.status, Member.id, Member.status)
        .join(Account, Account.id == AuthToken.account_id)
        .outerjoin(Member, Member.account_id == Account.id)
        .where(AuthToken.token_hash == hashlib.sha256(raw.strip().encode()).hexdigest())
    ).one_or_none()
    if row is None or row[0] is not None:
        raise Unauthorized("登录已失效，请重新登录", code="auth.invalid_token")
    if row[1] <= utcnow():
        raise Unauthorized("登录已过期，请重新登录", code="auth.token_expired")
    if row[2] == AccountStatus.DISABLED:
        raise Forbidden("账号已停用，请联系管理员", code="auth.account_disabled")
    if row[3] is None or row[4] == MemberStatus.DEACTIVATED:
        raise NotFound("尚未注册为党员", code="member.not_registered")
    if row[4] != MemberStatus.VERIFIED:
        raise Forbidden("党员身份尚未认证", code="member.not_verified")
    member_id: int = row[3]
    return member_id


def lean_punch(header: str, code: str, direction: Direction) -> tuple[dict[str, Any], bool]:
    """(the punch as PunchOut dumps it, whether it was created)."""
    member_id = _member_id(header)
    if direction != Direction.IN or not codes.is_rotating(code):
        raise Invalid("bench: only rotating-code check-ins", code="bench.not_covered")
    now = utcnow()
    shift_id = codes.read_rotating(code, now)
    shift = db.session.execute(
        select(
            Shift.status,
            Shift.starts_at,
            Shift.ends_at,
            Task.status,
            Task.checkin_opens_minutes,
            Task.allow_walk_ins,
        )
        .join(Task, Task.id == Shift.task_id)
        .where(Shift.id == shift_id)
    ).one_or_none()
    if shift is None:
        raise NotFound("班次不存在", code="shift.not_found")
    created = db.session.execute(
        pg_insert(Punch)
        .values(
            shift_id=shift_id,
            member_id=member_id,
            direction=direction,
            method=PunchMethod.ROTATING,
            punched_at=now,
            flags=[],
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["shift_id", "member_id", "direction"])
        .returning(*_PUNCH_COLUMNS)
    ).one_or_none()
    if created is None:  # the app answers a repeated punch before checking anything else
        first = db.session.execute(
            select(*_PUNCH_COLUMNS).where(
                Punch.shift_id == shift_id,
                Punch.member_id == member_id,
                Punch.direction == direction,
            )
        ).one()
        record = db.session.scalar(
            select(ServiceRecord).where(
                ServiceRecord.shift_id == shift_id, ServiceRecord.member_id == member_id
            )
        )
        return {**first._asdict(), "record": record}, False
    # The checks the app makes before its insert: failing one rolls the insert back.
    shift_status, starts_at, ends_at, task_status, opens_minutes, walk_ins = shift
    if shift_status == ShiftStatus.CANCELLED or task_status == TaskStatus.CANCELLED:
        raise Conflict("班次已取消", code="shift.cancelled")
    if task_status != TaskStatus.PUBLISHED:
        raise Conflict("任务尚未发布", code="shift.not_open")
    if now < starts_at - timedelta(minutes=opens_minutes):
        raise Conflict("尚未到签到时间", code="punch.too_early")
    if now > ends_at:
        raise Conflict("签到时间已过", code="punch.too_late")
    signup = db.session.execute(
        update(Signup)
        .where(
            Signup.shift_id == shift_id,
            Signup.member_id == member_id,
            Signup.status == SignupStatus.CONFIRMED,
        )
        .values(attendance=Attendance.ATTENDED)
        .returning(Signup.id)
    ).one_or_none()
    if signup is None:
        if walk_ins:
            raise Invalid("bench: walk-ins are not covered", code="bench.not_covered")
        raise Conflict("您未报名本班次", code="punch.no_signup")
    return {**created._asdict(), "record": None}, True


@blp.route(PATH)
class LeanPunches(MethodView):
    @blp.arguments(PunchIn)
    @blp.response(201, PunchOut)
    def post(self, data: dict[str, Any]) -> tuple[dict[str, Any], int]:
        """Check in with a rotating code in 7 round trips (bench only)."""
        if data.get("location") is not None:
            raise Invalid("bench: no location", code="bench.not_covered")
        header = request.headers.get("Authorization", "")
        view, created = lean_punch(header, data["code"], data["direction"])
        db.session.commit()
        return view, 201 if created else 200


def add_route(app: Flask) -> Flask:
    """Register the lean check-in on an app made by ``create_app``."""
    with app.app_context():
        api.register_blueprint(blp)
    return app


def served_app() -> Flask:
    """wsgi.py's app with the lean check-in added (gunicorn's app factory)."""
    from wsgi import app

    gc.unfreeze()  # wsgi.py froze the start-up objects; freeze them again with the route
    add_route(app)
    gc.freeze()
    return app
