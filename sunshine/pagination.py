"""Page through a SQLAlchemy query for flask-smorest's ``@blp.paginate()``."""

from __future__ import annotations

from collections.abc import Sequence
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
