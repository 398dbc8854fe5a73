"""Roster entries, keyed by phone number within a city."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, UTCDateTime, utcnow
from sunshine.org.models import PartyOrg, WorkUnit


class RosterEntry(Base):
    __tablename__ = "roster_entry"
    __table_args__ = (
        UniqueConstraint("city_id", "phone"),
        Index("ix_roster_entry_city_id_name", "city_id", "name"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    name: Mapped[str] = mapped_column(String(50))
    phone: Mapped[str] = mapped_column(String(20))
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_unit.id"), index=True)
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id"))
    batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    unit: Mapped[WorkUnit] = relationship()
    party_org: Mapped[PartyOrg | None] = relationship()
