"""Security events. Append-only: the ORM refuses changes and database triggers do too."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, BigId, UTCDateTime, append_only, utcnow

# Kept at least this long (PRODUCT: ≥ 6 months); the triggers refuse deleting younger rows.
RETENTION_DAYS = 180


class SecurityEvent(Base):
    __tablename__ = "security_event"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    occurred_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, index=True)
    # The acting account (None for an anonymous attempt or the CLI).
    account_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"), index=True)
    ip: Mapped[str | None] = mapped_column(String(45))
    action: Mapped[str] = mapped_column(String(40), index=True)
    object_type: Mapped[str | None] = mapped_column(String(40))
    object_id: Mapped[str | None] = mapped_column(String(64))
    outcome: Mapped[str] = mapped_column(String(16))
    reason: Mapped[str | None] = mapped_column(String(64))
    request_id: Mapped[str | None] = mapped_column(String(64))
    detail: Mapped[dict[str, Any] | None] = mapped_column(JSON)


append_only(SecurityEvent)
