"""What an export kind is: who may ask for it, its filters, its rows and its columns.

Each kind is one ``ExportKind`` in a module of ``sunshine/exports/kinds/``, listed in
``kinds/__init__.py``. The service never knows a kind's domain: it validates the filters with
the kind's schema, calls ``check`` when the export is asked for (a refusal or an unknown id
in the filters is answered then, before anything is written), and when the export runs it
reads ``rows`` page by page and hands each row's ``cells`` to the xlsx writer.

``rows`` returns a ``Source``: a query of plain columns (never ORM objects, so nothing piles
up in the session), already narrowed to the actor's scope with the same ``scoped_query`` /
``authorize`` as the listing it mirrors, and the unique columns it is read in order of. The
service reads it in keyset pages of ``PAGE`` rows (``WHERE key > last ORDER BY key LIMIT
PAGE``), each streamed with ``yield_per``, and commits the progress between pages
(docs/exports.md says why pages rather than one cursor).

A kind whose rows are figures its domain computes in Python (the needs figures of an area's
children, a detachment's hours per member: a few hundred rows at most) returns them whole as
``Listed`` instead, from that domain's own function; such a kind is written at once.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from marshmallow import Schema
from sqlalchemy import ColumnElement, Row, Select
from sqlalchemy.orm import InstrumentedAttribute

from sunshine.access.permissions import Actor, Permission
from sunshine.exports.xlsx import Column, Layout

Filters = dict[str, Any]
KeyColumn = ColumnElement[Any] | InstrumentedAttribute[Any]


@dataclass(frozen=True)
class Source:
    """The rows of one export: a scoped query, the key it is paged by, and its cells."""

    query: Select[
        *tuple[Any, ...]
    ]  # plain columns, every filter and the scope applied, no ORDER BY
    key: Sequence[KeyColumn]  # unique together, ascending: the order of the sheet
    cells: Callable[[Row[Any]], Sequence[Any]]  # one value per column of the kind


@dataclass(frozen=True)
class Listed:
    """The rows of one export computed whole by their domain: one value per column each."""

    rows: Sequence[Sequence[Any]]


@dataclass(frozen=True)
class ExportKind:
    name: str  # what POST /exports takes as ``kind``
    title: str  # the sheet's (and the downloaded file's) Chinese name
    # Held somewhere to ask for the kind, and still to download the file.
    permission: Permission
    filters: Schema  # the filters, as the matching listing takes them (422 on anything else)
    check: Callable[[Actor, Filters], None]  # raises Forbidden / NotFound when asked
    rows: Callable[[Actor, Filters], Source | Listed]
    columns: Sequence[Column]
    # Bounded by nature (one shift, one call-up): written in the request itself.
    immediate: bool = False
    layout: Callable[[Filters], Layout] = field(default=lambda _filters: Layout())
