"""Scoped listings: the one query form every admin listing runs.

A listing builds the query of its rows with its own filters only; ``scoped_page`` adds the
rest, the same way for every listing: it refuses an actor who holds the permission nowhere
(``require_somewhere``), keeps the rows the actor's grants cover (``scope_filter``), orders
them newest first by id, starts after the cursor (``id < after_id``) and reads one page
(``cursor_page``). ``scoped_query`` gives the same scope as a query, for a caller that reads
it another way (the member-listing benchmark compares the two forms).

Where a row sits both in an area and in a work unit (members), an area grant's scope is
"in the area, or in a unit of a city inside it": an OR with a subquery, whose selectivity
PostgreSQL cannot estimate. It assumes many rows match and walks the primary key backwards,
which reads every row when none match (a city just onboarded: ~320 ms at a million
members). So on PostgreSQL such a listing first counts its scope, bounded by ``SMALL_SCOPE``:
the ids by area path through the area-path index (a city with members stops here, one small
query), then the ids by unit, read unit by unit through the (unit, id) index (a LATERAL
join). A scope of at most ``SMALL_SCOPE`` rows is listed by those ids (primary-key lookups,
whatever the listing's other filters); a larger one keeps the single query, whose backward
walk soon fills a page when the scope is that dense. (Reading the page itself branch by
branch, newest first per unit, was tried and not kept: with a filter such as ``status`` or
``area_id``, PostgreSQL plans each unit's branch as a bitmap AND over the filter's whole
index, 0.3-2.8 s at a million members.) SQLite keeps the single query by default: it is the
development database, not run at province scale; the counting works there too (without
LATERAL), and the tests run both ways on both databases.
"""

from __future__ import annotations

from typing import Any, TypeVarTuple

from sqlalchemy import ColumnElement, Select, func, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute, aliased

from sunshine.access.permissions import (
    Actor,
    Permission,
    Scope,
    require_somewhere,
    scope_filter,
    scope_of,
)
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import Area, WorkUnit
from sunshine.pagination import CursorPage, cursor_page

Column = ColumnElement[Any] | InstrumentedAttribute[Any]
Row = TypeVarTuple("Row")


def scoped_query(
    query: Select[*Row],
    *,
    actor: Actor,
    permission: Permission,
    area_path: Column | None = None,
    unit_id: Column | None = None,
    body_id: Column | None = None,
    within_area_id: int | None = None,
) -> Select[*Row]:
    """``query`` narrowed to the rows the actor's grants of ``permission`` cover.

    ``area_path``, ``unit_id`` and ``body_id`` are the columns that say where a row sits (see
    ``scope_filter``). Refuses (``Forbidden``) an actor who holds the permission nowhere.
    ``within_area_id`` keeps the rows in that area, as ``scoped_page`` does.
    """
    require_somewhere(actor, permission)
    query = _within(query, area_path, within_area_id)
    return query.where(
        scope_filter(actor, permission, area_path=area_path, unit_id=unit_id, body_id=body_id)
    )


def _within(query: Select[*Row], area_path: Column | None, area_id: int | None) -> Select[*Row]:
    """The rows whose ``area_path`` lies in the area ``area_id`` (all rows when None)."""
    if area_id is None:
        return query
    assert area_path is not None, "an area filter needs the rows' area path"
    return query.where(area_path.startswith(org.get_area(area_id).path, autoescape=True))


def scoped_page(
    query: Select[Any],
    *,
    actor: Actor,
    permission: Permission,
    id_column: InstrumentedAttribute[int],
    area_path: Column | None = None,
    unit_id: Column | None = None,
    body_id: Column | None = None,
    after_id: int | None = None,
    limit: int,
    within_area_id: int | None = None,
    count_first: bool | None = None,
) -> CursorPage:
    """One newest-first page of ``query``'s rows that the actor's grants cover.

    ``query`` selects the listing's entity with its filters, and may carry loader options;
    ``id_column`` is the entity's id, the cursor's key. ``within_area_id`` keeps the rows
    whose ``area_path`` lies in that area (the listings' ``area_id`` filter); the area is
    looked up only after the refusal, so an id is never confirmed to a caller who may not
    list at all. ``count_first`` forces (True) or
    forbids (False) the bounded count of a mixed scope; by default PostgreSQL counts (see
    the module docstring). Both ways return the same rows.
    """
    require_somewhere(actor, permission)
    query = _within(query, area_path, within_area_id)
    if after_id is not None:
        query = query.where(id_column < after_id)
    if count_first is None:
        count_first = db.session.get_bind().dialect.name == "postgresql"
    scope = scope_of(actor, permission)
    small = None
    mixed = body_id is None and _mixes_areas_and_units(scope, id_column, area_path, unit_id)
    if count_first and mixed:
        assert area_path is not None and unit_id is not None
        small = _small_scope_ids(scope, id_column, area_path, unit_id)
    if small is not None:
        page_query = query.where(id_column.in_(small))
    else:
        page_query = query.where(
            scope_filter(actor, permission, area_path=area_path, unit_id=unit_id, body_id=body_id)
        )
    return cursor_page(page_query.order_by(id_column.desc()), id_column, limit)


SMALL_SCOPE = 1000  # rows of a mixed scope listed by their ids rather than by one query


def _mixes_areas_and_units(
    scope: Scope, id_column: Any, area_path: Column | None, unit_id: Column | None
) -> bool:
    """Whether the scope is "in an area, or in a unit of a city inside it" on the id's table."""
    return (
        not scope.everywhere
        and bool(scope.area_prefixes)
        and area_path is not None
        and unit_id is not None
        and getattr(area_path, "class_", None) is id_column.class_
        and getattr(unit_id, "class_", None) is id_column.class_
    )


def _small_scope_ids(
    scope: Scope, id_column: InstrumentedAttribute[int], area_path: Column, unit_id: Column
) -> list[int] | None:
    """Every id in the scope if there are at most ``SMALL_SCOPE``, else None.

    Reads at most ``SMALL_SCOPE`` + 1 index entries per branch, whatever the table's size;
    a scope already too big by area path (a city with members) costs one count, one row.
    """
    n = SMALL_SCOPE + 1
    areas = or_(*(area_path.startswith(p, autoescape=True) for p in scope.area_prefixes))
    in_areas = select(id_column).where(areas).limit(n).subquery()
    counted = db.session.scalar(select(func.count()).select_from(in_areas)) or 0
    if counted > SMALL_SCOPE:
        return None
    ids = set(db.session.scalars(select(id_column).where(areas))) if counted else set()
    unit, city = aliased(WorkUnit), aliased(Area)
    units_in_scope = [city.path.startswith(p, autoescape=True) for p in scope.area_prefixes]
    if scope.unit_ids:
        units_in_scope.append(unit.id.in_(scope.unit_ids))
    units = select(unit.id).join(city, unit.city_id == city.id).where(or_(*units_in_scope))
    if db.session.get_bind().dialect.name == "postgresql":
        # Unit by unit through the (unit, id) index: PostgreSQL would otherwise scan the
        # table for "unit_id IN (…)" when it expects many rows, finding none in an empty city.
        per_unit = select(id_column).where(unit_id == unit.id).limit(n).lateral()
        by_unit = units.with_only_columns(per_unit.c[id_column.key]).join(per_unit, true())
    else:  # SQLite has no LATERAL; it looks each unit up in the index anyway
        by_unit = select(id_column).where(unit_id.in_(units))
    # The unit branch holds distinct ids: cut at its limit, the scope is too big.
    ids.update(db.session.scalars(by_unit.limit(n)))
    return sorted(ids) if len(ids) <= SMALL_SCOPE else None
