"""A city's volunteer detachments (支队), their rosters, and the signups made through them.

The organization department keeps a city's detachments and their members (from any
community or unit of the city); the leader (队长), a member, signs members up as a team.
A team signup is an ordinary ``signup`` of each member (the tasks domain's, under its rules);
``detachment_signup`` only records which detachment it came through, so that the team's hours
are read from the members' own service records (docs/detachments.md).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, String, text, true
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, BigId, UTCDateTime, utcnow


class Detachment(Base):
    __tablename__ = "detachment"
    __table_args__ = (Index("uq_detachment_city_id_name", "city_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("area.id"))  # uq_detachment_city_id_name
    name: Mapped[str] = mapped_column(String(50))
    description: Mapped[str | None] = mapped_column(String(500))
    # The leader is one of the current members; the service keeps it so (docs/detachments.md).
    leader_member_id: Mapped[int | None] = mapped_column(ForeignKey("member.id"))
    # A deactivated detachment keeps its roster and its hours; it signs no one up.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class DetachmentMember(Base):
    """A member's time in a detachment: joined, and left (null while they belong)."""

    __tablename__ = "detachment_member"
    __table_args__ = (
        # One current membership per member and detachment; past ones stay as history.
        Index(
            "uq_detachment_member_current",
            "detachment_id",
            "member_id",
            unique=True,
            sqlite_where=text("left_at IS NULL"),
            postgresql_where=text("left_at IS NULL"),
        ),
        # "My detachments" (GET /me/detachments).
        Index("ix_detachment_member_member_id", "member_id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    detachment_id: Mapped[int] = mapped_column(ForeignKey("detachment.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    joined_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    left_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    added_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    removed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class DetachmentSignup(Base):
    """A signup made through a detachment's team signup (a side table of the tasks domain's
    ``signup``: that table stays the tasks domain's alone)."""

    __tablename__ = "detachment_signup"

    signup_id: Mapped[int] = mapped_column(BigId, ForeignKey("signup.id"), primary_key=True)
    detachment_id: Mapped[int] = mapped_column(ForeignKey("detachment.id"), index=True)
    signed_up_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
