"""A task's public text under the content check (``moderation``): which fields members read,
and how text that cleared the check is shown.

A task's text is checked when it becomes public — when the task is published, and when a
published task's text is edited. A draft is read by its managers only, so it is not checked
until it is published; editing a draft's text drops a held publication of the old text.
"""

from __future__ import annotations

from sunshine import clock
from sunshine.extensions import db
from sunshine.moderation import service as moderation
from sunshine.moderation.models import ContentCheck
from sunshine.tasks.models import ShiftStatus, Task, TaskStatus

SUBJECT = "task"
PUBLISH, EDIT = "publish", "edit"
# What members read of a task (in the feed, its page, their signups and invitations).
TEXT_FIELDS = ("title", "content", "address", "contact_name")


def texts_of(task: Task) -> dict[str, str]:
    return {field: getattr(task, field) for field in TEXT_FIELDS if getattr(task, field)}


def show(check: ContentCheck) -> None:
    """Make a cleared check's text visible: publish the held task, or apply the held edit.

    A cancelled task stays cancelled; a publication whose text has changed since, or whose
    task has no open shift left, is not made (its managers publish again).
    """
    task = db.session.get(Task, check.subject_id)
    if task is None or task.status == TaskStatus.CANCELLED:
        return
    if check.action == EDIT:
        for field, text in check.texts.items():
            if field in TEXT_FIELDS:
                setattr(task, field, text)
    elif (
        task.status == TaskStatus.DRAFT
        and moderation.digest_of(texts_of(task)) == check.digest
        and any(s.status == ShiftStatus.OPEN for s in task.shifts)
    ):
        task.status, task.published_at = TaskStatus.PUBLISHED, clock.now()
    db.session.flush()


moderation.register(SUBJECT, show=show)
