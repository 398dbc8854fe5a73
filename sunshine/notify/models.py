"""The outbox-and-inbox message table and the subscribe-message quota.

One ``notify_message`` row per message: the inbox shows it (``read_at``) and the sender
delivers it as a subscribe message (``status``). Only the notify domain writes these tables;
other domains call ``notify.service.enqueue`` inside their own transaction.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum
from typing import Any

from sqlalchemy import JSON, CheckConstraint, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, BigId, UTCDateTime, utcnow
from sunshine.database import str_enum as _enum


class SendStatus(StrEnum):
    PENDING = "pending"  # waiting for the sender (or for WeChat to come back)
    SENDING = "sending"  # claimed by a sender until ``claimed_until``
    SENT = "sent"
    SKIPPED = "skipped"  # never sent: no template configured, or no quota (inbox only)
    FAILED = "failed"  # refused by WeChat (``errcode``), expired, or interrupted mid-send


class SubscribeQuota(Base):
    """How many sends of a template an account has left: +1 per accept, −1 per send."""

    __tablename__ = "notify_quota"
    __table_args__ = (CheckConstraint("remaining >= 0", name="remaining_not_negative"),)

    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), primary_key=True)
    template_id: Mapped[str] = mapped_column(String(128), primary_key=True)
    remaining: Mapped[int] = mapped_column(default=0)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)


class Message(Base):
    __tablename__ = "notify_message"
    __table_args__ = (
        Index("ix_notify_message_account", "account_id", "id"),
        # What the sender claims: pending rows, oldest first.
        Index(
            "ix_notify_message_pending",
            "id",
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        # What the sweep looks for every drain: rows a dead sender left claimed.
        Index(
            "ix_notify_message_sending",
            "claimed_until",
            sqlite_where=text("status = 'sending'"),
            postgresql_where=text("status = 'sending'"),
        ),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"))
    event: Mapped[str] = mapped_column(String(32))
    title: Mapped[str] = mapped_column(String(40))
    body: Mapped[str] = mapped_column(String(500))
    # The subscribe message: template, values already within WeChat's limits, page to open.
    template_id: Mapped[str | None] = mapped_column(String(128))
    data: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    page: Mapped[str | None] = mapped_column(String(200))
    # A message that must exist once (a reminder per signup and offset).
    dedupe_key: Mapped[str | None] = mapped_column(String(80), unique=True)
    status: Mapped[SendStatus] = mapped_column(_enum(SendStatus), default=SendStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    claimed_until: Mapped[datetime | None] = mapped_column(UTCDateTime())
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    errcode: Mapped[int | None]
    error: Mapped[str | None] = mapped_column(String(40))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
