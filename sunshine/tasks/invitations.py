"""Invitations: the secretary's ranked suggestions for a shift, invitations sent, and the
member's answer (accepting signs up, through the same rules as signing up oneself).

A confirmed call-up also invites: its invitations (``call_up_id`` set) come with the place
already held, so accepting keeps that signup and declining gives it up."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import timedelta

from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, authorize, require_somewhere
from sunshine.access.refusals import Subject, concealed
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import Member, MemberStatus
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.org.models import Area
from sunshine.ranking import behind, score, served_this_year, street_path_of, yearly_minutes
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks import service as tasks
from sunshine.tasks.audience import audience
from sunshine.tasks.models import (
    Invitation,
    InvitationStatus,
    Shift,
    ShiftStatus,
    Signup,
    TaskStatus,
    Visibility,
)

# Members considered per suggestion request, nearest communities first.
MAX_CANDIDATES = 2000


@dataclass
class Suggestion:
    member: Member
    community: Area
    score: int
    reasons: list[str] = field(default_factory=list)


def _managed_shift(actor: Actor, shift_id: int) -> Shift:
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = tasks.get_shift(shift_id)
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of_shift(shift))
    if shift.status != ShiftStatus.OPEN or shift.task.status != TaskStatus.PUBLISHED:
        raise Conflict("该班次不可邀请", code="shift.not_open")
    return shift


def _busy_member_ids(shift: Shift) -> set[int]:
    """Members already on this shift, invited to it, or holding a clashing shift."""
    live = (
        select(Signup.member_id)
        .join(Shift, Signup.shift_id == Shift.id)
        .where(
            Signup.status.in_(tasks.LIVE),
            Shift.status == ShiftStatus.OPEN,
            Shift.starts_at < shift.ends_at,
            Shift.ends_at > shift.starts_at,
        )
    )
    invited = select(Invitation.member_id).where(
        Invitation.shift_id == shift.id, Invitation.status == InvitationStatus.PENDING
    )
    return set(db.session.scalars(live)) | set(db.session.scalars(invited))


def suggestions(*, actor: Actor, shift_id: int, limit: int) -> list[Suggestion]:
    """Members best suited to invite, ranked as their own feed would rank the shift."""
    shift = _managed_shift(actor, shift_id)
    task = shift.task
    rows = db.session.execute(
        select(Member, Area)
        .join(ReportIn, ReportIn.member_id == Member.id)
        .join(Area, ReportIn.community_id == Area.id)
        .options(selectinload(Member.skills))
        .where(
            ReportIn.status == ReportInStatus.ACTIVE,
            Member.status == MemberStatus.VERIFIED,
            # A grid's task: the members placed in the grid (``tasks.placed_path``).
            ReportIn.grid_id == task.area_id
            if task.visibility == Visibility.GRID
            else or_(*(Area.path.startswith(path, autoescape=True) for path in audience(task))),
        )
        # Nearest first: the task's community, then its street, then the rest of the city.
        .order_by(
            (Area.path != task.area_path),
            ~Area.path.startswith(street_path_of(task.area_path), autoescape=True),
            Member.id,
        )
        .limit(MAX_CANDIDATES)
    ).all()
    busy = _busy_member_ids(shift)
    served = served_this_year([member.id for member, _ in rows])
    yearly = yearly_minutes({community.path for _, community in rows})
    task_skills = sorted(task.skills, key=lambda skill: skill.id)
    ranked = []
    for member, community in rows:
        if member.id in busy:
            continue
        mine = {skill.id for skill in member.skills}
        points, reasons = score(
            member,
            community.path,
            task_path=task.area_path,
            matched_skills=[skill.name for skill in task_skills if skill.id in mine],
            starts_at=shift.starts_at,
            behind=behind(served[member.id], yearly[community.path]),
        )
        ranked.append(Suggestion(member, community, points, reasons))
    ranked.sort(key=lambda s: (-s.score, s.member.id))
    return ranked[:limit]


def invite(*, actor: Actor, shift_id: int, member_ids: Sequence[int]) -> list[Invitation]:
    """Invite members to a shift; every one must be able to join it, or nobody is invited."""
    shift = _managed_shift(actor, shift_id)
    busy = _busy_member_ids(shift)
    eligible = (
        set(
            db.session.scalars(
                select(Member.id)
                .join(ReportIn, ReportIn.member_id == Member.id)
                .join(Area, func.coalesce(ReportIn.grid_id, ReportIn.community_id) == Area.id)
                .where(
                    Member.id.in_(set(member_ids)),
                    Member.status == MemberStatus.VERIFIED,
                    ReportIn.status == ReportInStatus.ACTIVE,
                    or_(
                        *(
                            Area.path.startswith(path, autoescape=True)
                            for path in audience(shift.task)
                        )
                    ),
                )
            )
        )
        - busy
    )
    refused = sorted(set(member_ids) - eligible)
    if refused:
        raise Invalid(
            "部分党员不能邀请（不在可见范围、未认证、已报名或时间冲突）",
            code="invitation.not_eligible",
            fields={"member_ids": refused},
        )
    created = [
        Invitation(shift=shift, member_id=m, invited_by_id=actor.id)
        for m in dict.fromkeys(member_ids)
    ]
    db.session.add_all(created)
    db.session.flush()
    notify.about_shift(Event.INVITED, shift, [i.member_id for i in created])
    return created


INVITATION_MISSING = Missing(code="invitation.not_found", message="邀请不存在")


def _own_pending(actor: Actor, invitation_id: int) -> Invitation:
    member = members.own_member(actor)
    invitation = db.session.get(Invitation, invitation_id)
    if invitation is None:
        raise INVITATION_MISSING.error()
    if invitation.member_id != member.id:
        subject = Subject("invitation", invitation.id, INVITATION_MISSING)
        raise concealed(account_id=actor.id, action="invitation.answer", subject=subject)
    if invitation.status != InvitationStatus.PENDING:
        raise Conflict("邀请已答复", code="invitation.answered")
    return invitation


def accept(*, actor: Actor, invitation_id: int) -> Signup:
    """Accept: sign up for the shift under the usual rules (a full shift waitlists)."""
    invitation = _own_pending(actor, invitation_id)
    signup, _ = tasks.sign_up(actor=actor, shift_id=invitation.shift_id)
    invitation.status, invitation.responded_at = InvitationStatus.ACCEPTED, clock.now()
    db.session.flush()
    return signup


def decline(*, actor: Actor, invitation_id: int, late_cutoff: timedelta) -> Invitation:
    """Decline. A call-up's invitation comes with a place already held: declining gives it
    up as cancelling the signup would (the waitlist moves up; late if close to the start)."""
    invitation = _own_pending(actor, invitation_id)
    if invitation.call_up_id is not None:
        held = db.session.scalar(
            select(Signup.id).where(
                Signup.shift_id == invitation.shift_id,
                Signup.member_id == invitation.member_id,
                Signup.status.in_(tasks.LIVE),
            )
        )
        if held is not None:
            tasks.cancel_signup(actor=actor, signup_id=held, late_cutoff=late_cutoff)
    invitation.status, invitation.responded_at = InvitationStatus.DECLINED, clock.now()
    db.session.flush()
    return invitation
