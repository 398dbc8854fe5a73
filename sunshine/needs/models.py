"""A resident's need, recorded by the community and tracked until a task or wish answers it."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import (
    ForeignKey,
    Index,
    String,
    Text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, UTCDateTime, utcnow
from sunshine.database import str_enum as _enum
from sunshine.org.models import Area
from sunshine.tasks.models import Task


class NeedUrgency(StrEnum):
    LOW = "low"
    NORMAL = "normal"
    URGENT = "urgent"


class NeedStatus(StrEnum):
    OPEN = "open"
    IN_PROGRESS = "in_progress"  # a task or wish was made of it
    DONE = "done"
    CANCELLED = "cancelled"


class Need(Base):
    """需求清单: a resident's need recorded by the community, tracked to completion.

    The resident's contact stays inside the community: only its own admins see it.
    """

    __tablename__ = "need"
    __table_args__ = (
        Index(
            "ix_need_area_path", "area_path", postgresql_ops={"area_path": "varchar_pattern_ops"}
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    area_path: Mapped[str] = mapped_column(String(255))
    content: Mapped[str] = mapped_column(Text)
    urgency: Mapped[NeedUrgency] = mapped_column(_enum(NeedUrgency), default=NeedUrgency.NORMAL)
    resident_contact: Mapped[str | None] = mapped_column(String(100))
    status: Mapped[NeedStatus] = mapped_column(_enum(NeedStatus), default=NeedStatus.OPEN)
    task_id: Mapped[int | None] = mapped_column(ForeignKey("task.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    community: Mapped[Area] = relationship()
    task: Mapped[Task | None] = relationship()
