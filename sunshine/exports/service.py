"""Exports: asking for one, running it, downloading its file, deleting it when it expires.

An admin asks (``request``): the kind's filters are validated and its ``check`` run at once,
so a refusal (403, logged) or an unknown id in the filters (404) is answered before anything
is written; then the export is recorded as pending and logged. A kind bounded by nature (a
shift's sign-in sheet, a call-up) is written in the request itself; the others by the job
``exports.run`` (``run_pending``), which counts the rows first (the percentage's base) and
then reads them in keyset pages, committing the progress after each page.

Only the admin who asked may read the export or download its file (anyone else: 404); the
file can be downloaded until ``expires_at`` (``EXPORT_TTL_HOURS`` after it was written;
later: 410), then the job ``exports.delete_expired`` deletes it. Asking, finishing and
downloading are each a security-log entry with the kind, the filters and the rows.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from flask import current_app
from marshmallow import ValidationError
from sqlalchemy import func, select, tuple_

from sunshine import clock
from sunshine.access.permissions import Actor, require_somewhere
from sunshine.access.refusals import Subject, concealed
from sunshine.errors import (
    Conflict,
    DomainError,
    Forbidden,
    Gone,
    Invalid,
    Missing,
    translate_field_errors,
)
from sunshine.exports import files, xlsx
from sunshine.exports.kinds import KINDS
from sunshine.exports.models import Export, ExportStatus
from sunshine.exports.registry import ExportKind, Filters, Listed, Source
from sunshine.extensions import db
from sunshine.pagination import CursorPage, newest_first
from sunshine.security import service as security
from sunshine.security.service import Origin

log = logging.getLogger(__name__)

PAGE = 5000  # rows per keyset page; the progress is committed after each
PER_RUN = 5  # exports one job run takes on, one after the other
MAX_RUNNING = 2  # exports running at once (over every runner and host)
STALE_AFTER = timedelta(minutes=10)  # a running export without a heartbeat this long died
QUEUED_PER_ADMIN = 3  # an admin's exports waiting or running at once


def _load(kind: ExportKind, filters: Mapping[str, Any]) -> Filters:
    """The filters as the kind's schema loads them; anything else is a 422 on ``filters``."""
    try:
        loaded: Filters = kind.filters.load(filters)
    except ValidationError as error:
        raise Invalid(fields={"filters": translate_field_errors(error.messages)}) from error
    return loaded


def _event(export: Export, **detail: Any) -> dict[str, Any]:
    return {"kind": export.kind, "filters": export.filters, **detail}


def request(*, actor: Actor, kind: str, filters: Mapping[str, Any], origin: Origin) -> Export:
    """Ask for an export of ``kind`` with ``filters``: pending, or done at once when small."""
    export_kind = KINDS[kind]
    loaded = _load(export_kind, filters)
    stored = export_kind.filters.dump(loaded)
    try:
        require_somewhere(actor, export_kind.permission)
        export_kind.check(actor, loaded)
    except Forbidden as error:
        error.security_event = {
            "account_id": actor.id,
            "action": "export.request",
            "outcome": "failure",
            "reason": error.code,
            "object_type": "export",
            "detail": {"kind": kind, "filters": stored, "permission": export_kind.permission.value},
        }
        raise
    if not export_kind.immediate:
        _refuse_a_long_queue(actor)
    export = Export(
        requested_by_id=actor.id,
        kind=kind,
        filters=stored,
        status=ExportStatus.PENDING,
        created_at=clock.now(),
    )
    db.session.add(export)
    db.session.flush()
    security.record(
        action="export.request",
        account_id=actor.id,
        origin=origin,
        object_type="export",
        object_id=export.id,
        detail=_event(export),
    )
    if export_kind.immediate:
        export.status, export.started_at = ExportStatus.RUNNING, clock.now()
        export.file_name = files.new_name(export.id)
        run(export, commit_progress=False)
    return export


def _refuse_a_long_queue(actor: Actor) -> None:
    """One admin cannot fill the queue: at most ``QUEUED_PER_ADMIN`` exports waiting or
    running (the kinds written at once never wait)."""
    queued = db.session.scalar(
        select(func.count())
        .select_from(Export)
        .where(
            Export.requested_by_id == actor.id,
            Export.status.in_([ExportStatus.PENDING, ExportStatus.RUNNING]),
        )
    )
    if (queued or 0) >= QUEUED_PER_ADMIN:
        raise Conflict(
            f"已有 {QUEUED_PER_ADMIN} 个导出在排队或生成中，请等它们完成后再申请",
            code="export.too_many",
        )


EXPORT_MISSING = Missing(code="export.not_found", message="导出不存在")


def get(*, actor: Actor, export_id: int) -> Export:
    """One export, for the admin who asked for it (anyone else: 404)."""
    export = db.session.get(Export, export_id)
    if export is None:
        raise EXPORT_MISSING.error()
    if export.requested_by_id != actor.id:
        subject = Subject("export", export.id, EXPORT_MISSING)
        raise concealed(account_id=actor.id, action="export.read", subject=subject)
    return export


def list_own(*, actor: Actor, limit: int, after_id: int | None) -> CursorPage:
    """The exports the actor asked for, newest first (nobody else's, whatever their grants)."""
    query = select(Export).where(Export.requested_by_id == actor.id)
    return newest_first(query, Export.id, after_id=after_id, limit=limit)


def download(*, actor: Actor, export_id: int, origin: Origin) -> tuple[Path, str]:
    """The export's file and the name to download it as; logged.

    The admin must still hold the kind's permission somewhere (a revoked grant: 403).
    """
    export = get(actor=actor, export_id=export_id)
    kind = KINDS[export.kind]
    require_somewhere(actor, kind.permission)
    if export.status == ExportStatus.EXPIRED or (
        export.status == ExportStatus.DONE
        and export.expires_at is not None
        and export.expires_at <= clock.now()
    ):
        raise Gone("导出文件已过期，请重新导出", code="export.expired")
    if export.status == ExportStatus.FAILED:
        raise Conflict("导出失败，请重新导出", code="export.failed")
    if export.status != ExportStatus.DONE or export.file_name is None:
        raise Conflict("导出尚未完成，请稍后再试", code="export.not_ready")
    path = files.path_of(export.file_name)
    if not path.is_file():
        raise Gone("导出文件已不存在，请重新导出", code="export.file_missing")
    security.record(
        action="export.download",
        account_id=actor.id,
        origin=origin,
        object_type="export",
        object_id=export.id,
        detail=_event(export, rows=export.rows),
    )
    day = clock.local_date(export.created_at)
    return path, f"{kind.title}-{day:%Y%m%d}-{export.id}{files.SUFFIX}"


# Running ---------------------------------------------------------------------------------------


def pages(source: Source, done_page: Callable[[int], None]) -> Iterator[Sequence[Any]]:
    """Every row's cells, read in keyset pages of ``PAGE`` rows in the order of the key.

    Each page is streamed (``yield_per``: a server-side cursor on PostgreSQL) and read to its
    end before ``done_page(rows so far)`` runs, so a commit there never cuts a cursor short.
    """
    key = list(source.key)
    marks = [column.label(f"_key{i}") for i, column in enumerate(key)]
    query = source.query.add_columns(*marks).order_by(*key).limit(PAGE)
    last: tuple[Any, ...] | None = None
    total = 0
    while True:
        page = query
        if last is not None:
            after = key[0] > last[0] if len(key) == 1 else tuple_(*key) > tuple_(*last)
            page = page.where(after)
        n = 0
        for row in db.session.execute(page, execution_options={"yield_per": 1000}):
            n += 1
            last = tuple(row[-len(key) :])
            yield source.cells(row)
        total += n
        done_page(total)
        if n < PAGE:
            return


def run(export: Export, *, commit_progress: bool) -> None:
    """Write the export's file (its ``file_name`` is set); done, with its rows, when it is."""
    kind = KINDS[export.kind]
    actor = Actor(account_id=export.requested_by_id)
    filters = _load(kind, export.filters)
    source = kind.rows(actor, filters)
    assert export.file_name is not None
    if commit_progress and isinstance(source, Source):
        counted = select(func.count()).select_from(source.query.subquery())
        export.total = db.session.scalar(counted) or 0
        db.session.commit()

    def done_page(rows: int) -> None:
        export.rows, export.heartbeat_at = rows, clock.now()
        if commit_progress:
            db.session.commit()

    written = xlsx.write(
        files.path_of(export.file_name),
        title=kind.title,
        columns=kind.columns,
        rows=source.rows if isinstance(source, Listed) else pages(source, done_page),
        layout=kind.layout(filters),
    )
    now = clock.now()
    export.status, export.rows, export.total = ExportStatus.DONE, written, written
    export.finished_at = export.heartbeat_at = now
    export.expires_at = now + timedelta(hours=current_app.config["EXPORT_TTL_HOURS"])
    export.size_bytes = files.path_of(export.file_name).stat().st_size
    security.record(
        action="export.finish",
        account_id=export.requested_by_id,
        object_type="export",
        object_id=export.id,
        detail=_event(export, rows=written),
    )


def _claim(now: datetime) -> Export | None:
    """The oldest pending export, marked running and committed; None when there is none or
    ``MAX_RUNNING`` exports already run."""
    running = db.session.scalar(
        select(func.count()).select_from(Export).where(Export.status == ExportStatus.RUNNING)
    )
    if (running or 0) >= MAX_RUNNING:
        return None
    export = db.session.scalar(
        select(Export)
        .where(Export.status == ExportStatus.PENDING)
        .order_by(Export.id)
        .limit(1)
        .with_for_update(skip_locked=True)
    )
    if export is None:
        return None
    export.status, export.started_at, export.heartbeat_at = ExportStatus.RUNNING, now, now
    export.file_name = files.new_name(export.id)
    db.session.commit()
    return export


def _fail(export_id: int, code: str) -> None:
    export = db.session.get_one(Export, export_id)
    files.remove(export.file_name)
    export.status, export.error, export.file_name = ExportStatus.FAILED, code, None
    export.finished_at = clock.now()
    security.record(
        action="export.finish",
        outcome="failure",
        reason=code,
        account_id=export.requested_by_id,
        object_type="export",
        object_id=export.id,
        detail=_event(export, rows=export.rows),
    )


def _fail_interrupted(now: datetime) -> int:
    """Running exports whose job stopped sending heartbeats (a killed process) fail."""
    stale = db.session.scalars(
        select(Export.id).where(
            Export.status == ExportStatus.RUNNING, Export.heartbeat_at < now - STALE_AFTER
        )
    ).all()
    for export_id in stale:
        _fail(export_id, "export.interrupted")
    db.session.commit()
    return len(stale)


def run_pending(now: datetime) -> dict[str, int]:
    """Run pending exports (up to ``PER_RUN``), oldest first; a failure fails that one only."""
    counts = {"exported": 0, "failed": 0, "interrupted": _fail_interrupted(now)}
    for _ in range(PER_RUN):
        export = _claim(now)
        if export is None:
            break
        export_id = export.id
        try:
            run(export, commit_progress=True)
            db.session.commit()
            counts["exported"] += 1
        except Exception as error:
            db.session.rollback()
            log.exception("export %s failed", export_id)
            code = error.code if isinstance(error, DomainError) else "export.error"
            _fail(export_id, code)
            db.session.commit()
            counts["failed"] += 1
    return counts


def delete_expired(now: datetime) -> dict[str, int]:
    """Delete the files of exports past ``expires_at`` (and strays older than any could be)."""
    expired = db.session.scalars(
        select(Export).where(Export.status == ExportStatus.DONE, Export.expires_at <= now)
    ).all()
    for export in expired:
        files.remove(export.file_name)
        export.status, export.file_name = ExportStatus.EXPIRED, None
    ttl = timedelta(hours=current_app.config["EXPORT_TTL_HOURS"])
    strays = files.sweep(older_than=now - ttl - STALE_AFTER - timedelta(hours=1))
    return {"expired": len(expired), "strays": strays}
