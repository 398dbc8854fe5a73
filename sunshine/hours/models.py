"""Service records, corrections, approval policies, and the two append-only ledgers.

A **service record** is what one member did on one shift: computed from the punches by a
named rule, holding the fields a service record must hold (activity, date, place, content,
minutes, organising community, person in charge). Its status moves pending → confirmed or
rejected (and confirmed → voided); the minutes that *count* are never a column someone sets
but the sum of the record's entries in the hours ledger.

The **ledgers** (hours in minutes, points) are append-only and hash-chained per member:
each entry carries its position ``seq`` in the member's chain, the previous entry's hash and
its own hash over its content. ``LedgerHead`` is the materialised end of each chain (total,
count, last hash): appending locks it, so two appends for one member never fork the chain,
and ``flask ledger verify`` recomputes every chain and compares it with its head, so an
entry changed, inserted or deleted behind the application's back is named.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, BigId, UTCDateTime, append_only, str_enum, utcnow
from sunshine.members.models import Member
from sunshine.org.models import Area
from sunshine.tasks.models import Shift


class RecordStatus(StrEnum):
    PENDING = "pending"
    CONFIRMED = "confirmed"
    REJECTED = "rejected"
    VOIDED = "voided"


STATUS_LABELS = {
    RecordStatus.PENDING: "待确认",
    RecordStatus.CONFIRMED: "已确认",
    RecordStatus.REJECTED: "已驳回",
    RecordStatus.VOIDED: "已作废",
}


class RecordSource(StrEnum):
    PUNCHES = "punches"  # the member checked in and out
    HAND = "hand"  # the community recorded the attendance by hand
    AUTO_CLOSED = "auto_closed"  # no check-out: the jobs runner closed it at the shift end


class RecordFlag(StrEnum):
    FORGOT_CHECKOUT = "forgot_checkout"
    LOW_ACCURACY = "low_accuracy"
    HAND_RECORDED = "hand_recorded"
    WALK_IN = "walk_in"
    # The member held the shift's rotating check-in code (showed it to others): they could
    # punch themself in and out alone, so a person confirms (access.permissions.conflicted).
    CODE_HOLDER = "code_holder"


# What the listings' ``flag`` filter also takes: the overdue column, read as if a flag.
OVERDUE = "overdue"


class ServiceRecord(Base):
    __tablename__ = "service_record"
    __table_args__ = (
        UniqueConstraint("member_id", "shift_id"),
        CheckConstraint("minutes >= 0", name="minutes_not_negative"),
        CheckConstraint("credited_minutes >= 0", name="credited_not_negative"),
        Index(
            "ix_service_record_area_path_status",
            "area_path",
            "status",
            "id",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_service_record_status_service_date", "status", "service_date"),
        # A member's records of a period, read from the index alone by compliance
        # (audit/tally.py, docs/compliance.md).
        Index(
            "ix_service_record_member_id_service_date",
            "member_id",
            "service_date",
            postgresql_include=["status", "credited_minutes"],
        ),
        # The auditors' totals of an area over a span of days (hours.views.record_totals):
        # on PostgreSQL an index-only scan, the summed columns carried in the index.
        Index(
            "ix_service_record_area_path_service_date",
            "area_path",
            "service_date",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
            postgresql_include=["status", "minutes", "credited_minutes"],
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))  # ix_…_member_id_service_date
    shift_id: Mapped[int] = mapped_column(ForeignKey("shift.id"), index=True)
    # The organising community (or street, for a street-wide task) and its path, for scope.
    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    area_path: Mapped[str] = mapped_column(String(255))
    # The city body whose task it was (its admins confirm it; bodies/), copied for scope.
    body_id: Mapped[int | None] = mapped_column(ForeignKey("city_body.id"), index=True)
    activity_name: Mapped[str] = mapped_column(String(100))
    service_date: Mapped[date] = mapped_column(Date)  # in Asia/Shanghai
    place: Mapped[str] = mapped_column(String(200))
    content: Mapped[str] = mapped_column(Text)
    person_in_charge: Mapped[str] = mapped_column(String(50))
    rule: Mapped[str] = mapped_column(String(40))
    source: Mapped[RecordSource] = mapped_column(str_enum(RecordSource))
    check_in_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    check_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    minutes: Mapped[int]  # what the rule computed: the claim the community confirms
    # The sum of this record's hours-ledger entries (rebuilt and checked by `flask ledger`).
    credited_minutes: Mapped[int] = mapped_column(default=0)
    status: Mapped[RecordStatus] = mapped_column(
        str_enum(RecordStatus), default=RecordStatus.PENDING
    )
    flags: Mapped[list[str]] = mapped_column(JSON, default=list)
    overdue: Mapped[bool] = mapped_column(Boolean, default=False)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    reject_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    member: Mapped[Member] = relationship()
    shift: Mapped[Shift] = relationship()
    area: Mapped[Area] = relationship()


class CorrectionStatus(StrEnum):
    OPEN = "open"
    ACCEPTED = "accepted"
    REJECTED = "rejected"


class Correction(Base):
    """A member's request to correct a record's minutes, decided by the community."""

    __tablename__ = "correction"
    __table_args__ = (
        Index(
            "uq_correction_open",
            "record_id",
            unique=True,
            sqlite_where=text("status = 'open'"),
            postgresql_where=text("status = 'open'"),
        ),
        CheckConstraint("proposed_minutes BETWEEN 0 AND 1440", name="proposed_in_range"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    record_id: Mapped[int] = mapped_column(ForeignKey("service_record.id"), index=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    proposed_minutes: Mapped[int]
    reason: Mapped[str] = mapped_column(String(200))
    status: Mapped[CorrectionStatus] = mapped_column(
        str_enum(CorrectionStatus), default=CorrectionStatus.OPEN
    )
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    record: Mapped[ServiceRecord] = relationship()


class ApprovalMode(StrEnum):
    MANUAL = "manual"
    AUTOMATIC = "automatic"
    AUTOMATIC_BELOW = "automatic_below"  # automatic when the record is under a threshold


class ApprovalPolicy(Base):
    """How a community (or street) confirms records; without a row: manual."""

    __tablename__ = "approval_policy"
    __table_args__ = (
        CheckConstraint(
            "mode != 'automatic_below' OR auto_below_minutes BETWEEN 1 AND 1440",
            name="threshold_set",
        ),
    )

    area_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True)
    mode: Mapped[ApprovalMode] = mapped_column(str_enum(ApprovalMode, 20))
    auto_below_minutes: Mapped[int | None]
    updated_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Holiday(Base):
    """A day that breaks the Monday–Friday rule: a holiday, or a weekend made a workday (调休)."""

    __tablename__ = "holiday"

    day: Mapped[date] = mapped_column(Date, primary_key=True)
    workday: Mapped[bool] = mapped_column(Boolean)
    name: Mapped[str] = mapped_column(String(30))


class LedgerKind(StrEnum):
    CONFIRM = "confirm"
    ADJUST = "adjust"
    VOID = "void"


class Ledger(StrEnum):
    HOURS = "hours"  # amounts in minutes
    POINTS = "points"


class _LedgerEntry:
    """The columns both ledgers share; rows are written once and never changed."""

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"))
    seq: Mapped[int]  # 1, 2, … along the member's chain
    record_id: Mapped[int | None] = mapped_column(ForeignKey("service_record.id"), index=True)
    amount: Mapped[int]
    kind: Mapped[LedgerKind] = mapped_column(str_enum(LedgerKind))
    # None: the system (automatic approval by the community's policy).
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime())
    prev_hash: Mapped[str] = mapped_column(String(64))
    hash: Mapped[str] = mapped_column(String(64))


class HoursEntry(_LedgerEntry, Base):
    __tablename__ = "hours_entry"
    __table_args__ = (UniqueConstraint("member_id", "seq"),)


class PointsEntry(_LedgerEntry, Base):
    __tablename__ = "points_entry"
    __table_args__ = (UniqueConstraint("member_id", "seq"),)


class LedgerHead(Base):
    """The end of one member's chain in one ledger: the materialised total."""

    __tablename__ = "ledger_head"
    __table_args__ = (CheckConstraint("total >= 0", name="total_not_negative"),)

    ledger: Mapped[Ledger] = mapped_column(str_enum(Ledger, 8), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True)
    total: Mapped[int] = mapped_column(default=0)
    entries: Mapped[int] = mapped_column(default=0)
    last_hash: Mapped[str] = mapped_column(String(64))
    # HMAC of (ledger, member, entries, total, last_hash) under a key outside the database
    # (ledger/seal.py); null only while the head counts nothing.
    seal: Mapped[str | None] = mapped_column(String(64))
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


append_only(HoursEntry, PointsEntry)


class LedgerDigest(Base):
    """One day's signed digest over the heads of every chain (both ledgers).

    ``heads`` holds what was signed — ``[[ledger, member_id, entries, last_hash], …]`` in
    (ledger, member_id) order — so a later check can compare each chain then with now.
    ``digest`` is the SHA-256 of its canonical JSON; ``signature`` the Ed25519 signature of
    the digest (base64), made with a key kept outside the database (``LEDGER_SIGNING_KEY``).
    """

    __tablename__ = "ledger_digest"

    id: Mapped[int] = mapped_column(primary_key=True)
    day: Mapped[date] = mapped_column(Date, unique=True)  # Asia/Shanghai: one per day
    signed_at: Mapped[datetime] = mapped_column(UTCDateTime())
    chains: Mapped[int] = mapped_column()
    digest: Mapped[str] = mapped_column(String(64))
    signature: Mapped[str] = mapped_column(String(100))
    key_id: Mapped[str] = mapped_column(String(16))
    public_key: Mapped[str] = mapped_column(String(64))  # base64 of the raw 32 bytes
    heads: Mapped[list[list[Any]]] = mapped_column(JSON)


class VerificationStatus(StrEnum):
    PENDING = "pending"
    DONE = "done"


class LedgerVerification(Base):
    """An admin's request to verify the ledgers of a city (or everything), run by a job."""

    __tablename__ = "ledger_verification"
    __table_args__ = (Index("ix_ledger_verification_status", "status", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))  # None: everything
    area_path: Mapped[str | None] = mapped_column(String(255))
    status: Mapped[VerificationStatus] = mapped_column(
        str_enum(VerificationStatus, 8), default=VerificationStatus.PENDING
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ok: Mapped[bool | None] = mapped_column(Boolean)
    digest_id: Mapped[int | None] = mapped_column(ForeignKey("ledger_digest.id"))
    problems: Mapped[list[dict[str, object]] | None] = mapped_column(JSON)
