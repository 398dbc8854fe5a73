"""Running an import: read the file, validate every row, then apply all of it or none of it.

A domain describes its import as an ``Importer``: the columns it reads and a ``plan`` function
that validates every row (collecting ``RowError``s) and returns a function that applies the
whole file. Nothing is written unless every row is valid. Every upload leaves an
``ImportBatch``: applied with its counts and changes, or rejected with its row errors, which
can be downloaded as a CSV report.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select

from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.errors import Invalid, Missing
from sunshine.extensions import db
from sunshine.imports.budget import Deadline, database_work
from sunshine.imports.models import ImportBatch, ImportKind, ImportStatus
from sunshine.imports.tabular import Column, Table, read_table
from sunshine.org.models import Area

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ROW_ERRORS_SHOWN = 50


@dataclass
class Outcome:
    """What applying a file did."""

    created: int = 0
    updated: int = 0
    unchanged: int = 0
    changes: list[dict[str, Any]] = field(default_factory=list)


@dataclass
class RowErrors:
    """Errors found while checking rows, in file order."""

    items: list[dict[str, Any]] = field(default_factory=list)

    def add(self, line: int, column: str, message: str) -> None:
        self.items.append({"line": line, "field": column, "message": message})

    def __bool__(self) -> bool:
        return bool(self.items)


Plan = Callable[[Table, Area, RowErrors], Callable[[], Outcome] | None]


@dataclass(frozen=True)
class Importer:
    kind: ImportKind
    columns: Sequence[Column]
    plan: Plan


class ImportRejected(Invalid):
    code = "import.rows_invalid"


def run(
    *,
    actor: Actor | None,
    importer: Importer,
    city: Area,
    filename: str,
    data: bytes,
    budget: float | None = None,
) -> ImportBatch:
    """Import one file for a city; the batch says whether it was applied or rejected.

    ``actor=None`` is the command line: an operator on the server, trusted like a migration.
    ``budget``: the seconds the whole import may take (``imports.budget``), None for no limit.
    """
    deadline = Deadline.after(budget)
    if actor is not None:
        authorize(actor, Permission.ORG_IMPORT, Place(area_path=city.path))
    table = read_table(data, filename, importer.columns, deadline=deadline)
    with database_work(deadline):
        return _apply_or_reject(actor, importer, city, filename, table)


def _apply_or_reject(
    actor: Actor | None, importer: Importer, city: Area, filename: str, table: Table
) -> ImportBatch:
    # One import per city at a time: a second upload of the same file (a double click) waits
    # for the first to commit and then finds its rows, instead of colliding with them on a
    # unique index. NO KEY UPDATE leaves rows that merely reference the city unblocked.
    # SQLite ignores FOR UPDATE and relies on its database-wide write lock.
    db.session.execute(select(Area.id).where(Area.id == city.id).with_for_update(key_share=True))
    errors = RowErrors()
    for line, column, message in table.cell_errors:
        errors.add(line, column, message)
    # The plan sees the rows it can read; any error rejects the whole file all the same.
    apply = importer.plan(table, city, errors)
    batch = ImportBatch(
        kind=importer.kind,
        city_id=city.id,
        actor_id=actor.id if actor else None,
        filename=filename[:200],
        row_count=len(table.rows) + len({line for line, _, _ in table.cell_errors}),
    )
    if errors or apply is None:
        # Plans may check rows out of file order (areas go level by level); report in file order.
        errors.items.sort(key=lambda error: error["line"])
        batch.status, batch.errors = ImportStatus.REJECTED, errors.items
    else:
        outcome = apply()
        batch.status, batch.changes = ImportStatus.APPLIED, outcome.changes
        batch.created_count = outcome.created
        batch.updated_count = outcome.updated
        batch.unchanged_count = outcome.unchanged
    db.session.add(batch)
    db.session.flush()
    return batch


def raise_if_rejected(batch: ImportBatch) -> None:
    """Turn a rejected batch (already committed, so its report survives) into the 422 error."""
    if batch.status != ImportStatus.REJECTED:
        return
    errors = batch.errors or []
    raise ImportRejected(
        f"文件中有 {len(errors)} 处错误，未导入任何数据；请修改后重新上传",
        fields={
            "rows": errors[:ROW_ERRORS_SHOWN],
            "report": [f"/api/v1/imports/{batch.id}/errors.csv"],
        },
    )


IMPORT_MISSING = Missing(code="import.not_found", message="导入记录不存在")


def get_batch(*, actor: Actor, batch_id: int) -> ImportBatch:
    require_somewhere(actor, Permission.ORG_IMPORT)
    batch = db.session.get(ImportBatch, batch_id)
    if batch is None:
        raise IMPORT_MISSING.error()
    city = db.session.get(Area, batch.city_id)
    subject = Subject("import", batch.id, IMPORT_MISSING)
    place = Place(area_path=city.path if city else None, subject=subject)
    authorize(actor, Permission.ORG_IMPORT, place)
    return batch


def error_report_csv(batch: ImportBatch) -> bytes:
    """The row errors as a CSV that Excel opens correctly (UTF-8 with BOM)."""
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["行号", "列", "错误"])
    for error in batch.errors or []:
        writer.writerow([error["line"], error["field"], error["message"]])
    return ("\ufeff" + out.getvalue()).encode("utf-8")
