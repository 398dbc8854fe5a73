"""Accounts (one per WeChat user of the mini-program) and their bearer tokens."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Enum, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, BigId, UTCDateTime, utcnow


class AccountStatus(StrEnum):
    ACTIVE = "active"
    DISABLED = "disabled"


class Account(Base):
    __tablename__ = "account"

    id: Mapped[int] = mapped_column(primary_key=True)
    openid: Mapped[str] = mapped_column(String(64), unique=True)
    unionid: Mapped[str | None] = mapped_column(String(64), index=True)
    # WeChat's session_key is not stored: nothing reads it (phone numbers come through the
    # server-side getPhoneNumber exchange). A feature that must decrypt signed user data
    # stores it then, encrypted.
    # Bound through WeChat's getPhoneNumber (server-side exchange), never typed by hand.
    phone: Mapped[str | None] = mapped_column(String(20), index=True)
    phone_bound_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    status: Mapped[AccountStatus] = mapped_column(
        Enum(
            AccountStatus,
            native_enum=False,
            length=16,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=AccountStatus.ACTIVE,
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    disabled_reason: Mapped[str | None] = mapped_column(String(200))

    @property
    def is_active(self) -> bool:
        return self.status != AccountStatus.DISABLED

    def __repr__(self) -> str:
        return f"<Account {self.id}>"


class AuthToken(Base):
    """A bearer token: only its SHA-256 is stored, so a database dump logs nobody in."""

    __tablename__ = "auth_token"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))
    # Console sessions are tokens too (carried in a cookie): they also end after this many
    # seconds without a request. ``None``: no idle limit (the mini-program's tokens).
    idle_timeout: Mapped[int | None] = mapped_column()
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    account: Mapped[Account] = relationship()
