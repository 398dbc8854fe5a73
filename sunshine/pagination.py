"""Paging through listings: page numbers for small admin lists, cursors for big ones."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from flask_smorest.pagination import PaginationParameters
from sqlalchemy import Select, func, select

from sunshine.extensions import db


def page_of(query: Select[Any], params: PaginationParameters) -> Sequence[Any]:
    """The requested page; the total goes to the X-Pagination header."""
    params.item_count = db.session.scalar(
        select(func.count()).select_from(query.order_by(None).subquery())
    )
    return db.session.scalars(query.limit(params.page_size).offset(params.first_item)).all()


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
