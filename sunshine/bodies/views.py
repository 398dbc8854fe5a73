"""The read side of city bodies: a city's list, a body's tasks and its figures."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy import func, select

from sunshine.access.permissions import Actor
from sunshine.bodies.models import CityBody
from sunshine.bodies.service import get_city, managed_body
from sunshine.extensions import db
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.pagination import CursorPage, newest_first
from sunshine.tasks.models import Shift, ShiftStatus, Task, TaskStatus
from sunshine.tasks.views import TASK_PAGE


def list_bodies(*, city_id: int) -> list[CityBody]:
    """The city's bodies by id (public to the signed-in, like the area tree: tasks name them)."""
    city = get_city(city_id)
    return list(
        db.session.scalars(
            select(CityBody).where(CityBody.city_id == city.id).order_by(CityBody.id)
        )
    )


def body_tasks(
    *,
    actor: Actor,
    body_id: int,
    limit: int,
    cursor: int | None = None,
    status: TaskStatus | None = None,
) -> CursorPage:
    """The body's tasks, newest first, for its admins and the city's organization department."""
    body = managed_body(actor, body_id)
    query = select(Task).where(Task.body_id == body.id).options(*TASK_PAGE)
    if status is not None:
        query = query.where(Task.status == status)
    return newest_first(query, Task.id, after_id=cursor, limit=limit)


@dataclass(frozen=True)
class BodyFigures:
    body_id: int
    tasks: dict[str, int]  # by status
    shifts: int  # open shifts of published tasks
    places: int  # their capacity
    signed_up: int  # confirmed places held on them
    records: dict[str, int]  # service records by status
    confirmed_minutes: int  # credited minutes of the confirmed records


def figures(
    *, actor: Actor, body_id: int, date_from: date | None = None, date_to: date | None = None
) -> BodyFigures:
    """What the body has run: its tasks by status; the open shifts of its published tasks,
    their places and the places taken; its service records (dated in the span, when given)
    by status, and the minutes credited by the confirmed ones."""
    body = managed_body(actor, body_id)
    by_status = dict.fromkeys((s.value for s in TaskStatus), 0)
    for task_status, n in db.session.execute(
        select(Task.status, func.count()).where(Task.body_id == body.id).group_by(Task.status)
    ):
        by_status[TaskStatus(task_status).value] = int(n)
    shifts = (
        select(
            func.count(),
            func.coalesce(func.sum(Shift.capacity), 0),
            func.coalesce(func.sum(Shift.confirmed_count), 0),
        )
        .join(Task, Shift.task_id == Task.id)
        .where(
            Task.body_id == body.id,
            Shift.status == ShiftStatus.OPEN,
            Shift.task_status == TaskStatus.PUBLISHED,
        )
    )
    records = select(
        ServiceRecord.status,
        func.count(),
        func.coalesce(func.sum(ServiceRecord.credited_minutes), 0),
    ).where(ServiceRecord.body_id == body.id)
    if date_from is not None:
        records = records.where(ServiceRecord.service_date >= date_from)
    if date_to is not None:
        records = records.where(ServiceRecord.service_date <= date_to)
    n_shifts, places, taken = db.session.execute(shifts).one()
    by_record = dict.fromkeys((s.value for s in RecordStatus), 0)
    confirmed = 0
    for status, n, minutes in db.session.execute(records.group_by(ServiceRecord.status)):
        by_record[RecordStatus(status).value] = int(n)
        if status == RecordStatus.CONFIRMED:
            confirmed = int(minutes)
    return BodyFigures(
        body_id=body.id,
        tasks=by_status,
        shifts=int(n_shifts),
        places=int(places),
        signed_up=int(taken),
        records=by_record,
        confirmed_minutes=confirmed,
    )
