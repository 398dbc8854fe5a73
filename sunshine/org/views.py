"""The organisation as members and admins pick from it: areas, work units, party
organisations and service teams."""

from __future__ import annotations

from sqlalchemy import select

from sunshine.extensions import db
from sunshine.org.models import Area, AreaLevel, PartyOrg, ServiceTeam, WorkUnit
from sunshine.org.service import get_area, get_area_of_level, get_work_unit
from sunshine.pagination import CursorPage, newest_first


def list_areas(parent_id: int | None) -> list[Area]:
    """Children of an area (cities when no parent): what a member picks a community from."""
    if parent_id is not None:
        get_area(parent_id)
    return list(
        db.session.scalars(
            select(Area)
            .where(Area.parent_id == parent_id if parent_id else Area.parent_id.is_(None))
            .order_by(Area.division_code.is_(None), Area.division_code, Area.name)
        )
    )


def list_units(
    *, city_id: int, limit: int, cursor: int | None = None, q: str | None = None
) -> CursorPage:
    """Work units of a city, newest first, for members choosing theirs at registration."""
    query = select(WorkUnit).where(WorkUnit.city_id == city_id)
    if q:
        query = query.where(WorkUnit.name.contains(q, autoescape=True))
    return newest_first(query, WorkUnit.id, after_id=cursor, limit=limit)


def party_orgs_of(unit_id: int) -> list[PartyOrg]:
    """A unit's party organisations, its top-level ones first."""
    unit = get_work_unit(unit_id)
    return sorted(unit.party_orgs, key=lambda o: (o.parent_id is not None, o.name))


def teams_of(community_id: int) -> list[ServiceTeam]:
    """A community's service teams, by name."""
    community = get_area_of_level(community_id, AreaLevel.COMMUNITY, "community_id")
    return list(
        db.session.scalars(
            select(ServiceTeam)
            .where(ServiceTeam.community_id == community.id)
            .order_by(ServiceTeam.name)
        )
    )
