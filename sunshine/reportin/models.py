"""Report-ins and their placement in grids and service teams.

At most one *active* and at most one *pending* report-in per member, enforced by partial
unique indexes, so two parallel requests cannot both succeed. Report-ins are never deleted:
rejected, cancelled and ended ones are the member's history.
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, Enum, ForeignKey, Index, String, Table, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, UTCDateTime, utcnow
from sunshine.members.models import Member
from sunshine.org.models import Area, ServiceTeam


class ReportInStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    CANCELLED = "cancelled"  # withdrawn by the member before a decision
    ENDED = "ended"  # was active; ended by transfer, withdrawal or deactivation


class EndKind(StrEnum):
    TRANSFER = "transfer"
    MEMBER_WITHDREW = "member_withdrew"
    ADMIN_ENDED = "admin_ended"
    DEACTIVATED = "deactivated"


report_in_team = Table(
    "report_in_team",
    Base.metadata,
    Column("report_in_id", ForeignKey("report_in.id"), primary_key=True),
    Column("team_id", ForeignKey("service_team.id"), primary_key=True, index=True),
)


class ReportIn(Base):
    __tablename__ = "report_in"
    __table_args__ = (
        Index(
            "uq_report_in_one_active",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
        Index(
            "uq_report_in_one_pending",
            "member_id",
            unique=True,
            sqlite_where=text("status = 'pending'"),
            postgresql_where=text("status = 'pending'"),
        ),
        Index("ix_report_in_community_id_status", "community_id", "status"),
        # A grid's members, newest first (GET /grids/{id}/members): docs/grids.md.
        Index(
            "ix_report_in_grid_id_active",
            "grid_id",
            "id",
            sqlite_where=text("status = 'active'"),
            postgresql_where=text("status = 'active'"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), index=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"))
    status: Mapped[ReportInStatus] = mapped_column(
        Enum(
            ReportInStatus,
            native_enum=False,
            length=16,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=ReportInStatus.PENDING,
    )
    # A request made while another report-in is active is a transfer from that one.
    transfer_from_id: Mapped[int | None] = mapped_column(ForeignKey("report_in.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    end_kind: Mapped[EndKind | None] = mapped_column(
        Enum(
            EndKind,
            native_enum=False,
            length=20,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    end_reason: Mapped[str | None] = mapped_column(String(200))
    grid_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))

    member: Mapped[Member] = relationship()
    community: Mapped[Area] = relationship(foreign_keys=[community_id])
    grid: Mapped[Area | None] = relationship(foreign_keys=[grid_id])
    teams: Mapped[list[ServiceTeam]] = relationship(secondary=report_in_team)
