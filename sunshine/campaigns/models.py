"""A city's campaigns (创城, 疫情防控, 专项整治 …) and the tasks tagged with them.

The organization department keeps the list; task managers tag tasks with its active
campaigns (``task_campaign``); compliance, the record listing and their exports count only
the service records of tagged tasks when asked to (``campaigns.views.tagged_shifts``).
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Index, String, Table, true
from sqlalchemy.orm import Mapped, mapped_column

from sunshine.database import Base, UTCDateTime, utcnow


class Campaign(Base):
    __tablename__ = "campaign"
    __table_args__ = (Index("uq_campaign_city_id_name", "city_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("area.id"))  # uq_campaign_city_id_name
    name: Mapped[str] = mapped_column(String(30))
    # A deactivated campaign stays on the tasks it tags (and filters as before); no new tags.
    active: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)


task_campaign = Table(
    "task_campaign",
    Base.metadata,
    Column("task_id", ForeignKey("task.id"), primary_key=True),
    # The filter's direction: a campaign's tasks (then their shifts, then their records).
    Column("campaign_id", ForeignKey("campaign.id"), primary_key=True, index=True),
)
