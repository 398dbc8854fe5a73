"""Tasks as admins and members see them: the catalogue, task listings, one task, a shift's
roster, the member's signups and invitations. (The member's feed is ``tasks.feed``.)"""

from __future__ import annotations

from sqlalchemy import select

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, authorize, require_somewhere
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.pagination import CursorPage
from sunshine.tasks.models import (
    Invitation,
    InvitationStatus,
    Signup,
    Task,
    TaskCategory,
    TaskStatus,
)
from sunshine.tasks.service import get_shift, get_task, place_of


def list_categories() -> list[TaskCategory]:
    """The active task categories, in catalogue order."""
    return list(
        db.session.scalars(
            select(TaskCategory).where(TaskCategory.active).order_by(TaskCategory.sort_order)
        )
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
    query = select(Task)
    if status is not None:
        query = query.where(Task.status == status)
    return scoped_page(
        query,
        actor=actor,
        permission=Permission.TASK_MANAGE,
        within_area_id=area_id,
        id_column=Task.id,
        area_path=Task.area_path,
        after_id=after_id,
        limit=limit,
    )


def task_for(*, actor: Actor, task_id: int) -> Task:
    """A published task is public to logged-in users; a draft only to its managers.

    A draft cancelled before it was ever published stays with its managers too.
    """
    task = get_task(task_id)
    if task.published_at is None:
        authorize(actor, Permission.TASK_MANAGE, place_of(task))
    return task


def shift_roster(*, actor: Actor, shift_id: int) -> list[Signup]:
    """Who holds a place, who waits, who cancelled (late cancellations flagged)."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    shift = get_shift(shift_id)
    authorize(actor, Permission.TASK_MANAGE, place_of(shift.task))
    return list(
        db.session.scalars(select(Signup).where(Signup.shift_id == shift.id).order_by(Signup.id))
    )


def my_signups(*, actor: Actor) -> list[Signup]:
    """The member's signups, newest first."""
    member = members.own_member(actor)
    return list(
        db.session.scalars(
            select(Signup).where(Signup.member_id == member.id).order_by(Signup.id.desc())
        )
    )


def my_invitations(*, actor: Actor) -> list[Invitation]:
    """The member's pending invitations, newest first."""
    member = members.own_member(actor)
    return list(
        db.session.scalars(
            select(Invitation)
            .where(Invitation.member_id == member.id, Invitation.status == InvitationStatus.PENDING)
            .order_by(Invitation.id.desc())
        )
    )
