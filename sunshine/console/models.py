"""Console login tickets: the one-time scene of the mini-program code shown on the login page."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, BigId, UTCDateTime, utcnow


class LoginTicket(Base):
    """One login attempt at the console, from the page showing the code to the session.

    ``ticket`` is the code's scene (≤ 32 allowed characters). Only the SHA-256 of the browser's
    nonce is stored: the session goes to the browser that asked for the ticket, not to anyone
    who photographs the code.
    """

    __tablename__ = "console_login_ticket"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    ticket: Mapped[str] = mapped_column(String(32), unique=True)
    browser_hash: Mapped[str] = mapped_column(String(64))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime())
    ip: Mapped[str | None] = mapped_column(String(45))
    confirmed_by: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
