"""Residents' needs: recorded by the community, or submitted by the resident (微心愿 / 诉求),
answered and tracked until a task, a wish or a unit project settles them."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine import clock
from sunshine.database import Base, UTCDateTime, utcnow
from sunshine.database import str_enum as _enum
from sunshine.org.models import Area
from sunshine.tasks.models import Task


class NeedUrgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    URGENT = "urgent"


class NeedKind(StrEnum):
    WISH = "wish"  # 微心愿: something a volunteer can do or bring
    REQUEST = "request"  # 诉求: a request to the community


class NeedStatus(StrEnum):
    SUBMITTED = "submitted"  # a resident's, waiting for the community's answer
    OPEN = "open"  # accepted (a community-recorded need starts here)
    IN_PROGRESS = "in_progress"  # a task, wish or unit project was made of it
    DONE = "done"
    DECLINED = "declined"  # the community declined a resident's submission, with a reason
    CANCELLED = "cancelled"


class NeedRating(StrEnum):
    SATISFIED = "satisfied"  # 满意
    FAIRLY_SATISFIED = "fairly_satisfied"  # 基本满意
    DISSATISFIED = "dissatisfied"  # 不满意


class Need(Base):
    """需求清单: a resident's need, recorded by the community or submitted by the resident.

    The resident's contact stays inside the community: only its own admins see it. A
    resident's submission is placed in its grid when one is named (``area_path`` is then the
    grid's path, inside the community's), and carries its due times from the moment it is
    submitted (answer) and accepted (completion).
    """

    __tablename__ = "need"
    __table_args__ = (
        Index(
            "ix_need_area_path", "area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}
        ),
        # The figures (``needs.stats``): a city's needs of a period, grouped by community.
        Index("ix_need_created_at_community_id", "created_at", "community_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    kind: Mapped[NeedKind] = mapped_column(
        _enum(NeedKind), default=NeedKind.WISH, server_default=NeedKind.WISH.value
    )
    content: Mapped[str] = mapped_column(Text)
    urgency: Mapped[NeedUrgency] = mapped_column(_enum(NeedUrgency), default=NeedUrgency.NORMAL)
    resident_contact: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[NeedStatus] = mapped_column(_enum(NeedStatus), default=NeedStatus.OPEN)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    # The resident who submitted it (None: recorded by the community).
    resident_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    answer_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())  # accepted or declined
    completion_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decline_reason: Mapped[str | None] = mapped_column(String(200))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    rating: Mapped[NeedRating | None] = mapped_column(_enum(NeedRating))
    rating_comment: Mapped[str | None] = mapped_column(String(200))
    rated_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    community: Mapped[Area] = relationship(foreign_keys=[community_id])
    grid: Mapped[Area | None] = relationship(foreign_keys=[grid_id])
    task: Mapped[Task | None] = relationship()
    photos: Mapped[list[NeedPhoto]] = relationship(
        back_populates="need", order_by="NeedPhoto.id", cascade="all, delete-orphan"
    )

    @property
    def overdue_answer(self) -> bool:
        """Answered after its due time, or still unanswered past it."""
        if self.answer_due_at is None:
            return False
        return (self.answered_at or clock.now()) > self.answer_due_at

    @property
    def overdue_completion(self) -> bool:
        """Done after its due time, or still open past it (declined, cancelled: never)."""
        if self.completion_due_at is None or self.status in (
            NeedStatus.DECLINED,
            NeedStatus.CANCELLED,
        ):
            return False
        finished = self.closed_at if self.status == NeedStatus.DONE else None
        return (finished or clock.now()) > self.completion_due_at

    @property
    def submitted_by_resident(self) -> bool:
        return self.resident_id is not None

    @property
    def photo_ids(self) -> list[int]:
        return [photo.id for photo in self.photos]


class NeedPhoto(Base):
    """A photo a resident attached to a submission, kept in the database (a few per need)."""

    __tablename__ = "need_photo"

    id: Mapped[int] = mapped_column(primary_key=True)
    need_id: Mapped[int] = mapped_column(ForeignKey("need.id", ondelete="CASCADE"), index=True)
    content_type: Mapped[str] = mapped_column(String(20))
    size: Mapped[int] = mapped_column(Integer)
    data: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    need: Mapped[Need] = relationship(back_populates="photos")
