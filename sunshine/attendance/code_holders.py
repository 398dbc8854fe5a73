"""The rotating code's holders: who may be handed a shift's code, and who was.

The person in charge shows the shift's rotating code (``codes.py``) on their phone: an admin
managing the task, or the on-site member they designate (``shift.code_holder_id``). Each
account handed a shift's code is recorded once (``code_holder``, and a ``checkin_code.held``
security event), because whoever holds the code can punch themself in and out with nobody
else there: their check-out flags the record ``code_holder`` and it waits for a person
(separation of duties, ``access.permissions.conflicted``).
"""

from __future__ import annotations

from datetime import datetime

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, authorize, require_somewhere
from sunshine.attendance import codes
from sunshine.attendance.models import CodeHolder
from sunshine.attendance.service import check_open, confirmed_signup, punch_window
from sunshine.database import insert_or_skip, table_of
from sunshine.errors import Conflict, Invalid
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.security import service as security
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Shift

_holders = table_of(CodeHolder)
_HOLD_ONCE = {
    dialect: insert_or_skip(_holders, dialect, key=["shift_id", "account_id"]).returning(
        _holders.c.shift_id
    )
    for dialect in ("sqlite", "postgresql")
}


def _may_show_code(actor: Actor, shift: Shift) -> bool:
    holder = shift.code_holder_id
    if holder is not None:
        member = members.own_member_or_none(actor)
        if member is not None and member.id == holder:
            return True
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of_shift(shift))
    return True


def current_code(
    *, actor: Actor, shift_id: int, origin: security.Origin | None = None
) -> codes.RotatingCode:
    """The shift's code for this 30-second step, for its person in charge to show.

    The first time an account is handed a shift's code it is recorded as a holder.
    """
    shift = tasks.get_shift(shift_id)
    _may_show_code(actor, shift)
    check_open(shift)
    now = clock.on_site()
    opens, closes = punch_window(shift)
    if not opens <= now <= closes:
        raise Conflict("不在签到时间内", code="punch.window_closed")
    _hold(actor, shift.id, now, origin)
    return codes.rotating_code(shift.id, now)


def _hold(actor: Actor, shift_id: int, now: datetime, origin: security.Origin | None) -> None:
    """Record the account as a holder of the shift's code: one INSERT … ON CONFLICT DO
    NOTHING, which finds the row on every later fetch (the phone asks every 30 s)."""
    dialect = db.session.get_bind().dialect.name
    values = {"shift_id": shift_id, "account_id": actor.id, "first_shown_at": now}
    if db.session.scalar(_HOLD_ONCE[dialect], values) is None:
        return  # held before
    security.record(
        action="checkin_code.held",
        account_id=actor.id,
        origin=origin,
        object_type="shift",
        object_id=shift_id,
    )


def set_code_holder(*, actor: Actor, shift_id: int, member_id: int | None) -> Shift:
    """Designate an on-site member (holding a confirmed place) to show the rotating code."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = tasks.get_shift(shift_id)
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of_shift(shift))
    check_open(shift)
    if member_id is not None and confirmed_signup(shift.id, member_id) is None:
        raise Invalid(
            "只能指定已报名本班次的党员",
            code="shift.holder_not_signed_up",
            fields={"member_id": ["未报名本班次"]},
        )
    shift.code_holder_id = member_id
    db.session.flush()
    return shift
