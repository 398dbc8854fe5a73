"""Who may see and join a task: the area paths members must be reported in under.

A task is visible under one path, its community's, street's or city's (``visible_prefix``,
copied to its shifts' ``scope_path`` for the feed), or, a city body's task, to the streets of
its city it names (``Visibility.STREETS``): one ``task_street`` row each. The feed reads those
rows as one more index branch for the member's street (``tasks.feed``); signups, the task's
page and invitations ask ``visible_to`` / ``audience``, so the rule is written once.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import ForeignKey, Index, String, inspect, select
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base
from sunshine.extensions import db
from sunshine.org.models import Area
from sunshine.tasks.models import Task, Visibility, visible_prefix


class TaskStreet(Base):
    """A street a city body's task is visible to."""

    __tablename__ = "task_street"
    # The feed's branch for the member's street: its tasks, then their shifts by task.
    __table_args__ = (Index("ix_task_street_street_path_task_id", "street_path", "task_id"),)

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), primary_key=True)
    street_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    street_path: Mapped[str] = mapped_column(String(255))


def audience(task: Task) -> tuple[str, ...]:
    """The area paths members must be reported in under to see and join the task: its
    visible prefix, or the paths of its chosen streets."""
    if task.visibility == Visibility.STREETS:
        return tuple(street.street_path for street in task.streets)
    return (visible_prefix(task),)


def visible_to(task: Task, community_path: str) -> bool:
    """Whether members reported in to the community at ``community_path`` may join the task."""
    return any(community_path.startswith(path) for path in audience(task))


def set_streets(task: Task, streets: Sequence[Area]) -> None:
    """Make the task visible to exactly these streets (none: to no chosen street).

    A saved task's row is locked and its streets read afresh first: two edits at once then
    write one after the other, never the same street twice (a 500 on the primary key)."""
    if inspect(task).persistent:
        db.session.execute(select(Task.id).where(Task.id == task.id).with_for_update()).all()
        db.session.refresh(task, attribute_names=["streets"])
    wanted = {street.id: street for street in streets}
    task.streets = [s for s in task.streets if s.street_id in wanted] + [
        TaskStreet(street_id=street.id, street_path=street.path)
        for street_id, street in wanted.items()
        if street_id not in {s.street_id for s in task.streets}
    ]
