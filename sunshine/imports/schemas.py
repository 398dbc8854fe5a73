"""Shape of an import batch."""

from __future__ import annotations

from marshmallow import fields

from sunshine.api import BaseSchema
from sunshine.imports.models import ImportKind, ImportStatus


class ImportBatchOut(BaseSchema):
    id = fields.Integer()
    kind = fields.Enum(ImportKind, by_value=True)
    city_id = fields.Integer()
    filename = fields.String()
    status = fields.Enum(ImportStatus, by_value=True)
    row_count = fields.Integer()
    created_count = fields.Integer()
    updated_count = fields.Integer()
    unchanged_count = fields.Integer()
    errors = fields.List(fields.Dict(), allow_none=True)
    changes = fields.List(fields.Dict(), allow_none=True)
    created_at = fields.AwareDateTime()
