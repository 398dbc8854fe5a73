"""Tasks as admins and members see them: the catalogue, task listings, one task, a shift's
roster, the member's signups and invitations. (The member's feed is ``tasks.feed``.)"""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, authorize, can, require_somewhere
from sunshine.access.refusals import concealed
from sunshine.api import Shown
from sunshine.attendance.models import Direction, Punch
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.moderation.models import ContentCheck
from sunshine.moderation.service import latest_for
from sunshine.moderation.views import brief
from sunshine.pagination import CursorPage, newest_first
from sunshine.tasks import moderated
from sunshine.tasks.audience import visible_to
from sunshine.tasks.models import (
    Invitation,
    InvitationStatus,
    Shift,
    Signup,
    SignupStatus,
    Task,
    TaskCategory,
    TaskStatus,
)
from sunshine.tasks.service import (
    get_shift,
    get_task,
    place_of,
    place_of_shift,
    placed_path,
    shift_subject,
    task_subject,
)


def list_categories() -> list[TaskCategory]:
    """The active task categories, in catalogue order."""
    return list(
        db.session.scalars(
            select(TaskCategory).where(TaskCategory.active).order_by(TaskCategory.sort_order)
        )
    )


def checked(task: Task, check: ContentCheck | None) -> Shown:
    """A task with what its author is told about the check of its text."""
    return Shown(task, content_check=brief(check))


# What a page of tasks shows, read with the page (a query each, not per task).
TASK_PAGE = (
    selectinload(Task.area),
    selectinload(Task.category),
    selectinload(Task.streets),
    selectinload(Task.skills),
    selectinload(Task.campaigns),
    selectinload(Task.shifts),
)


def list_tasks(
    *,
    actor: Actor,
    limit: int,
    after_id: int | None = None,
    status: TaskStatus | None = None,
    area_id: int | None = None,
) -> CursorPage:
    """Tasks the actor manages, newest first."""
    query = select(Task).options(*TASK_PAGE)
    if status is not None:
        query = query.where(Task.status == status)
    return scoped_page(
        query,
        actor=actor,
        permission=Permission.TASK_MANAGE,
        within_area_id=area_id,
        id_column=Task.id,
        area_path=Task.area_path,
        body_id=Task.body_id,
        after_id=after_id,
        limit=limit,
    )


def task_for(*, actor: Actor, task_id: int) -> Task:
    """A task as its reader may see it: its managers see every task (drafts too); a member
    sees a published task visible where they are reported in, or one on whose shifts they
    have a signup or an invitation. Anyone else is told it does not exist (404: ids do not
    leak), a draft cancelled before it was ever published included."""
    task = get_task(task_id)
    if not _may_read(actor, task):
        raise concealed(account_id=actor.id, action="task.read", subject=task_subject(task))
    return task


def task_page(*, actor: Actor, task_id: int) -> Shown:
    """``task_for``, with the latest content check of its text for its managers (its
    authors follow a held publication or edit there); null for members."""
    task = task_for(actor=actor, task_id=task_id)
    check = None
    if can(actor, Permission.TASK_MANAGE, place_of(task)):
        check = latest_for(moderated.SUBJECT, task.id)
    return checked(task, check)


def shift_for(*, actor: Actor, shift_id: int) -> Shift:
    """One shift with its task, under the task's rule (``task_for``); else 404."""
    shift = get_shift(shift_id)
    if not _may_read(actor, shift.task):
        raise concealed(account_id=actor.id, action="shift.read", subject=shift_subject(shift))
    return shift


def _may_read(actor: Actor, task: Task) -> bool:
    if can(actor, Permission.TASK_MANAGE, place_of(task)):
        return True
    member = members.own_member_or_none(actor)
    if member is None:
        return False
    if task.published_at is not None:
        placed = placed_path(member.id)
        if placed is not None and visible_to(task, placed):
            return True
    shift_ids = select(Shift.id).where(Shift.task_id == task.id)
    involved = db.session.scalar(
        select(Signup.id)
        .where(Signup.member_id == member.id, Signup.shift_id.in_(shift_ids))
        .union_all(
            select(Invitation.id).where(
                Invitation.member_id == member.id, Invitation.shift_id.in_(shift_ids)
            )
        )
        .limit(1)
    )
    return involved is not None


def managed_shift(*, actor: Actor, shift_id: int) -> Shift:
    """A shift whose roster the actor may read: its task's managers (others 403, 404)."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = get_shift(shift_id)
    authorize(actor, Permission.TASK_MANAGE, place_of_shift(shift))
    return shift


def shift_roster(*, actor: Actor, shift_id: int) -> list[Signup]:
    """Who holds a place, who waits, who cancelled (late cancellations flagged)."""
    shift = managed_shift(actor=actor, shift_id=shift_id)
    return list(
        db.session.scalars(select(Signup).where(Signup.shift_id == shift.id).order_by(Signup.id))
    )


# What a page of the member's signups or invitations shows, in a few batched queries.
_SHIFT_LOADS = selectinload(Signup.shift).selectinload(Shift.task).selectinload(Task.area)


def checkin_states(member_id: int, shift_ids: Iterable[int]) -> dict[int, str]:
    """The member's check-in state on each shift (one query): checked_out once a check-out
    is punched, checked_in after a check-in, none (absent from the dict) without punches."""
    states: dict[int, str] = {}
    ids = set(shift_ids)
    if not ids:
        return states
    rows = db.session.execute(
        select(Punch.shift_id, Punch.direction)
        .where(Punch.member_id == member_id, Punch.shift_id.in_(ids))
        .distinct()
    )
    for shift_id, direction in rows:
        if direction == Direction.OUT:
            states[shift_id] = "checked_out"
        else:
            states.setdefault(shift_id, "checked_in")
    return states


def my_signups(*, actor: Actor, limit: int, cursor: int | None = None) -> CursorPage:
    """The member's signups, newest first, each with its shift, task and check-in state."""
    member = members.own_member(actor)
    page = newest_first(
        select(Signup).where(Signup.member_id == member.id).options(_SHIFT_LOADS),
        Signup.id,
        after_id=cursor,
        limit=limit,
    )
    states = checkin_states(member.id, (s.shift_id for s in page.items))
    return CursorPage(
        [Shown(s, checkin=states.get(s.shift_id, "none")) for s in page.items], page.next_cursor
    )


def my_invitations(
    *,
    actor: Actor,
    limit: int,
    cursor: int | None = None,
    status: InvitationStatus | None = None,
) -> CursorPage:
    """The member's invitations (by default the pending ones), newest first, each with its
    shift, task, the member's signup on the shift and check-in state."""
    member = members.own_member(actor)
    query = (
        select(Invitation)
        .where(
            Invitation.member_id == member.id,
            Invitation.status == (status or InvitationStatus.PENDING),
        )
        .options(selectinload(Invitation.shift).selectinload(Shift.task).selectinload(Task.area))
    )
    page = newest_first(query, Invitation.id, after_id=cursor, limit=limit)
    shift_ids = {i.shift_id for i in page.items}
    signups: dict[int, SignupStatus] = {}
    if shift_ids:
        for shift_id, signup_status in db.session.execute(
            select(Signup.shift_id, Signup.status)
            .where(Signup.member_id == member.id, Signup.shift_id.in_(shift_ids))
            .order_by(Signup.id)
        ):
            signups[shift_id] = signup_status  # the latest wins
    states = checkin_states(member.id, shift_ids)
    return CursorPage(
        [
            Shown(
                i,
                signup_status=signups.get(i.shift_id),
                checkin=states.get(i.shift_id, "none"),
            )
            for i in page.items
        ],
        page.next_cursor,
    )
