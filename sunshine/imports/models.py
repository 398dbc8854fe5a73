"""Import batches: one uploaded file, applied whole or rejected whole, with its report."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, UTCDateTime, utcnow


class ImportKind(StrEnum):
    AREAS = "areas"
    UNITS = "units"
    ROSTER = "roster"


class ImportStatus(StrEnum):
    APPLIED = "applied"
    REJECTED = "rejected"


class ImportBatch(Base):
    """One uploaded file: what it changed, or why it was rejected as a whole."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[ImportKind] = mapped_column(
        Enum(
            ImportKind,
            native_enum=False,
            length=16,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    city_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    actor_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    filename: Mapped[str] = mapped_column(String(200))
    status: Mapped[ImportStatus] = mapped_column(
        Enum(
            ImportStatus,
            native_enum=False,
            length=16,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    row_count: Mapped[int] = mapped_column(default=0)
    created_count: Mapped[int] = mapped_column(default=0)
    updated_count: Mapped[int] = mapped_column(default=0)
    unchanged_count: Mapped[int] = mapped_column(default=0)
    # [{"line": 7, "field": "phone", "message": "手机号格式不正确"}, …]
    errors: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    # [{"line": 9, "key": "13800000001", "change": "updated", "fields": {"name": ["旧", "新"]}}, …]
    changes: Mapped[list[dict[str, Any]] | None] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
