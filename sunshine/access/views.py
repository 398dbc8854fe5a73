"""Grants as an administrator sees them: the grants within their scope, newest first."""

from __future__ import annotations

from sqlalchemy import func, select
from sqlalchemy.orm import aliased

from sunshine.access.listing import scoped_page
from sunshine.access.models import GRID_ROLES, Grant, Role
from sunshine.access.permissions import Actor, Permission, can_somewhere
from sunshine.bodies.models import CityBody
from sunshine.org.models import Area
from sunshine.pagination import CursorPage


def list_grants(
    *,
    actor: Actor,
    limit: int,
    cursor: int | None = None,
    account_id: int | None = None,
    role: Role | None = None,
    include_revoked: bool = False,
) -> CursorPage:
    """Grants whose scope lies within the actor's own, newest first (a body's grants sit in
    the body's city): for a community admin, the grid roles of its grids (what it grants)."""
    body_city = aliased(Area)
    query = (
        select(Grant)
        .outerjoin(Area, Grant.area_id == Area.id)
        .outerjoin(CityBody, Grant.body_id == CityBody.id)
        .outerjoin(body_city, CityBody.city_id == body_city.id)
    )
    permission = Permission.GRANT_MANAGE
    if not can_somewhere(actor, permission):
        permission = Permission.GRID_ROLE_MANAGE
        query = query.where(Grant.role.in_(GRID_ROLES))
    if account_id is not None:
        query = query.where(Grant.account_id == account_id)
    if role is not None:
        query = query.where(Grant.role == role)
    if not include_revoked:
        query = query.where(Grant.revoked_at.is_(None))
    return scoped_page(
        query,
        actor=actor,
        permission=permission,
        id_column=Grant.id,
        area_path=func.coalesce(Area.path, body_city.path),
        unit_id=Grant.unit_id,
        body_id=Grant.body_id,
        after_id=cursor,
        limit=limit,
    )
