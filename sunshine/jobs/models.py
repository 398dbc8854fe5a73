"""The state of each scheduled job: when it last ran and what it did."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, String
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, UTCDateTime


class JobState(Base):
    """One row per job; the runner locks it so two runners never run a job at once."""

    __tablename__ = "job_state"

    name: Mapped[str] = mapped_column(String(40), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    last_result: Mapped[dict[str, Any] | None] = mapped_column(JSON)
