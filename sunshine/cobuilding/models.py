"""Unit report-ins (单位报到), co-building agreements, projects and yearly reports.

A unit's party organisation reports in to a community; at most one *live* (pending or
active) report-in per unit and community, enforced by a partial unique index so two parallel
requests cannot both succeed. Nothing here is deleted: rejected, withdrawn and ended
report-ins, cancelled projects are the unit's history.
"""

from __future__ import annotations

from datetime import date, datetime
from enum import StrEnum

from sqlalchemy import (
    CheckConstraint,
    Date,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, UTCDateTime, str_enum, utcnow
from sunshine.members.models import Member
from sunshine.org.models import Area, PartyOrg, WorkUnit


class UnitReportInStatus(StrEnum):
    PENDING = "pending"
    ACTIVE = "active"
    REJECTED = "rejected"
    WITHDRAWN = "withdrawn"  # the unit withdrew its request before a decision
    ENDED = "ended"  # was active; the unit ended it


LIVE = (UnitReportInStatus.PENDING, UnitReportInStatus.ACTIVE)


class UnitReportIn(Base):
    """单位报到: a unit's party organisation reported in to a community."""

    __tablename__ = "unit_report_in"
    __table_args__ = (
        Index(
            "uq_unit_report_in_live",
            "unit_id",
            "community_id",
            unique=True,
            sqlite_where=text("status IN ('pending', 'active')"),
            postgresql_where=text("status IN ('pending', 'active')"),
        ),
        Index(
            "ix_unit_report_in_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_unit.id"), index=True)
    party_org_id: Mapped[int] = mapped_column(ForeignKey("party_org.id"))
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    area_path: Mapped[str] = mapped_column(String(255))  # the community's, for scope filters
    # Whether the community was one of the unit's imported pairings when it reported in.
    paired: Mapped[bool] = mapped_column(default=False)
    status: Mapped[UnitReportInStatus] = mapped_column(
        str_enum(UnitReportInStatus), default=UnitReportInStatus.PENDING
    )
    requested_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    decision_reason: Mapped[str | None] = mapped_column(String(200))
    ended_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    end_reason: Mapped[str | None] = mapped_column(String(200))

    unit: Mapped[WorkUnit] = relationship()
    party_org: Mapped[PartyOrg] = relationship()
    community: Mapped[Area] = relationship()
    agreement: Mapped[Agreement | None] = relationship(back_populates="report_in")


class ResourceKind(StrEnum):
    PEOPLE = "people"  # 人员
    SKILLS = "skills"  # 技能
    VENUES = "venues"  # 场地
    FUNDS = "funds"  # 资金
    VEHICLES = "vehicles"  # 车辆


class Agreement(Base):
    """共建协议: the term and text of an active report-in, with the unit's resources."""

    __tablename__ = "cobuilding_agreement"
    __table_args__ = (CheckConstraint("ends_on >= starts_on", name="ends_after_start"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    report_in_id: Mapped[int] = mapped_column(ForeignKey("unit_report_in.id"), unique=True)
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    text: Mapped[str] = mapped_column(Text)
    written_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    written_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    # Countersigned by the community: the agreement no longer changes.
    confirmed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    confirmed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())

    report_in: Mapped[UnitReportIn] = relationship(back_populates="agreement")
    resources: Mapped[list[Resource]] = relationship(
        cascade="all, delete-orphan", order_by="Resource.id"
    )


class Resource(Base):
    """One line of the unit's resources list (资源清单)."""

    __tablename__ = "cobuilding_resource"
    __table_args__ = (CheckConstraint("quantity >= 0", name="quantity_not_negative"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    agreement_id: Mapped[int] = mapped_column(ForeignKey("cobuilding_agreement.id"), index=True)
    kind: Mapped[ResourceKind] = mapped_column(str_enum(ResourceKind))
    name: Mapped[str] = mapped_column(String(100))
    quantity: Mapped[int] = mapped_column(Integer)
    measure: Mapped[str] = mapped_column(String(10))  # 人, 辆, 元, ㎡ …


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    IN_PROGRESS = "in_progress"
    DONE = "done"
    CANCELLED = "cancelled"


class UnitProject(Base):
    """项目清单: a project the unit takes on for the community it reported in to."""

    __tablename__ = "unit_project"
    __table_args__ = (
        CheckConstraint("planned_to >= planned_from", name="ends_after_start"),
        Index(
            "ix_unit_project_area_path",
            "area_path",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    report_in_id: Mapped[int] = mapped_column(ForeignKey("unit_report_in.id"), index=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_unit.id"), index=True)
    area_path: Mapped[str] = mapped_column(String(255))  # the community's
    title: Mapped[str] = mapped_column(String(100))
    description: Mapped[str] = mapped_column(Text)
    planned_from: Mapped[date] = mapped_column(Date)
    planned_to: Mapped[date] = mapped_column(Date)
    need_id: Mapped[int | None] = mapped_column(ForeignKey("need.id"), index=True)
    status: Mapped[ProjectStatus] = mapped_column(
        str_enum(ProjectStatus), default=ProjectStatus.PLANNED
    )
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    started_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    done_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    cancel_reason: Mapped[str | None] = mapped_column(String(200))

    report_in: Mapped[UnitReportIn] = relationship()
    members: Mapped[list[Member]] = relationship(
        secondary="unit_project_member", order_by="Member.id"
    )


class UnitProjectMember(Base):
    """A member the unit sends to one of its projects (always a member of that unit)."""

    __tablename__ = "unit_project_member"

    project_id: Mapped[int] = mapped_column(ForeignKey("unit_project.id"), primary_key=True)
    member_id: Mapped[int] = mapped_column(ForeignKey("member.id"), primary_key=True, index=True)


class YearlyReport(Base):
    """年度报告: what the unit did in a year, with the figures the system counted when the
    unit submitted it (kept as submitted)."""

    __tablename__ = "unit_yearly_report"
    __table_args__ = (UniqueConstraint("unit_id", "year"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_unit.id"))
    year: Mapped[int] = mapped_column(Integer)
    text: Mapped[str] = mapped_column(Text)
    report_ins: Mapped[int] = mapped_column(Integer)
    projects_done: Mapped[int] = mapped_column(Integer)
    members_sent: Mapped[int] = mapped_column(Integer)
    service_minutes: Mapped[int] = mapped_column(Integer)
    submitted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    submitted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[WorkUnit] = relationship()
