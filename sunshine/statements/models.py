"""Statements, the records each one lists, and the yearly counter their numbers come from.

A statement is a snapshot: what it lists (dates, activities, places, minutes), the holder's
name and the issuer's name are copied at issue, so the document reads the same later even if
a task is renamed. Whether it still holds is not stored but read from its records
(``views.revocations``): a record voided or changed since the issue revokes it.
"""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, BigId, UTCDateTime, utcnow
from sunshine.org.models import Area


class Statement(Base):
    __tablename__ = "statement"
    __table_args__ = (
        Index(
            "ix_statement_area_path",
            "area_path",
            "id",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_statement_member_id_id", "member_id", "id"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    number: Mapped[str] = mapped_column(String(24), unique=True)  # e.g. ZM2026-000123
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    holder_name: Mapped[str] = mapped_column(String(50))
    # The issuing organisation: the community (or street) that organised the records.
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    issuer_name: Mapped[str] = mapped_column(String(200))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    services: Mapped[int]
    total_minutes: Mapped[int]
    # SHA-256 over the listed records and minutes: a repeated request returns this statement.
    content_hash: Mapped[str] = mapped_column(String(64))
    # The verification code: its SHA-256 (what verification compares), and the code sealed
    # (AES-GCM, key derived from SECRET_KEY) for the holder's later views.
    code_hash: Mapped[str] = mapped_column(String(64))
    code_sealed: Mapped[str] = mapped_column(String(80))
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    issued_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    issued_on: Mapped[date] = mapped_column(Date)  # Asia/Shanghai

    area: Mapped[Area] = relationship()
    items: Mapped[list[StatementItem]] = relationship(
        order_by="(StatementItem.service_date, StatementItem.record_id)",
        cascade="all, delete-orphan",
    )


class StatementItem(Base):
    """One service a statement lists, as it stood at issue."""

    __tablename__ = "statement_item"

    statement_id: Mapped[int] = mapped_column(ForeignKey("statement.id"), primary_key=True)
    record_id: Mapped[int] = mapped_column(
        ForeignKey("service_record.id"), primary_key=True, index=True
    )
    service_date: Mapped[date] = mapped_column(Date)
    activity_name: Mapped[str] = mapped_column(String(100))
    place: Mapped[str] = mapped_column(String(200))
    minutes: Mapped[int]  # the record's credited minutes at issue


class StatementCounter(Base):
    """The last number given out in a year (statement numbers run per year of issue)."""

    __tablename__ = "statement_counter"

    year: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    last: Mapped[int] = mapped_column(default=0)
