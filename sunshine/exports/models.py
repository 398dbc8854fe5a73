"""An export: what an admin asked for, how far its job got, and where its file is.

The file itself lives outside the database, in ``EXPORT_DIR``, under ``file_name`` (a random
name: nothing in it says whose it is). The row stays after the file is deleted, as the
record of what was exported (the security log has who downloaded it).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, UTCDateTime, str_enum, utcnow


class ExportStatus(StrEnum):
    PENDING = "pending"  # waiting for the jobs runner
    RUNNING = "running"
    DONE = "done"  # the file can be downloaded until expires_at
    FAILED = "failed"
    EXPIRED = "expired"  # its file is deleted


class Export(Base):
    __tablename__ = "export"
    __table_args__ = (
        Index("ix_export_status_id", "status", "id"),
        Index("ix_export_requested_by_id_id", "requested_by_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    kind: Mapped[str] = mapped_column(String(40))
    filters: Mapped[dict[str, Any]] = mapped_column(JSON)  # as the kind's schema dumps them
    status: Mapped[ExportStatus] = mapped_column(
        str_enum(ExportStatus, 8), default=ExportStatus.PENDING
    )
    rows: Mapped[int] = mapped_column(default=0)  # written so far
    total: Mapped[int | None]  # counted when the job starts: the percentage's base
    file_name: Mapped[str | None] = mapped_column(String(80))
    size_bytes: Mapped[int | None] = mapped_column(BigInteger)
    error: Mapped[str | None] = mapped_column(String(64))  # the code of a failure
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    # Written with every page of rows: a running export whose heartbeat stops was interrupted.
    heartbeat_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
