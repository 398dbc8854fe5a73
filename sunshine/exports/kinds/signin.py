"""签到表: the sheet a secretary prints for a shift and lays out on the table.

Who: the task's managers, as for the shift's roster (``tasks.views.managed_shift``). Rows:
everyone holding a place or waiting for one (cancelled signups are left out), in signup order,
with the check-in and check-out times (the service record's, else the punches') and the
record's minutes when there is one, and an empty 签名 column to sign by hand. Phones are
always masked, whoever prints: the sheet lies on a table in a public place. A printed A4 sheet:
borders, landscape, the header row on every page, the activity in the page header, rows tall
enough for a signature. Written at once, in the request: a shift holds a few dozen people.
"""

from __future__ import annotations

from collections.abc import Iterator
from itertools import count
from typing import Any

from marshmallow import fields
from sqlalchemy import Row, and_, func, select

from sunshine import clock
from sunshine.access.permissions import Actor, Permission
from sunshine.api import ID, BaseSchema
from sunshine.attendance.models import Direction, Punch
from sunshine.auth.models import Account
from sunshine.exports.labels import label
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column, Layout
from sunshine.extensions import db
from sunshine.hours.models import ServiceRecord
from sunshine.members.models import Member
from sunshine.members.service import mask_phone
from sunshine.tasks.models import Shift, Signup, SignupStatus
from sunshine.tasks.views import managed_shift

COLUMNS = (
    Column("序号", 6, Cell.INTEGER),
    Column("姓名", 12),
    Column("手机号", 14),
    Column("报名", 8),
    Column("报名时间", 17, Cell.DATETIME),
    Column("签到时间", 17, Cell.DATETIME),
    Column("签退时间", 17, Cell.DATETIME),
    Column("时长（分钟）", 11, Cell.INTEGER),
    Column("签名", 22),
)


class SignInSheetArgs(BaseSchema):
    shift_id = fields.Integer(required=True, validate=ID)


def check(actor: Actor, filters: Filters) -> None:
    managed_shift(actor=actor, shift_id=filters["shift_id"])


def _first(direction: Direction, shift_id: int, pick: Any) -> Any:
    """Each member's earliest (``func.min``) or latest (``func.max``) punch of a direction."""
    return (
        select(Punch.member_id, pick(Punch.punched_at).label("at"))
        .where(Punch.shift_id == shift_id, Punch.direction == direction)
        .group_by(Punch.member_id)
        .subquery()
    )


def rows(actor: Actor, filters: Filters) -> Source:
    shift = managed_shift(actor=actor, shift_id=filters["shift_id"])
    punched_in = _first(Direction.IN, shift.id, func.min)
    punched_out = _first(Direction.OUT, shift.id, func.max)
    query = (
        select(
            Signup.id,
            Member.name,
            Account.phone,
            Signup.status,
            Signup.created_at,
            func.coalesce(ServiceRecord.check_in_at, punched_in.c.at).label("checked_in"),
            func.coalesce(ServiceRecord.check_out_at, punched_out.c.at).label("checked_out"),
            ServiceRecord.minutes,
        )
        .join(Member, Member.id == Signup.member_id)
        .join(Account, Account.id == Member.account_id)
        .outerjoin(
            ServiceRecord,
            and_(ServiceRecord.shift_id == Signup.shift_id, ServiceRecord.member_id == Member.id),
        )
        .outerjoin(punched_in, punched_in.c.member_id == Member.id)
        .outerjoin(punched_out, punched_out.c.member_id == Member.id)
        .where(
            Signup.shift_id == shift.id,
            Signup.status.in_([SignupStatus.CONFIRMED, SignupStatus.WAITLISTED]),
        )
    )
    numbers: Iterator[int] = count(1)

    def cells(row: Row[Any]) -> list[Any]:
        return [
            next(numbers),
            row.name,
            mask_phone(row.phone),
            label("signup", row.status),
            row.created_at,
            row.checked_in,
            row.checked_out,
            row.minutes,
            None,
        ]

    return Source(query, key=(Signup.id,), cells=cells)


def layout(filters: Filters) -> Layout:
    """The activity, its time and place in the header of every printed page."""
    shift = db.session.get_one(Shift, filters["shift_id"])
    starts, ends = clock.local(shift.starts_at), clock.local(shift.ends_at)
    when = f"{starts:%Y-%m-%d %H:%M}–{ends:%H:%M}"
    return Layout(
        printable=True,
        row_height=30,
        page_header=f"{shift.task.title}  签到表  {when}  {shift.task.address}",
    )


KIND = ExportKind(
    name="shift_signin",
    title="签到表",
    permission=Permission.TASK_MANAGE,
    filters=SignInSheetArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
    immediate=True,
    layout=layout,
)
