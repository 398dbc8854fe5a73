"""Task categories, tasks, shifts, signups and shift events.

A task belongs to an area (a grid, community, street, or the city for a city body's) and is
visible to the members placed in that grid, or reported to that community, street or city, or
to a body's chosen streets (``tasks.audience``). Capacity is enforced under a
row lock on the shift, with ``confirmed_count`` kept beside it so the check is one read.
A member holds at most one live signup per shift (partial unique index).

What a shift copies of its task (``carried``) is kept in step here, by ORM events, so that no
service, job, demo or test builder can forget it: a new shift takes it from its task as it is
inserted, and a flushed change to a task's status, kind, category, area or visibility
rewrites its shifts (one UPDATE) and the copies already loaded in the session. Raw SQL writes
(the app has none) must spell the values out: the columns are NOT NULL.
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Column,
    Connection,
    ForeignKey,
    Index,
    Numeric,
    String,
    Table,
    Text,
    event,
    false,
    inspect,
    select,
    text,
    update,
)
from sqlalchemy.orm import Mapped, Mapper, mapped_column, object_session, relationship
from sqlalchemy.orm.attributes import set_committed_value

from sunshine.campaigns.models import Campaign, task_campaign
from sunshine.database import Base, BigId, UTCDateTime, table_of, utcnow
from sunshine.database import str_enum as _enum
from sunshine.geo import STORED, Point
from sunshine.members.models import Member, Skill
from sunshine.org.models import Area


class TaskCategory(Base):
    """The configurable catalogue (政策宣传, 文明劝导 …)."""

    __tablename__ = "task_category"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


class TaskKind(StrEnum):
    POST = "post"  # 岗位: a standing duty
    ACTIVITY = "activity"  # 活动: a one-off event
    WISH = "wish"  # 微心愿: a resident's small need


class Visibility(StrEnum):
    GRID = "grid"  # the members placed in the task's grid: a grid's task only (docs/grids.md)
    COMMUNITY = "community"
    STREET = "street"
    CITY = "city"
    STREETS = "streets"  # a city body's task, for its chosen streets (tasks.audience)


class CheckinMode(StrEnum):
    ROTATING = "rotating"  # a 30-second code on the phone of the person in charge
    VENUE = "venue"  # a printed mini-program code plus the phone's location


class TaskStatus(StrEnum):
    DRAFT = "draft"
    PUBLISHED = "published"
    CANCELLED = "cancelled"


task_skill = Table(
    "task_skill",
    Base.metadata,
    Column("task_id", ForeignKey("task.id"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id"), primary_key=True, index=True),
)


class Task(Base):
    __tablename__ = "task"
    __table_args__ = (
        CheckConstraint("checkin_radius_m BETWEEN 10 AND 5000", name="radius_in_range"),
        Index(
            "ix_task_area_path", "area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # The owner: a community, or a street for a street-wide task; a city body's task sits in
    # its city (bodies/).
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("city_body.id"), index=True)
    area_path: Mapped[str] = mapped_column(String(255))
    kind: Mapped[TaskKind] = mapped_column(_enum(TaskKind))
    category_id: Mapped[int] = mapped_column(ForeignKey("task_category.id"))
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    address: Mapped[str] = mapped_column(String(200))
    # The venue point, always in GCJ-02 (sunshine/geo.py): the service converts on the way in.
    latitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    longitude: Mapped[Decimal | None] = mapped_column(Numeric(9, 6))
    checkin_radius_m: Mapped[int] = mapped_column(default=200)
    checkin_mode: Mapped[CheckinMode] = mapped_column(
        _enum(CheckinMode), default=CheckinMode.ROTATING, server_default=CheckinMode.ROTATING
    )
    # Members without a signup may check in while the shift has free places.
    allow_walk_ins: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # The punch window: check-in opens this long before the start and closes at the end;
    # check-out closes this long after the end.
    checkin_opens_minutes: Mapped[int] = mapped_column(default=30, server_default=text("30"))
    checkout_closes_minutes: Mapped[int] = mapped_column(default=60, server_default=text("60"))
    visibility: Mapped[Visibility] = mapped_column(_enum(Visibility))
    contact_name: Mapped[str] = mapped_column(String(50))
    contact_phone: Mapped[str] = mapped_column(String(20))
    status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus), default=TaskStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    published_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    area: Mapped[Area] = relationship()
    category: Mapped[TaskCategory] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=task_skill)
    # Tags set by its managers from the city's active campaigns (campaigns.service).
    campaigns: Mapped[list[Campaign]] = relationship(secondary=task_campaign, order_by=Campaign.id)
    shifts: Mapped[list[Shift]] = relationship(back_populates="task", order_by="Shift.starts_at")
    # The chosen streets (tasks.audience.TaskStreet, which imports this module).
    streets: Mapped[list[Any]] = relationship("TaskStreet", cascade="all, delete-orphan")

    @property
    def point(self) -> Point | None:
        """The venue point in the system it is stored in, or None."""
        if self.latitude is None or self.longitude is None:
            return None
        return Point(float(self.latitude), float(self.longitude), STORED)


class ShiftStatus(StrEnum):
    OPEN = "open"
    CANCELLED = "cancelled"


class Shift(Base):
    __tablename__ = "shift"
    __table_args__ = (
        CheckConstraint("ends_at > starts_at", name="ends_after_start"),
        CheckConstraint("capacity BETWEEN 1 AND 1000", name="capacity_in_range"),
        CheckConstraint("confirmed_count BETWEEN 0 AND capacity", name="never_overbooked"),
        Index("ix_shift_starts_at", "starts_at"),
        # The feed: open shifts visible under one of a member's three paths, soonest first.
        Index(
            "ix_shift_open_scope",
            "scope_path",
            "starts_at",
            "id",
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), index=True)
    # The area path members must be reported under to see and join the shift: the task's
    # visible prefix (its community, street or city), copied here so the feed reads one
    # index. These five columns are ``carried(task)``, kept in step by the events below.
    scope_path: Mapped[str] = mapped_column(String(255))
    # The task's status, kind and category, copied for the same reason: the feed's candidates
    # (published only, ``kind=``, ``category_id=``) are then decided on the shift row alone,
    # before the task is looked up for the rows kept; with those conditions on the task,
    # PostgreSQL hash-joined the whole task table (30–40 ms at province scale).
    task_status: Mapped[TaskStatus] = mapped_column(_enum(TaskStatus))
    task_kind: Mapped[TaskKind] = mapped_column(_enum(TaskKind))
    task_category_id: Mapped[int]
    # And where the task is, for the feed's 本社区 / 本街道 / 全市 (looked up per candidate row,
    # it was half of the candidate query's time).
    task_area_path: Mapped[str] = mapped_column(String(255))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime())
    capacity: Mapped[int]
    signup_deadline: Mapped[datetime] = mapped_column(UTCDateTime())
    status: Mapped[ShiftStatus] = mapped_column(_enum(ShiftStatus), default=ShiftStatus.OPEN)
    confirmed_count: Mapped[int] = mapped_column(default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(200))
    # An on-site member the community designated to show the rotating code.
    code_holder_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))

    task: Mapped[Task] = relationship(back_populates="shifts")

    @property
    def is_full(self) -> bool:
        return self.confirmed_count >= self.capacity


# What a shift carries of its task ------------------------------------------------------------

# The task's attributes the carried columns are made of.
CARRIED_FROM = frozenset({"visibility", "area_path", "status", "kind", "category_id"})
# The shift's columns that copy them.
_CARRIED = ("scope_path", "task_status", "task_kind", "task_category_id", "task_area_path")


class TaskFacts(Protocol):
    """What ``carried`` reads of a task: a Task, or a row of those columns."""

    @property
    def visibility(self) -> Visibility: ...
    @property
    def area_path(self) -> str: ...
    @property
    def status(self) -> TaskStatus: ...
    @property
    def kind(self) -> TaskKind: ...
    @property
    def category_id(self) -> int: ...


def visible_prefix(task: TaskFacts) -> str:
    """The area path members must stand under (their grid's, else community's) to join the task;
    for chosen streets (``tasks.audience``) one under the city that no area's path starts with."""
    segments = task.area_path.strip("/").split("/")  # city, street[, community[, grid]]
    return {
        Visibility.GRID: task.area_path,
        Visibility.COMMUNITY: task.area_path,
        Visibility.STREET: "/" + "/".join(segments[:2]) + "/",
        Visibility.CITY: "/" + segments[0] + "/",
        Visibility.STREETS: "/" + segments[0] + "/streets/",
    }[task.visibility]


def carried(task: TaskFacts) -> dict[str, Any]:
    """What each shift of the task carries of it, for the feed to read one row: the visible
    prefix (``Shift.scope_path``), the status, the kind, the category and the area path."""
    return {
        "scope_path": visible_prefix(task),
        "task_status": task.status,
        "task_kind": task.kind,
        "task_category_id": task.category_id,
        "task_area_path": task.area_path,
    }


def _task_facts(connection: Connection, shift: Shift) -> TaskFacts:
    """The shift's task as this flush has written it: the object when the shift holds it
    loaded (its changes were flushed before the shift's: the shift depends on it), else its
    row."""
    task = shift.__dict__.get("task")
    if task is not None and not (inspect(task).unloaded & CARRIED_FROM):
        return task
    columns = [Task.__table__.c[name] for name in sorted(CARRIED_FROM)]
    return connection.execute(select(*columns).where(Task.__table__.c.id == shift.task_id)).one()


@event.listens_for(Shift, "before_insert")
def _carry_into_new_shift(_mapper: Mapper[Shift], connection: Connection, shift: Shift) -> None:
    for key, value in carried(_task_facts(connection, shift)).items():
        setattr(shift, key, value)


@event.listens_for(Shift, "before_update")
def _keep_shift_carrying(_mapper: Mapper[Shift], connection: Connection, shift: Shift) -> None:
    """A shift's copies are not written by hand: a change to them (or to its task) is undone."""
    state = inspect(shift)
    if any(state.attrs[key].history.has_changes() for key in ("task_id", *_CARRIED)):
        for key, value in carried(_task_facts(connection, shift)).items():
            setattr(shift, key, value)


@event.listens_for(Task, "after_update")
def _carry_to_shifts(_mapper: Mapper[Task], connection: Connection, task: Task) -> None:
    state = inspect(task)
    if not any(state.attrs[name].history.has_changes() for name in (*CARRIED_FROM, "category")):
        return
    values = carried(task)
    shifts = table_of(Shift)
    connection.execute(update(shifts).where(shifts.c.task_id == task.id).values(**values))
    session = object_session(task)
    for held in list(session.identity_map.values()) if session is not None else []:
        if isinstance(held, Shift) and held.__dict__.get("task_id") == task.id:
            for key, value in values.items():
                set_committed_value(held, key, value)


class SignupStatus(StrEnum):
    CONFIRMED = "confirmed"
    WAITLISTED = "waitlisted"
    CANCELLED = "cancelled"


class Attendance(StrEnum):
    ATTENDED = "attended"
    NO_SHOW = "no_show"  # set by the jobs runner once the punch window has closed
    EXCUSED = "excused"  # the community excused the absence


class Signup(Base):
    __tablename__ = "signup"
    __table_args__ = (
        Index(
            "uq_signup_live",
            "shift_id",
            "member_id",
            unique=True,
            sqlite_where=text("status IN ('confirmed', 'waitlisted')"),
            postgresql_where=text("status IN ('confirmed', 'waitlisted')"),
        ),
        Index("ix_signup_shift_id_status_id", "shift_id", "status", "id"),
        Index("ix_signup_member_id_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    status: Mapped[SignupStatus] = mapped_column(_enum(SignupStatus))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    promoted_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    late_cancel: Mapped[bool] = mapped_column(Boolean, default=False)
    attendance: Mapped[Attendance | None] = mapped_column(_enum(Attendance))
    attendance_note: Mapped[str | None] = mapped_column(String(200))

    shift: Mapped[Shift] = relationship()
    member: Mapped[Member] = relationship()


class ShiftEventKind(StrEnum):
    MOVED = "moved"
    CANCELLED = "cancelled"


class ShiftEvent(Base):
    """A change members who signed up must hear about; notifications read these later."""

    __tablename__ = "shift_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    kind: Mapped[ShiftEventKind] = mapped_column(_enum(ShiftEventKind))
    detail: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class InvitationStatus(StrEnum):
    PENDING = "pending"
    ACCEPTED = "accepted"
    DECLINED = "declined"


class Invitation(Base):
    """A secretary's invitation to a member for a shift; accepting it signs the member up."""

    __tablename__ = "invitation"
    __table_args__ = (
        Index(
            "uq_invitation_pending",
            "shift_id",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_invitation_member_id_status", "member_id", "status"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    invited_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    # Set when a confirmed call-up holds the member's place: declining gives the place up.
    call_up_id: Mapped[int | None] = mapped_column(ForeignKey("call_up.id"), index=True)
    status: Mapped[InvitationStatus] = mapped_column(
        _enum(InvitationStatus), default=InvitationStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    responded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    shift: Mapped[Shift] = relationship()
    member: Mapped[Member] = relationship()
