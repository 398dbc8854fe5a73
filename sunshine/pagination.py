"""Paging through listings: every listing that can grow pages by cursor, newest first."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select

from sunshine.extensions import db


@dataclass(frozen=True)
class CursorPage:
    """One page of a newest-first listing; ``next_cursor`` fetches the following page."""

    items: list[Any]
    next_cursor: int | None


def cursor_page(query: Select[Any], id_column: Any, limit: int) -> CursorPage:
    """Keyset pagination by descending id: no COUNT, constant cost at any depth.

    The query must already filter ``id < cursor`` when a cursor is given and order by id
    descending.
    """
    rows = list(db.session.scalars(query.limit(limit + 1)))
    more = len(rows) > limit
    rows = rows[:limit]
    return CursorPage(items=rows, next_cursor=getattr(rows[-1], id_column.key) if more else None)


def newest_first(
    query: Select[Any], id_column: Any, *, after_id: int | None, limit: int
) -> CursorPage:
    """One page of ``query``'s rows, newest first by ``id_column``, after the cursor.

    For listings that are not scoped by grants (a member's own rows, a sys_admin's lists);
    scoped listings go through ``access.listing.scoped_page``.
    """
    if after_id is not None:
        query = query.where(id_column < after_id)
    return cursor_page(query.order_by(None).order_by(id_column.desc()), id_column, limit)
