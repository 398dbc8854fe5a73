"""Periods (a city's year, halves, quarters) and their requirements, every version kept.

A requirement row is never updated: setting a rule inserts a new version, and the rule in
force for a (period, area) is its newest row. So the table is the rule's history.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Date, ForeignKey, Index
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, UTCDateTime, str_enum, utcnow


class PeriodKind(StrEnum):
    YEAR = "year"
    HALF = "half"
    QUARTER = "quarter"


class Period(Base):
    """A span of a city's calendar (dates in Asia/Shanghai, both ends included)."""

    __tablename__ = "period"
    __table_args__ = (
        CheckConstraint("ends_on >= starts_on", name="ends_after_start"),
        Index("uq_period_city_id_kind_starts_on", "city_id", "kind", "starts_on", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    kind: Mapped[PeriodKind] = mapped_column(str_enum(PeriodKind, 10))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Set when the org_admin locks the ended period: its records no longer change.
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    locked_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class Requirement(Base):
    """One version of the rule of a period for a city (or a street's tightening of it)."""

    __tablename__ = "requirement"
    __table_args__ = (
        CheckConstraint(
            "min_services IS NOT NULL OR min_minutes IS NOT NULL", name="something_required"
        ),
        CheckConstraint("min_services IS NULL OR min_services >= 0", name="services_not_negative"),
        CheckConstraint("min_minutes IS NULL OR min_minutes >= 0", name="minutes_not_negative"),
        Index("ix_requirement_period_id_area_id_id", "period_id", "area_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    period_id: Mapped[int] = mapped_column(ForeignKey("period.id"))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))  # the city, or one street
    min_services: Mapped[int | None]
    min_minutes: Mapped[int | None]
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
