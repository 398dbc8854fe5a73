"""Areas and work units: what grant scopes point at.

The tree is stored with a materialised ``path`` ("/1/17/230/") so that "is this inside that"
is a prefix test, in Python and in SQL, at any depth (a province above cities fits too).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, UTCDateTime, utcnow


class AreaLevel(StrEnum):
    CITY = "city"
    STREET = "street"
    COMMUNITY = "community"
    GRID = "grid"


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
        Index("ix_area_parent_id_name", "parent_id", "name"),
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

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    city: Mapped[Area] = relationship()
