"""The needs list as admins and residents see it: listings and one need (the contact only
in-community), with the overdue flags read against the clock."""

from __future__ import annotations

from typing import TypeVarTuple

from sqlalchemy import ColumnElement, Select, and_, case, func, or_, select
from sqlalchemy.orm import selectinload

from sunshine import clock
from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, Place, can
from sunshine.api import Shown
from sunshine.needs.models import Need, NeedKind, NeedPhoto, NeedStatus
from sunshine.needs.service import managed
from sunshine.pagination import CursorPage, newest_first

Row = TypeVarTuple("Row")

# A listing reads its needs' photo ids, never their bytes, and their places with the page
# (a query each per page, not per need).
_PHOTO_IDS = selectinload(Need.photos).load_only(NeedPhoto.id, NeedPhoto.need_id)
_PAGE = (_PHOTO_IDS, selectinload(Need.community), selectinload(Need.grid))


def view(actor: Actor, need: Need) -> Need | Shown:
    """A need as the actor may see it: the resident's contact only inside the community."""
    if can(actor, Permission.NEED_CONTACT, Place(area_path=need.area_path)):
        return need
    return Shown(need, resident_contact=None)


def need_for(*, actor: Actor, need_id: int) -> Need | Shown:
    """One need, if the actor reads its community's (a grid role: its grid's) needs."""
    return view(actor, managed(actor, need_id, Permission.NEED_READ))


def overdue_answer() -> ColumnElement[bool]:
    """The SQL form of ``Need.overdue_answer`` now."""
    return and_(
        Need.answer_due_at.is_not(None),
        func.coalesce(Need.answered_at, clock.now()) > Need.answer_due_at,
    )


def overdue_completion() -> ColumnElement[bool]:
    """The SQL form of ``Need.overdue_completion`` now."""
    finished = case((Need.status == NeedStatus.DONE, Need.closed_at), else_=clock.now())
    return and_(
        Need.completion_due_at.is_not(None),
        Need.status.not_in((NeedStatus.DECLINED, NeedStatus.CANCELLED)),
        finished > Need.completion_due_at,
    )


def overdue() -> ColumnElement[bool]:
    """The SQL form of ``Need.overdue_answer or Need.overdue_completion`` now."""
    return or_(overdue_answer(), overdue_completion())


def filtered(
    query: Select[*Row],
    *,
    status: NeedStatus | None = None,
    kind: NeedKind | None = None,
    is_overdue: bool | None = None,
) -> Select[*Row]:
    """``query`` narrowed by the needs list's own filters (the export takes the same)."""
    if status is not None:
        query = query.where(Need.status == status)
    if kind is not None:
        query = query.where(Need.kind == kind)
    if is_overdue is not None:
        query = query.where(overdue() if is_overdue else ~overdue())
    return query


def list_needs(
    *,
    actor: Actor,
    limit: int,
    after_id: int | None = None,
    status: NeedStatus | None = None,
    kind: NeedKind | None = None,
    area_id: int | None = None,
    is_overdue: bool | None = None,
) -> CursorPage:
    """Needs in the actor's scope of ``need.read`` (a grid role: its grid's), newest first."""
    query = filtered(select(Need).options(*_PAGE), status=status, kind=kind, is_overdue=is_overdue)
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


def own_needs(*, actor: Actor, limit: int, after_id: int | None = None) -> CursorPage:
    """The resident's own submissions, newest first."""
    query = select(Need).where(Need.resident_id == actor.id).options(*_PAGE)
    return newest_first(query, Need.id, after_id=after_id, limit=limit)
