"""Call-ups: a day's posts across a street or city, and the members assigned to them."""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import JSON, CheckConstraint, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, BigId, UTCDateTime, utcnow
from sunshine.database import str_enum as _enum
from sunshine.org.models import Area
from sunshine.tasks.models import Shift


class CallUpStatus(StrEnum):
    DRAFT = "draft"
    PROPOSED = "proposed"  # an assignment was computed; the admin reviews and adjusts it
    CONFIRMED = "confirmed"  # signups and invitations made
    CANCELLED = "cancelled"


class CallUp(Base):
    """动员: many posts across the communities of a street or city on one day, filled at once.

    The day is an Asia/Shanghai date. Its posts and assignments are read-only once confirmed.
    """

    __tablename__ = "call_up"
    __table_args__ = (
        Index(
            "ix_call_up_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))  # a street or a city
    area_path: Mapped[str] = mapped_column(String(255))
    title: Mapped[str] = mapped_column(String(100))
    day: Mapped[date] = mapped_column(Date)
    status: Mapped[CallUpStatus] = mapped_column(_enum(CallUpStatus), default=CallUpStatus.DRAFT)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
    proposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    area: Mapped[Area] = relationship()
    posts: Mapped[list[CallUpPost]] = relationship(
        back_populates="call_up", order_by="CallUpPost.id"
    )


class CallUpPost(Base):
    """One shift of the call-up and how many of its places the call-up fills."""

    __tablename__ = "call_up_post"
    __table_args__ = (
        UniqueConstraint("call_up_id", "shift_id"),
        CheckConstraint("places >= 1", name="places_positive"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    call_up_id: Mapped[int] = mapped_column(ForeignKey("call_up.id"))
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    places: Mapped[int]

    call_up: Mapped[CallUp] = relationship(back_populates="posts")
    shift: Mapped[Shift] = relationship()


class AssignmentSource(StrEnum):
    PROPOSED = "proposed"  # computed; replaced by the next proposal
    MANUAL = "manual"  # added by the admin; kept by later proposals


class CallUpAssignment(Base):
    """A member put on a post of a call-up, with the score and reasons that put them there.

    UNIQUE (call_up_id, member_id): nobody twice in one call-up.
    """

    __tablename__ = "call_up_assignment"
    __table_args__ = (
        UniqueConstraint("call_up_id", "member_id"),
        Index("ix_call_up_assignment_post_id", "post_id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    call_up_id: Mapped[int] = mapped_column(ForeignKey("call_up.id"))
    post_id: Mapped[int] = mapped_column(ForeignKey("call_up_post.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    score: Mapped[int]
    reasons: Mapped[list[str]] = mapped_column(JSON)
    source: Mapped[AssignmentSource] = mapped_column(_enum(AssignmentSource))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
