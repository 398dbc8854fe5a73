"""Anomalies, the evidence they link to, and where each detector has read up to.

An **anomaly** is one thing a detector found that an auditor should look at: two records of
one member at the same time, a forgotten check-out, a confirmation weeks late, … It is
unique per (``kind``, ``subject``) — the subject names what it is about (``record:12``,
``member:5/day:2026-03-01``) — so a detector that runs twice, or reads the same row again,
never writes it twice. It sits in an area (its record's ``area_path``, or the member's
community) for scope, and carries the review: who, when, the outcome and the note; a
sent-back anomaly also the community's answer.

**Evidence** links an anomaly to the rows it rests on (records, punches, hours-ledger
entries, security events) in a table of its own, so "which anomalies concern record 12" is
an index lookup.

A **watermark** is the highest id of its source table a detector has read: each run reads
only the rows after it (see ``detectors``).
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, Date, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, BigId, UTCDateTime, str_enum, utcnow
from sunshine.members.models import Member
from sunshine.org.models import Area


class AnomalyKind(StrEnum):
    OVERLAP = "overlap"  # two records of one member at the same time
    LONG_DAY = "long_day"  # more than 10 hours of records on one day
    FAR_PUNCH = "far_punch"  # a punch farther from the site than the task's radius
    LOW_ACCURACY = "low_accuracy"  # the phone reported an accuracy worse than 100 m
    HAND_RECORDED = "hand_recorded"  # attendance recorded by the community
    FORGOT_CHECKOUT = "forgot_checkout"  # no check-out: closed at the shift's end
    WALK_IN = "walk_in"  # no signup: took a free place on site
    LATE_CONFIRMATION = "late_confirmation"  # confirmed > 10 working days after the service
    SELF_CONFIRMATION = "self_confirmation"  # an admin tried to decide on their own record
    ADJUST_AFTER_LOCK = "adjust_after_lock"  # an adjustment after the period was locked
    OUTLIER = "outlier"  # a member's period far above their community's distribution


class AnomalyStatus(StrEnum):
    OPEN = "open"  # waiting for a street or org admin
    CLOSED = "closed"  # reviewed: no problem, or the record voided
    SENT_BACK = "sent_back"  # reviewed: sent back to the community
    ANSWERED = "answered"  # the community answered what was sent back


class ReviewOutcome(StrEnum):
    NO_PROBLEM = "no_problem"
    VOID_RECORD = "void_record"
    SEND_BACK = "send_back"


class EvidenceKind(StrEnum):
    RECORD = "record"
    PUNCH = "punch"
    HOURS_ENTRY = "hours_entry"
    SECURITY_EVENT = "security_event"


class Anomaly(Base):
    __tablename__ = "anomaly"
    __table_args__ = (
        UniqueConstraint("kind", "subject"),
        Index(
            "ix_anomaly_area_path_id",
            "area_path",
            "id",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[AnomalyKind] = mapped_column(str_enum(AnomalyKind, 20))
    subject: Mapped[str] = mapped_column(String(80))
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    # The record a review may void (None: the anomaly is about a member's period).
    record_id: Mapped[int | None] = mapped_column(ForeignKey("service_record.id"), index=True)
    day: Mapped[date] = mapped_column(Date)  # the service day; an outlier's: the day found
    summary: Mapped[str] = mapped_column(String(200))  # Chinese, for the console
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)
    detected_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    status: Mapped[AnomalyStatus] = mapped_column(
        str_enum(AnomalyStatus, 12), default=AnomalyStatus.OPEN
    )
    outcome: Mapped[ReviewOutcome | None] = mapped_column(str_enum(ReviewOutcome, 12))
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_note: Mapped[str | None] = mapped_column(String(200))
    answered_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    answer_note: Mapped[str | None] = mapped_column(String(200))

    area: Mapped[Area] = relationship()
    member: Mapped[Member] = relationship()
    evidence: Mapped[list[AnomalyEvidence]] = relationship(
        order_by="(AnomalyEvidence.kind, AnomalyEvidence.ref_id)", viewonly=True
    )


class AnomalyEvidence(Base):
    """One row an anomaly rests on: (kind of row, its id)."""

    __tablename__ = "anomaly_evidence"
    __table_args__ = (Index("ix_anomaly_evidence_kind_ref_id", "kind", "ref_id"),)

    anomaly_id: Mapped[int] = mapped_column(ForeignKey("anomaly.id"), primary_key=True)
    kind: Mapped[EvidenceKind] = mapped_column(str_enum(EvidenceKind, 16), primary_key=True)
    ref_id: Mapped[int] = mapped_column(BigInteger, primary_key=True)


class DetectorWatermark(Base):
    """The highest id of its source table a detector has read."""

    __tablename__ = "anomaly_watermark"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_id: Mapped[int] = mapped_column(BigInteger, default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)
