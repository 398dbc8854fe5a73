"""Evaluations: one in force per (period, member), every version kept; a city's cap on 优秀.

``evaluation`` holds the grade in force (so listings filter and page over it directly and a
unique index keeps one per period and member); ``evaluation_version`` holds every grading,
the first included, and is never updated: the history is that table.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.audit.models import Period
from sunshine.database import Base, UTCDateTime, append_only, str_enum, utcnow
from sunshine.members.models import Member


class Grade(StrEnum):
    EXCELLENT = "excellent"  # 优秀
    GOOD = "good"  # 合格
    FAIR = "fair"  # 基本合格
    POOR = "poor"  # 不合格


GRADE_LABELS = {
    Grade.EXCELLENT: "优秀",
    Grade.GOOD: "合格",
    Grade.FAIR: "基本合格",
    Grade.POOR: "不合格",
}


class Evaluation(Base):
    """The grade in force of a member for a period, given by the community they served in."""

    __tablename__ = "evaluation"
    __table_args__ = (
        Index("uq_evaluation_period_id_member_id", "period_id", "member_id", unique=True),
        Index("ix_evaluation_period_id_community_id_grade", "period_id", "community_id", "grade"),
        Index("ix_evaluation_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    # The community whose admin graded last, and its path (what scoped listings filter by).
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    grade: Mapped[Grade] = mapped_column(str_enum(Grade, 10))
    comment: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(200))  # why 不合格
    versions: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))

    period: Mapped[Period] = relationship()
    member: Mapped[Member] = relationship()

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]


class EvaluationVersion(Base):
    """One grading of an evaluation, as it was given; never updated or deleted."""

    __tablename__ = "evaluation_version"
    __table_args__ = (Index("ix_evaluation_version_evaluation_id_id", "evaluation_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    evaluation_id: Mapped[int] = mapped_column(ForeignKey("evaluation.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    grade: Mapped[Grade] = mapped_column(str_enum(Grade, 10))
    comment: Mapped[str | None] = mapped_column(String(200))
    reason: Mapped[str | None] = mapped_column(String(200))
    # Why it was changed: required of the org_admin once the period is locked.
    change_reason: Mapped[str | None] = mapped_column(String(200))
    period_locked: Mapped[bool] = mapped_column(Boolean, default=False)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def grade_label(self) -> str:
        return GRADE_LABELS[self.grade]


append_only(EvaluationVersion)


class EvaluationSetting(Base):
    """A city's settings of evaluations for one period (set by its org_admin)."""

    __tablename__ = "evaluation_setting"
    __table_args__ = (
        CheckConstraint(
            "excellent_cap_percent IS NULL OR "
            "(excellent_cap_percent >= 0 AND excellent_cap_percent <= 100)",
            name="cap_is_a_percentage",
        ),
    )

    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"), primary_key=True)
    # At most this share of a community's members may be 优秀 (null: no cap).
    excellent_cap_percent: Mapped[int | None]
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
