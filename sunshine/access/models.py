"""Grants: a role held by an account on a scope (an area, a work unit, a city body, or
everything)."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import CheckConstraint, Enum, ForeignKey, Index, String, text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.auth.models import Account
from sunshine.bodies.models import CityBody
from sunshine.database import Base, UTCDateTime, utcnow
from sunshine.org.models import Area, AreaLevel, WorkUnit


class Role(StrEnum):
    MEMBER = "member"
    COMMUNITY_ADMIN = "community_admin"
    STREET_ADMIN = "street_admin"
    UNIT_ADMIN = "unit_admin"
    ORG_ADMIN = "org_admin"
    SYS_ADMIN = "sys_admin"
    BODY_ADMIN = "body_admin"  # a city body's tasks (bodies/)
    # A grid's people (docs/grids.md): named by the community admin, each scoped to one grid.
    GRID_WORKER = "grid_worker"  # 网格员
    GRID_ASSISTANT = "grid_assistant"  # 网格助理员
    GRID_LIAISON = "grid_liaison"  # 网格联络员: a member who lives in the grid


GRID_ROLES = frozenset({Role.GRID_WORKER, Role.GRID_ASSISTANT, Role.GRID_LIAISON})


# What a role's scope must be: an area of this level, a work unit ("unit"), a city body
# ("body"), or nothing.
SCOPE_OF_ROLE: dict[Role, AreaLevel | str | None] = {
    Role.COMMUNITY_ADMIN: AreaLevel.COMMUNITY,
    Role.STREET_ADMIN: AreaLevel.STREET,
    Role.UNIT_ADMIN: "unit",
    Role.ORG_ADMIN: AreaLevel.CITY,
    Role.SYS_ADMIN: None,
    Role.BODY_ADMIN: "body",
    Role.GRID_WORKER: AreaLevel.GRID,
    Role.GRID_ASSISTANT: AreaLevel.GRID,
    Role.GRID_LIAISON: AreaLevel.GRID,
}


class Grant(Base):
    __tablename__ = "role_grant"
    __table_args__ = (
        CheckConstraint("area_id IS NULL OR unit_id IS NULL", name="one_scope"),
        CheckConstraint(
            "body_id IS NULL OR (area_id IS NULL AND unit_id IS NULL)", name="one_scope_body"
        ),
        # One active grant per (account, role, scope); revoked ones stay as history.
        Index(
            "uq_role_grant_active",
            "account_id",
            "role",
            "scope_key",
            unique=True,
            sqlite_where=text("revoked_at IS NULL"),
            postgresql_where=text("revoked_at IS NULL"),
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), index=True)
    role: Mapped[Role] = mapped_column(
        Enum(
            Role,
            native_enum=False,
            length=32,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        )
    )
    area_id: Mapped[int | None] = mapped_column(ForeignKey("area.id"), index=True)
    unit_id: Mapped[int | None] = mapped_column(ForeignKey("work_unit.id"), index=True)
    body_id: Mapped[int | None] = mapped_column(ForeignKey("city_body.id"), index=True)
    # "global", "area:<id>", "unit:<id>" or "body:<id>": lets the database enforce uniqueness
    # with NULLs.
    scope_key: Mapped[str] = mapped_column(String(32))
    granted_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    granted_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    revoke_reason: Mapped[str | None] = mapped_column(String(200))

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    area: Mapped[Area | None] = relationship(lazy="joined")
    unit: Mapped[WorkUnit | None] = relationship(lazy="joined")
    body: Mapped[CityBody | None] = relationship()

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    @property
    def is_global(self) -> bool:
        return self.area_id is None and self.unit_id is None and self.body_id is None
