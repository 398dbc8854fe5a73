"""One check of public text: what was written, WeChat's verdict, and a person's decision.

The text checked is kept on the row (``texts``) until it is shown: a task's text waiting for
review is not on the task yet, so nothing unchecked can leak through any reader of tasks.
"""

from __future__ import annotations

from datetime import datetime
from enum import IntEnum, StrEnum
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, BigId, UTCDateTime, str_enum, utcnow


class Scene(IntEnum):
    """msg_sec_check's scenes."""

    PROFILE = 1  # 资料
    COMMENT = 2  # 评论
    FORUM = 3  # 论坛: a post many read (a task)
    SOCIAL_LOG = 4  # 社交日志


class CheckStatus(StrEnum):
    PASSED = "passed"  # WeChat passed it; shown
    PENDING = "pending"  # WeChat could not answer; held, the job asks again
    REVIEW = "review"  # held for an admin (WeChat said review, or could not judge the author)
    APPROVED = "approved"  # an admin approved it; shown
    REJECTED = "rejected"  # an admin rejected it; never shown
    REFUSED = "refused"  # a later check found it risky; never shown
    SUPERSEDED = "superseded"  # newer text replaced it before it was decided


HELD = (CheckStatus.PENDING, CheckStatus.REVIEW)
CLEARED = (CheckStatus.PASSED, CheckStatus.APPROVED)


class ContentCheck(Base):
    __tablename__ = "content_check"
    __table_args__ = (
        Index("ix_content_check_subject", "subject", "subject_id"),
        # The re-check job: pending rows by when they are due.
        Index("ix_content_check_status_due", "status", "next_attempt_at"),
        Index(
            "ix_content_check_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # What the text belongs to ("task") and what showing it does ("publish", "edit").
    subject: Mapped[str] = mapped_column(String(20))
    subject_id: Mapped[int]
    action: Mapped[str] = mapped_column(String(20))
    area_path: Mapped[str] = mapped_column(String(255))  # where reviewers' scope is decided
    author_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    scene: Mapped[int]
    texts: Mapped[dict[str, Any]] = mapped_column(JSON)  # field -> text, as written
    digest: Mapped[str] = mapped_column(String(64))  # sha256 of ``texts``
    status: Mapped[CheckStatus] = mapped_column(str_enum(CheckStatus, 12))
    label: Mapped[int | None]  # WeChat's label (100 normal, 20001 politics, 21000 other …)
    trace_id: Mapped[str | None] = mapped_column(String(64))
    attempts: Mapped[int] = mapped_column(default=0)  # WeChat calls that failed
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    checked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(String(200))
