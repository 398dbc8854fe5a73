"""Confirming a call-up: every assignment becomes a held place and an invitation, or none.

Every assignment is judged again under the row locks of its members and then of the shifts
(each in id order, as every signup takes them: confirmations and signups wait for each other
and never deadlock) by the signup rules themselves.
"""

from __future__ import annotations

from collections import defaultdict
from typing import TYPE_CHECKING

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.callups.models import CallUp, CallUpAssignment, CallUpStatus
from sunshine.callups.service.callups import editable
from sunshine.errors import Conflict
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.security import service as security
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Invitation, InvitationStatus, Shift

if TYPE_CHECKING:
    from sunshine.security.service import Origin


def confirm(*, actor: Actor, call_up_id: int, origin: Origin | None = None) -> CallUp:
    """Turn every assignment into a held place and an invitation, or none of them.

    Every assignment is judged again under the shift row locks by the signup rules themselves
    (``tasks.admission``, as a member signing up is): a shift filled meanwhile, a member now
    busy, no longer reported in, already on the shift or already invited to it makes the
    whole confirmation fail with 409 ``callup.assignments_invalid``, naming every such
    member; nothing is written.
    """
    call_up = editable(actor, call_up_id)
    assignments = list(
        db.session.scalars(
            select(CallUpAssignment)
            .where(CallUpAssignment.call_up_id == call_up.id)
            .order_by(CallUpAssignment.post_id, CallUpAssignment.id)
        )
    )
    if not assignments:
        raise Conflict("尚未安排任何人员", code="callup.empty")
    posts = {post.id: post for post in call_up.posts}
    members = {
        m.id: m
        for m in db.session.scalars(
            select(Member).where(Member.id.in_([a.member_id for a in assignments]))
        )
    }
    on_shift: dict[int, list[CallUpAssignment]] = defaultdict(list)
    for a in assignments:
        on_shift[posts[a.post_id].shift_id].append(a)
    # A second pending invitation to the same shift is refused by its unique index.
    invited = {
        (member_id, shift_id)
        for member_id, shift_id in db.session.execute(
            select(Invitation.member_id, Invitation.shift_id).where(
                Invitation.shift_id.in_(on_shift), Invitation.status == InvitationStatus.PENDING
            )
        )
    }
    # Every member it places, before any shift: the lock order of every signup (docs/tasks.md).
    tasks.lock_members(members)
    failures = []
    admitted: list[tuple[Shift, list[Member]]] = []
    for shift_id in sorted(on_shift):  # locks in id order: confirmations wait, never deadlock
        shift = tasks.get_shift(shift_id, lock=True)
        refused: dict[int, tuple[str, str]] = {
            a.member_id: ("callup.already_invited", "已有该班次待答复的邀请")
            for a in on_shift[shift_id]
            if (a.member_id, shift_id) in invited
        }
        group = [members[a.member_id] for a in on_shift[shift_id] if a.member_id not in refused]
        held, judged = tasks.admission(shift, group, waitlist=False)
        refused.update({m: ("callup.already_signed_up", "已报名该班次") for m in held})
        refused.update({m: (error.code, error.message) for m, error in judged.items()})
        failures += [
            {
                "assignment_id": a.id,
                "member_id": a.member_id,
                "member_name": members[a.member_id].name,
                "post_id": a.post_id,
                "code": refused[a.member_id][0],
                "message": refused[a.member_id][1],
            }
            for a in on_shift[shift_id]
            if a.member_id in refused
        ]
        admitted.append((shift, group))
    if failures:
        names = "、".join(f"{f['member_name']}（{f['message']}）" for f in failures[:5])
        more = f"等 {len(failures)} 人" if len(failures) > 5 else ""
        raise Conflict(
            f"以下人员已不能安排，请调整后再确认：{names}{more}",
            code="callup.assignments_invalid",
            fields={"assignments": failures},
        )
    for shift, group in admitted:
        tasks.hold(shift, group)
        notify.about_shift(Event.INVITED, shift, [m.id for m in group])
    now = clock.now()
    db.session.add_all(
        Invitation(
            shift_id=posts[a.post_id].shift_id,
            member_id=a.member_id,
            invited_by_id=actor.id,
            call_up_id=call_up.id,
            created_at=now,
        )
        for a in assignments
    )
    call_up.status, call_up.confirmed_at, call_up.confirmed_by_id = (
        CallUpStatus.CONFIRMED,
        now,
        actor.id,
    )
    security.record(  # a call-up puts many members on shifts at once: who did it, from where
        action="callup.confirm",
        account_id=actor.id,
        origin=origin,
        object_type="call_up",
        object_id=call_up.id,
        detail={"places": len(assignments), "shifts": len(on_shift)},
    )
    db.session.flush()
    return call_up
