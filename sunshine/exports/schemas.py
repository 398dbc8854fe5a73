"""Shapes of exports."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import BaseSchema, CursorArgs, cursor_page_schema
from sunshine.exports.kinds import KINDS
from sunshine.exports.models import ExportStatus

_KINDS_HELP = "; ".join(f"{name}: {kind.title}" for name, kind in KINDS.items())


class ExportIn(BaseSchema):
    kind = fields.String(
        required=True,
        validate=validate.OneOf(sorted(KINDS)),
        metadata={"description": _KINDS_HELP},
    )
    filters = fields.Dict(
        keys=fields.String(),
        load_default=dict,
        metadata={
            "description": "the kind's filters, as its listing takes them (docs/exports.md); "
            "an unknown filter is a 422"
        },
    )


class ExportOut(BaseSchema):
    id = fields.Integer()
    kind = fields.String()
    filters = fields.Dict(metadata={"description": "as validated"})
    status = fields.Enum(ExportStatus, by_value=True)
    rows = fields.Integer(metadata={"description": "rows written so far"})
    total = fields.Integer(
        allow_none=True, metadata={"description": "rows to write; null until the job counts"}
    )
    percentage = fields.Integer(metadata={"description": "0–100"})
    error = fields.String(allow_none=True, metadata={"description": "why it failed (a code)"})
    size_bytes = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    finished_at = fields.AwareDateTime(allow_none=True)
    expires_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "the file can be downloaded until then"}
    )
    file_url = fields.String(
        allow_none=True, metadata={"description": "GET it for the xlsx; null until done"}
    )


class ExportListArgs(CursorArgs):
    """The caller's own exports, newest first."""


ExportPage = cursor_page_schema(ExportOut)
