"""An export as the admin who asked for it sees it: its state, how far it got, its file."""

from __future__ import annotations

from flask import url_for

from sunshine.api import Shown
from sunshine.exports.models import Export, ExportStatus
from sunshine.pagination import CursorPage


def percentage(export: Export) -> int:
    """How far the export got: 0 while pending, 99 at most while running, 100 once done."""
    if export.status in (ExportStatus.DONE, ExportStatus.EXPIRED):
        return 100
    if not export.total:
        return 0
    return min(99, export.rows * 100 // export.total)


def export(export: Export) -> Shown:
    done = export.status == ExportStatus.DONE
    return Shown(
        export,
        percentage=percentage(export),
        file_url=url_for("exports.ExportFile", export_id=export.id) if done else None,
    )


def page(found: CursorPage) -> CursorPage:
    return CursorPage(items=[export(e) for e in found.items], next_cursor=found.next_cursor)
