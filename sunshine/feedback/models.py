"""Feedback to a work unit for a period: each issue a frozen version, one line per member.

A ``unit_feedback`` row is one **version** of what the organisation department told a unit
about its members' service in a period; issuing again inserts a new version and marks the
previous one superseded, so the table is its own history and the newest version is the one
in force. Its lines are the snapshot taken at issue: for a member who had consented to unit
feedback, where they reported, their services, minutes, status and grade; for the others
only that they were counted (``consented`` false, every figure null: what was never told is
not kept). Readers re-check consent at read time (docs/feedback.md).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.audit.models import Period
from sunshine.audit.tally import ComplianceStatus
from sunshine.database import Base, BigId, UTCDateTime, append_only, str_enum, utcnow
from sunshine.evaluations.models import Grade
from sunshine.org.models import WorkUnit


class FeedbackTrigger(StrEnum):
    MANUAL = "manual"  # POST /periods/{id}/unit-feedback
    LOCK = "lock"  # issued when the period was locked


class UnitFeedback(Base):
    """One version of a unit's feedback for a period, with the figures of its snapshot."""

    __tablename__ = "unit_feedback"
    __table_args__ = (
        Index(
            "uq_unit_feedback_period_id_unit_id_version",
            "period_id",
            "unit_id",
            "version",
            unique=True,
        ),
        Index("ix_unit_feedback_unit_id_id", "unit_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_unit.id"))
    version: Mapped[int]
    trigger: Mapped[FeedbackTrigger] = mapped_column(str_enum(FeedbackTrigger, 10))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    # Set when a newer version is issued: then that one is in force.
    superseded_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # The snapshot's figures over every member counted (consenting or not), as the unit's
    # compliance page already shows them to its admin.
    members: Mapped[int]
    consenting: Mapped[int]  # members shown in detail at issue
    compliant: Mapped[int]
    behind: Mapped[int]
    zero_service: Mapped[int]
    not_reported: Mapped[int]
    services: Mapped[int]
    total_minutes: Mapped[int]

    period: Mapped[Period] = relationship()
    unit: Mapped[WorkUnit] = relationship()

    @property
    def in_force(self) -> bool:
        return self.superseded_at is None

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 2)


class UnitFeedbackLine(Base):
    """One member in a feedback version, as told at issue; never updated."""

    __tablename__ = "unit_feedback_line"
    __table_args__ = (
        Index(
            "uq_unit_feedback_line_feedback_id_member_id", "feedback_id", "member_id", unique=True
        ),
        Index("ix_unit_feedback_line_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    feedback_id: Mapped[int] = mapped_column(ForeignKey("unit_feedback.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    consented: Mapped[bool] = mapped_column(Boolean)  # the unit-feedback consent, at issue
    # Null unless consented: the community (or street) the member was placed in, by name as
    # it was called at issue.
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    area_name: Mapped[str | None] = mapped_column(String(100))
    reported_in: Mapped[bool | None] = mapped_column(Boolean)
    services: Mapped[int | None]
    minutes: Mapped[int | None]
    status: Mapped[ComplianceStatus | None] = mapped_column(str_enum(ComplianceStatus, 12))
    grade: Mapped[Grade | None] = mapped_column(str_enum(Grade, 10))


append_only(UnitFeedbackLine)
