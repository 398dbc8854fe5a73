"""Grants as an administrator sees them: the page-numbered list of grants within their scope."""

from __future__ import annotations

from collections.abc import Sequence

from flask_smorest.pagination import PaginationParameters
from sqlalchemy import select

from sunshine.access.listing import scoped_query
from sunshine.access.models import Grant, Role
from sunshine.access.permissions import Actor, Permission
from sunshine.org.models import Area
from sunshine.pagination import page_of


def list_grants(
    *,
    actor: Actor,
    pages: PaginationParameters,
    account_id: int | None = None,
    role: Role | None = None,
    include_revoked: bool = False,
) -> Sequence[Grant]:
    """Grants whose scope lies within the actor's own, newest first."""
    query = select(Grant).outerjoin(Area, Grant.area_id == Area.id)
    if account_id is not None:
        query = query.where(Grant.account_id == account_id)
    if role is not None:
        query = query.where(Grant.role == role)
    if not include_revoked:
        query = query.where(Grant.revoked_at.is_(None))
    scoped = scoped_query(
        query,
        actor=actor,
        permission=Permission.GRANT_MANAGE,
        area_path=Area.path,
        unit_id=Grant.unit_id,
    )
    return page_of(scoped.order_by(Grant.id.desc()), pages)
