"""The roster as admins see it: rows within scope, phones masked for oversight roles."""

from __future__ import annotations

from sqlalchemy import select

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, Place, can
from sunshine.api import Shown
from sunshine.members.service import mask_phone
from sunshine.org.models import Area
from sunshine.pagination import CursorPage
from sunshine.roster.models import RosterEntry


def view(actor: Actor, entry: RosterEntry) -> RosterEntry | Shown:
    """A roster row as the actor may see it (phone masked for oversight roles)."""
    place = Place(unit_id=entry.unit_id, unit_city_path=entry.unit.city.path)
    if can(actor, Permission.MEMBER_CONTACT, place):
        return entry
    return Shown(entry, phone=mask_phone(entry.phone))


def list_roster(
    *,
    actor: Actor,
    limit: int,
    cursor: int | None = None,
    unit_id: int | None = None,
    name: str | None = None,
) -> CursorPage:
    """Roster rows the actor may see (org department: its city; unit admin: its unit),
    newest first."""
    query = select(RosterEntry).join(Area, RosterEntry.city_id == Area.id)
    if unit_id is not None:
        query = query.where(RosterEntry.unit_id == unit_id)
    if name:
        query = query.where(RosterEntry.name == name)
    page = scoped_page(
        query,
        actor=actor,
        permission=Permission.MEMBER_LIST,
        id_column=RosterEntry.id,
        area_path=Area.path,
        unit_id=RosterEntry.unit_id,
        after_id=cursor,
        limit=limit,
    )
    return CursorPage([view(actor, row) for row in page.items], page.next_cursor)
