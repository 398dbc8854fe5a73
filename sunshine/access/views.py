"""Grants as an administrator sees them: the grants within their scope, newest first."""

from __future__ import annotations

from sqlalchemy import select

from sunshine.access.listing import scoped_page
from sunshine.access.models import GRID_ROLES, Grant, Role
from sunshine.access.permissions import Actor, Permission, can_somewhere
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
    """Grants whose scope lies within the actor's own, newest first: for a community admin,
    the grid roles of its community's grids (what it may grant)."""
    query = select(Grant).outerjoin(Area, Grant.area_id == Area.id)
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
        area_path=Area.path,
        unit_id=Grant.unit_id,
        after_id=cursor,
        limit=limit,
    )
