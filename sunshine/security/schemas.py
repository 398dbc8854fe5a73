"""Shapes of the security log."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, BigCursorArgs, cursor_page_schema


class SecurityEventOut(BaseSchema):
    id = fields.Integer()
    occurred_at = fields.AwareDateTime()
    account_id = fields.Integer(allow_none=True)
    ip = fields.String(allow_none=True)
    action = fields.String()
    object_type = fields.String(allow_none=True)
    object_id = fields.String(allow_none=True)
    outcome = fields.String()
    reason = fields.String(allow_none=True)
    request_id = fields.String(allow_none=True)
    detail = fields.Dict(allow_none=True)


class SecurityEventArgs(BigCursorArgs):
    action = fields.String(validate=validate.Length(max=40))
    account_id = fields.Integer(validate=ID)
    outcome = fields.String(validate=validate.OneOf(["success", "failure"]))
    since = fields.AwareDateTime(metadata={"description": "ISO 8601 with offset"})
    until = fields.AwareDateTime(metadata={"description": "ISO 8601 with offset"})


SecurityEventPage = cursor_page_schema(SecurityEventOut)
