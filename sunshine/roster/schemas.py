"""Shapes of roster rows."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, CursorArgs, cursor_page_schema


class RosterEntryOut(BaseSchema):
    id = fields.Integer()
    city_id = fields.Integer()
    name = fields.String()
    phone = fields.String(metadata={"description": "masked (138****1234) unless the role needs it"})
    unit_id = fields.Integer()
    party_org_id = fields.Integer(allow_none=True)
    updated_at = fields.AwareDateTime()


RosterPage = cursor_page_schema(RosterEntryOut)


class RosterArgs(CursorArgs):
    unit_id = fields.Integer(validate=ID)
    name = fields.String(validate=validate.Length(min=1, max=50))
