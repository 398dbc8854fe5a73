"""Printed venue codes: a mini-program code per task, generated once through WeChat and kept.

The WeChat call happens outside any database transaction: the task is checked and the
transaction ended first, the image fetched, then stored; if two admins asked at once, the
first stored wins and both get it.
"""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sunshine import wechat
from sunshine.access.permissions import Actor, Permission, authorize, require_somewhere
from sunshine.attendance import codes
from sunshine.attendance.models import VenueCode
from sunshine.errors import Conflict, NotFound
from sunshine.extensions import db
from sunshine.tasks import service as tasks
from sunshine.tasks.models import CheckinMode, Task, TaskStatus


def task_of_scene(scene: str) -> Task:
    task = db.session.scalar(
        select(Task).join(VenueCode, VenueCode.task_id == Task.id).where(VenueCode.scene == scene)
    )
    if task is None:
        raise codes.bad_code()
    return task


def _managed_venue_task(actor: Actor, task_id: int) -> Task:
    require_somewhere(actor, Permission.TASK_MANAGE)
    task = tasks.get_task(task_id)
    authorize(actor, Permission.TASK_MANAGE, tasks.place_of(task))
    return task


def get_or_create(*, actor: Actor, task_id: int) -> VenueCode:
    """The task's venue code, generating it through WeChat the first time."""
    task = _managed_venue_task(actor, task_id)
    existing = db.session.get(VenueCode, task.id)
    if existing is not None:
        return existing
    if task.status == TaskStatus.CANCELLED:
        raise Conflict("任务已取消", code="task.cancelled")
    if task.checkin_mode != CheckinMode.VENUE:
        raise Conflict("请先把任务的签到方式设为场地码", code="task.not_venue_mode")
    if task.latitude is None or task.longitude is None:
        raise Conflict("场地码签到需要先设置服务地点坐标", code="task.no_site")
    scene = codes.new_venue_scene()
    db.session.rollback()  # no transaction stays open while WeChat answers
    image, content_type = wechat.mini_program_code(scene)
    venue = VenueCode(task_id=task_id, scene=scene, image=image, content_type=content_type)
    try:
        with db.session.begin_nested():
            db.session.add(venue)
            db.session.flush()
    except IntegrityError:  # another admin's request stored one first
        winner = db.session.get(VenueCode, task_id)
        if winner is None:
            raise
        return winner
    return venue


def image(*, actor: Actor, task_id: int) -> VenueCode:
    task = _managed_venue_task(actor, task_id)
    venue = db.session.get(VenueCode, task.id)
    if venue is None:
        raise NotFound("尚未生成场地码", code="venue_code.not_found")
    return venue
