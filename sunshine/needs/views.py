"""The needs list as admins see it: listings and one need (the contact only in-community)."""

from __future__ import annotations

from sqlalchemy import select

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, Place, can
from sunshine.api import Shown
from sunshine.needs.models import Need, NeedStatus
from sunshine.needs.service import managed
from sunshine.pagination import CursorPage


def view(actor: Actor, need: Need) -> Need | Shown:
    """A need as the actor may see it: the resident's contact only inside the community."""
    if can(actor, Permission.NEED_CONTACT, Place(area_path=need.area_path)):
        return need
    return Shown(need, resident_contact=None)


def need_for(*, actor: Actor, need_id: int) -> Need | Shown:
    """One need, if the actor reads its community's (a grid role: its grid's) needs."""
    return view(actor, managed(actor, need_id, Permission.NEED_READ))


def list_needs(
    *,
    actor: Actor,
    limit: int,
    after_id: int | None = None,
    status: NeedStatus | None = None,
    area_id: int | None = None,
) -> CursorPage:
    """Needs in the actor's scope of ``need.read`` (a grid role: its grid's), newest first."""
    query = select(Need)
    if status is not None:
        query = query.where(Need.status == status)
    page = scoped_page(
        query,
        actor=actor,
        permission=Permission.NEED_READ,
        within_area_id=area_id,
        id_column=Need.id,
        area_path=Need.area_path,
        after_id=after_id,
        limit=limit,
    )
    return CursorPage([view(actor, n) for n in page.items], page.next_cursor)
