"""Members, their skills, and the skill catalogue.

A member is the registered Party member behind an account. ``area_path`` is denormalised: the
path of the community the member belongs to now (the active or pending report-in's community,
otherwise the residential community), kept by the services so that scoped listings are a
prefix test on one indexed column.
"""

from __future__ import annotations

import re
from datetime import datetime
from enum import StrEnum

from sqlalchemy import Boolean, Column, Enum, ForeignKey, Index, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.auth.models import Account
from sunshine.database import Base, UTCDateTime, utcnow
from sunshine.org.models import Area, PartyOrg, WorkUnit

# A person's name as the roster and registration accept it: 2–50 汉字 (any CJK block, rare
# characters in names included), Latin letters, spaces and the middle dot of minority names.
HAN_CHARS = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0003134f"
PERSON_NAME = re.compile(f"^[{HAN_CHARS}·A-Za-z .]{{2,50}}$")
PERSON_NAME_MESSAGE = "姓名应为 2–50 个汉字或字母"


class Skill(Base):
    """An entry of the configurable skill catalogue (法律咨询, 医疗健康 …)."""

    __tablename__ = "skill"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(30), unique=True)
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(default=0)


member_skill = Table(
    "member_skill",
    Base.metadata,
    Column("member_id", ForeignKey("member.id"), primary_key=True),
    Column("skill_id", ForeignKey("skill.id"), primary_key=True, index=True),
)


class MemberStatus(StrEnum):
    PENDING = "pending"  # waiting for the unit admin or the org department
    VERIFIED = "verified"
    REJECTED = "rejected"
    DEACTIVATED = "deactivated"  # personal data removed at the member's request


class Member(Base):
    __tablename__ = "member"
    __table_args__ = (
        # Prefix search on area_path: text_pattern_ops lets PostgreSQL use the index for LIKE.
        Index(
            "ix_member_area_path",
            "area_path",
            "id",
            postgresql_ops={"area_path": "varchar_pattern_ops"},
        ),
        Index("ix_member_unit_id_id", "unit_id", "id"),
        Index("ix_member_status_id", "status", "id"),
        Index("ix_member_name_id", "name", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("account.id"), unique=True)
    name: Mapped[str] = mapped_column(String(50))
    unit_id: Mapped[int] = mapped_column(ForeignKey("work_unit.id"))
    party_org_id: Mapped[int | None] = mapped_column(ForeignKey("party_org.id"))
    residence_id: Mapped[int] = mapped_column(ForeignKey("area.id"), index=True)
    area_path: Mapped[str] = mapped_column(String(255))
    status: Mapped[MemberStatus] = mapped_column(
        Enum(
            MemberStatus,
            native_enum=False,
            length=16,
            create_constraint=False,
            values_callable=lambda e: [m.value for m in e],
        ),
        default=MemberStatus.PENDING,
    )
    roster_entry_id: Mapped[int | None] = mapped_column(ForeignKey("roster_entry.id"))
    available_weekday_daytime: Mapped[bool] = mapped_column(Boolean, default=False)
    available_evenings: Mapped[bool] = mapped_column(Boolean, default=False)
    available_weekends: Mapped[bool] = mapped_column(Boolean, default=False)
    reviewed_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    reviewed_at: Mapped[datetime | None] = mapped_column(UTCDateTime())
    review_reason: Mapped[str | None] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow, onupdate=utcnow)

    account: Mapped[Account] = relationship(foreign_keys=[account_id])
    unit: Mapped[WorkUnit] = relationship()
    party_org: Mapped[PartyOrg | None] = relationship()
    residence: Mapped[Area] = relationship()
    skills: Mapped[list[Skill]] = relationship(secondary=member_skill, order_by=Skill.sort_order)
