"""Signing members up: admission, places and waitlists, promotion, cancellation."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import aliased

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.access.refusals import Subject, concealed
from sunshine.errors import Conflict, Missing
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import Member, MemberStatus
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.org.models import Area
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks.audience import visible_to
from sunshine.tasks.models import (
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    TaskStatus,
)
from sunshine.tasks.service.shifts import fill_from_waitlist, get_shift
from sunshine.tasks.service.tasks import LIVE


def active_community(member_id: int) -> Area | None:
    return db.session.scalar(
        select(Area)
        .join(ReportIn, ReportIn.community_id == Area.id)
        .where(ReportIn.member_id == member_id, ReportIn.status == ReportInStatus.ACTIVE)
    )


def active_places(member_id: int) -> tuple[Area, Area | None] | None:
    """The community the member is reported in to and the grid it places them in (or None),
    in one read; None when not reported in."""
    grid = aliased(Area)
    row = db.session.execute(
        select(Area, grid)
        .join(ReportIn, ReportIn.community_id == Area.id)
        .outerjoin(grid, ReportIn.grid_id == grid.id)
        .where(ReportIn.member_id == member_id, ReportIn.status == ReportInStatus.ACTIVE)
    ).first()
    return None if row is None else (row[0], row[1])


def placed_path(member_id: int) -> str | None:
    """Where a task's visibility finds the member (``visible_prefix``): the path of the grid
    their active report-in places them in, else of its community; None when not reported in.

    A grid's path lies inside its community's, so a community, street or city task's prefix
    matches either, and a grid task's only the grid's members.
    """
    return db.session.scalar(
        select(Area.path)
        .join(ReportIn, func.coalesce(ReportIn.grid_id, ReportIn.community_id) == Area.id)
        .where(ReportIn.member_id == member_id, ReportIn.status == ReportInStatus.ACTIVE)
    )


def lock_members(ids: Iterable[int]) -> None:
    """Serialise every way onto a shift for these members: their rows locked, in id order.

    The lock order (docs/tasks.md): member rows first, ascending by id, then shift rows. The
    clash check (``signup.overlap``) reads the member's other live signups; only a lock held
    per member keeps two requests of the same member from both passing it on different
    shifts. NO KEY UPDATE, as a statement's issue takes it: it waits for another signup, a
    report-in change or a liaison grant of the member, not for rows merely referencing them.
    SQLite ignores FOR UPDATE; its one write lock, taken at BEGIN, serialises instead.
    """
    db.session.execute(
        select(Member.id)
        .where(Member.id.in_(sorted(set(ids))))
        .order_by(Member.id)
        .with_for_update(key_share=True)
    ).all()


def sign_up(*, actor: Actor, shift_id: int) -> tuple[Signup, bool]:
    """Hold a place on the shift, or join its waitlist when it is full.

    Returns (signup, created). Signing up twice returns the live signup. Refuses members not
    reported to a community the task is visible to, shifts past their deadline, and shifts
    that overlap another of the member's live signups.
    """
    member = members.require_verified(actor)
    lock_members([member.id])
    shift = get_shift(shift_id, lock=True)
    signup, created = join_shift(shift, member)
    if created and signup.status == SignupStatus.CONFIRMED:
        notify.about_shift(Event.SIGNUP_CONFIRMED, shift, [member.id])
    return signup, created


def join_shift(
    shift: Shift, member: Member, *, waitlist: bool = True, on_site: bool = False
) -> tuple[Signup, bool]:
    """Put one member on the (locked) shift under the signup rules: (signup, created).
    The caller locked the member first (``lock_members``).

    Returns the member's live signup on the shift when there is one; raises the rule's
    ``Conflict`` when the member may not join.
    """
    held, refused = admission(shift, [member], waitlist=waitlist, on_site=on_site)
    if member.id in refused:
        raise refused[member.id]
    if member.id in held:
        return held[member.id], False
    return hold(shift, [member])[0], True


def admission(
    shift: Shift, members: Sequence[Member], *, waitlist: bool = True, on_site: bool = False
) -> tuple[dict[int, Signup], dict[int, Conflict]]:
    """The signup rules, in the one place every way onto a shift is judged: a member signing
    up, a call-up being confirmed and a detachment's team signup for many members at once
    (three queries either way).

    The caller holds the members' row locks (``lock_members``, taken first) and then the
    shift's: two requests of one member are judged one after the other. Returns (the live
    signups members already hold on the shift, why each of the others may not join): not
    open, past the deadline, not verified, not reported in where the task is visible, on a
    clashing shift — and, with ``waitlist=False``, beyond the free places (in the order
    given). Members in neither may take a new place with ``hold``. ``on_site`` judges a
    walk-in at check-in: the signup deadline and the start have passed by then, so they do
    not close the shift.
    """
    task = shift.task
    if task.status != TaskStatus.PUBLISHED or shift.status != ShiftStatus.OPEN:
        return {}, {m.id: Conflict("该班次不可报名", code="shift.not_open") for m in members}
    ids = [m.id for m in members]
    held = {
        signup.member_id: signup
        for signup in db.session.scalars(
            select(Signup).where(
                Signup.shift_id == shift.id, Signup.member_id.in_(ids), Signup.status.in_(LIVE)
            )
        )
    }
    placed = dict(  # each member's grid path, else community path (``placed_path``)
        db.session.execute(
            select(ReportIn.member_id, Area.path)
            .join(Area, func.coalesce(ReportIn.grid_id, ReportIn.community_id) == Area.id)
            .where(ReportIn.member_id.in_(ids), ReportIn.status == ReportInStatus.ACTIVE)
        ).all()
    )
    clashing = set(
        db.session.scalars(
            select(Signup.member_id)
            .join(Shift, Signup.shift_id == Shift.id)
            .where(
                Signup.member_id.in_(ids),
                Signup.status.in_(LIVE),
                Shift.status == ShiftStatus.OPEN,
                Shift.starts_at < shift.ends_at,
                Shift.ends_at > shift.starts_at,
            )
        )
    )
    now = clock.now()
    closed = not on_site and (now >= shift.signup_deadline or now >= shift.starts_at)
    free = shift.capacity - shift.confirmed_count
    refused: dict[int, Conflict] = {}
    for member in members:
        path = placed.get(member.id)
        if member.id in held:
            continue
        if closed:
            refused[member.id] = Conflict("报名已截止", code="shift.signup_closed")
        elif member.status != MemberStatus.VERIFIED:
            refused[member.id] = Conflict("党员身份尚未认证", code="signup.not_verified")
        elif path is None or not visible_to(task, path):
            refused[member.id] = Conflict("该任务不面向您报到的社区", code="signup.not_eligible")
        elif member.id in clashing:
            refused[member.id] = Conflict("与您已报名的其他班次时间冲突", code="signup.overlap")
        elif not waitlist and free <= 0:
            refused[member.id] = Conflict("班次名额已满", code="shift.full")
        else:
            free -= 1
    return held, refused


def hold(shift: Shift, members: Sequence[Member]) -> list[Signup]:
    """New signups on the (locked) shift for members ``admission`` let through, in order:
    confirmed while places last, then waitlisted."""
    now = clock.now()
    signups = []
    for member in members:
        confirmed = not shift.is_full
        signups.append(
            Signup(
                shift=shift,
                member_id=member.id,
                status=SignupStatus.CONFIRMED if confirmed else SignupStatus.WAITLISTED,
                confirmed_at=now if confirmed else None,
            )
        )
        if confirmed:
            shift.confirmed_count += 1
    try:
        with db.session.begin_nested():
            db.session.add_all(signups)
            db.session.flush()
    except IntegrityError:  # the same member's parallel request won; the index kept the rule
        raise Conflict("正在处理您的报名，请稍后刷新", code="signup.duplicate") from None
    return signups


def take_place_on_site(shift_id: int, member: Member) -> Signup:
    """A walk-in: a confirmed place taken at check-in, while the shift has one free."""
    lock_members([member.id])
    signup, _ = join_shift(get_shift(shift_id, lock=True), member, waitlist=False, on_site=True)
    if signup.status != SignupStatus.CONFIRMED:
        raise Conflict("班次名额已满，您在候补名单中", code="shift.full")
    return signup


SIGNUP_MISSING = Missing(code="signup.not_found", message="报名记录不存在")


def signup_subject(signup: Signup) -> Subject:
    return Subject("signup", signup.id, SIGNUP_MISSING)


def cancel_signup(*, actor: Actor, signup_id: int, late_cutoff: timedelta) -> Signup:
    """Give up a place (or a waitlist spot); the next in line is promoted at once.

    Cancelling later than ``late_cutoff`` before the start is allowed but recorded as late.
    """
    member = members.own_member(actor)
    signup = db.session.get(Signup, signup_id)
    if signup is None:
        raise SIGNUP_MISSING.error()
    if signup.member_id != member.id:
        raise concealed(account_id=actor.id, action="signup.cancel", subject=signup_subject(signup))
    shift = get_shift(signup.shift_id, lock=True)
    db.session.refresh(signup)
    if signup.status == SignupStatus.CANCELLED:
        raise Conflict("报名已取消", code="signup.cancelled")
    now = clock.now()
    if now >= shift.starts_at:
        raise Conflict("班次已开始，不能取消", code="signup.shift_started")
    was_confirmed = signup.status == SignupStatus.CONFIRMED
    signup.status, signup.cancelled_at = SignupStatus.CANCELLED, now
    signup.late_cancel = was_confirmed and now > shift.starts_at - late_cutoff
    if was_confirmed:
        shift.confirmed_count -= 1
        db.session.flush()
        fill_from_waitlist(shift)
    db.session.flush()
    return signup
