"""City bodies: the civilisation practice centre (新时代文明实践中心) and its stations
(实践所/站), a city department (部门), a standing post such as the 学雷锋岗 at the citizens'
service centre.

A body belongs to a city; the organization department keeps the list and names each body's
admins (``Role.BODY_ADMIN``, a grant scoped to the body). A body may sit under another body of
the same city (a station under its centre): the parent is informational, a grant on the
centre does not reach its stations (docs/bodies.md).
"""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from sunshine.database import Base, UTCDateTime, str_enum, utcnow
from sunshine.org.models import Area


class BodyKind(StrEnum):
    PRACTICE_CENTRE = "practice_centre"  # 新时代文明实践中心
    PRACTICE_STATION = "practice_station"  # 实践所 / 实践站
    DEPARTMENT = "department"  # 部门
    POST = "post"  # 学雷锋岗 and other standing posts


class CityBody(Base):
    __tablename__ = "city_body"
    __table_args__ = (Index("uq_city_body_city_id_name", "city_id", "name", unique=True),)

    id: Mapped[int] = mapped_column(primary_key=True)
    city_id: Mapped[int] = mapped_column(ForeignKey("area.id"))  # uq_city_body_city_id_name
    name: Mapped[str] = mapped_column(String(50))
    kind: Mapped[BodyKind] = mapped_column(str_enum(BodyKind, length=20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("city_body.id"))
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("account.id"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime(), default=utcnow)

    city: Mapped[Area] = relationship()
