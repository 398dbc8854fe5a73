"""Areas and work units: what grant scopes point at.

The tree is stored with a materialised ``path`` ("/1/17/230/") so that "is this inside that"
is a prefix test, in Python and in SQL, at any depth (a province above cities fits too).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, UTCDateTime, utcnow


class AreaLevel(StrEnum):
    CITY = "city"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


LEVEL_LABELS = {
    AreaLevel.CITY: "市/县",
    AreaLevel.STREET: "街道/乡镇",
    AreaLevel.COMMUNITY: "社区/村",
    AreaLevel.GRID: "网格",
}

# Which level may sit under which: the tree is city → street → community → grid.
CHILD_LEVEL = {
    AreaLevel.CITY: AreaLevel.STREET,
    AreaLevel.STREET: AreaLevel.COMMUNITY,
    AreaLevel.COMMUNITY: AreaLevel.GRID,
}


class Area(Base):
    __tablename__ = "area"
    __table_args__ = (
        CheckConstraint("(level = 'city') = (parent_id IS NULL)", name="only_cities_are_roots"),
        # Unique indexes rather than constraints: SQLite can add those without a table rebuild.
        Index("uq_area_parent_id_name", "parent_id", "name", unique=True),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"))
    level: Mapped[AreaLevel] = mapped_column(
        Enum(
            AreaLevel,
            native_enum=False,
            length=16,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    name: Mapped[str] = mapped_column(String(100))
    # What the place calls itself: 街道/镇/乡 for streets, 社区/村 for communities.
    kind_label: Mapped[str | None] = mapped_column(String(10))
    # 统计用区划代码 (12 digits) where known.
    division_code: Mapped[str | None] = mapped_column(String(12), unique=True)
    path: Mapped[str] = mapped_column(String(255), index=True, default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    parent: Mapped[Area | None] = relationship(remote_side=[id])

    def contains(self, other_path: str) -> bool:
        """Whether the area at ``other_path`` is this area or lies inside it."""
        return bool(self.path) and other_path.startswith(self.path)


class WorkUnit(Base):
    """单位: a member's employer, belonging to one city."""

    __tablename__ = "work_unit"
    __table_args__ = (Index("uq_work_unit_city_id_name", "city_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    # 统一社会信用代码, where known.
    credit_code: Mapped[str | None] = mapped_column(String(18), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    city: Mapped[Area] = relationship()
    party_orgs: Mapped[list[PartyOrg]] = relationship(back_populates="unit")
    paired_communities: Mapped[list[Area]] = relationship(secondary="unit_community_pair")


class PartyOrgKind(StrEnum):
    COMMITTEE = "committee"  # 党委
    GENERAL_BRANCH = "general_branch"  # 党总支
    BRANCH = "branch"  # 党支部


PARTY_ORG_KIND_LABELS = {
    PartyOrgKind.COMMITTEE: "党委",
    PartyOrgKind.GENERAL_BRANCH: "党总支",
    PartyOrgKind.BRANCH: "党支部",
}


class PartyOrg(Base):
    """党组织: a party organisation inside a work unit, possibly under another one."""

    __tablename__ = "party_org"
    __table_args__ = (UniqueConstraint("unit_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_unit.id"), index=True)
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id"))
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[PartyOrgKind] = mapped_column(
        Enum(
            PartyOrgKind,
            native_enum=False,
            length=16,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    unit: Mapped[WorkUnit] = relationship(back_populates="party_orgs")
    parent: Mapped[PartyOrg | None] = relationship(remote_side=[id])


class UnitCommunityPair(Base):
    """结对共建: a work unit paired with a community."""

    __tablename__ = "unit_community_pair"

    unit_id: Mapped[int] = mapped_column(ForeignKey("work_unit.id"), primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"), primary_key=True, index=True)


class ServiceTeam(Base):
    """志愿服务队: a team inside one community."""

    __tablename__ = "service_team"
    __table_args__ = (UniqueConstraint("community_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    community_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
