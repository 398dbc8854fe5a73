"""Punches, venue codes, and who was handed a shift's rotating code.

A punch is one check-in or check-out of a member on a shift. It is stored once and never
changed (the ORM refuses, and so do database triggers): the time, how it was made, the
distance to the site in metres and the accuracy the phone reported — never the coordinates
(行踪轨迹 is sensitive personal information). A member has at most one punch of each
direction per shift, so a repeated punch finds the first one.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import JSON, ForeignKey, LargeBinary, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, BigId, UTCDateTime, append_only, str_enum, utcnow
from sunshine.tasks.models import Shift


class Direction(StrEnum):
    IN = "in"
    OUT = "out"


class PunchMethod(StrEnum):
    ROTATING = "rotating"  # the 30-second code on the person in charge's phone
    VENUE = "venue"  # the printed mini-program code, with the phone's location
    HAND = "hand"  # recorded by the community for a member without a phone


class PunchFlag(StrEnum):
    LOW_ACCURACY = "low_accuracy"  # the phone reported an accuracy worse than 100 m
    WALK_IN = "walk_in"  # no signup before: took a free place on site
    HAND_RECORDED = "hand_recorded"


class Punch(Base):
    __tablename__ = "punch"
    __table_args__ = (UniqueConstraint("shift_id", "member_id", "direction"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    direction: Mapped[Direction] = mapped_column(str_enum(Direction, 8))
    method: Mapped[PunchMethod] = mapped_column(str_enum(PunchMethod))
    punched_at: Mapped[datetime] = mapped_column(UTCDateTime())
    distance_m: Mapped[int | None]
    accuracy_m: Mapped[int | None]
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    # Hand-recorded punches: who recorded them and why.
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    shift: Mapped[Shift] = relationship()


class VenueCode(Base):
    """A task's printed mini-program code: its scene and the image, generated once."""

    __tablename__ = "venue_code"

    task_id: Mapped[int] = mapped_column(ForeignKey("task.id"), primary_key=True)
    scene: Mapped[str] = mapped_column(String(32), unique=True)
    image: Mapped[bytes] = mapped_column(LargeBinary)
    content_type: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


class CodeHolder(Base):
    """An account that was handed a shift's rotating check-in code, once per shift.

    Written on the first ``GET /shifts/{id}/checkin-code`` of each account for the shift (the
    phone asks again every 30 s; later fetches find the row). Whoever held the code could
    punch themself in and out with nobody else there, so their check-out flags the record
    ``code_holder`` and it is never confirmed automatically (docs/attendance.md).
    """

    __tablename__ = "code_holder"

    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    first_shown_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


append_only(Punch)
