"""Privacy notice versions and the append-only record of every consent given or withdrawn."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import Boolean, Enum, ForeignKey, Index, String, Text, event
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, BigId, UTCDateTime, utcnow


class PrivacyNotice(Base):
    __tablename__ = "privacy_notice"

    id: Mapped[int] = mapped_column(primary_key=True)
    version: Mapped[str] = mapped_column(String(20), unique=True)
    title: Mapped[str] = mapped_column(String(100))
    content: Mapped[str] = mapped_column(Text)
    published_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    published_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))


class ConsentKind(StrEnum):
    PRIVACY_NOTICE = "privacy_notice"  # required to use the service
    UNIT_FEEDBACK = "unit_feedback"  # service details sent to the work unit (optional)
    PUBLIC_RANKING = "public_ranking"  # named in public rankings (optional)


class ConsentRecord(Base):
    """One grant or withdrawal. The current state is the newest record per (account, kind)."""

    __tablename__ = "consent_record"
    __table_args__ = (Index("ix_consent_record_account_kind", "account_id", "kind", "id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[ConsentKind] = mapped_column(
        Enum(
            ConsentKind,
            native_enum=False,
            length=20,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    granted: Mapped[bool] = mapped_column(Boolean)
    notice_version: Mapped[str] = mapped_column(String(20))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    ip: Mapped[str | None] = mapped_column(String(45))


class ConsentRecordImmutable(RuntimeError):
    """Raised when code tries to change or delete a consent record."""


@event.listens_for(ConsentRecord, "before_update")
@event.listens_for(ConsentRecord, "before_delete")
def _refuse_change(_mapper: Any, _connection: Any, target: ConsentRecord) -> None:
    raise ConsentRecordImmutable(f"consent_record {target.id} is append-only")
