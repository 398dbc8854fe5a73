"""Input and output shapes of grants."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.access.models import Role
from sunshine.api import ID, BaseSchema, CursorArgs, cursor_page_schema


class GrantOut(BaseSchema):
    id = fields.Integer()
    account_id = fields.Integer()
    role = fields.Enum(Role, by_value=True)
    scope = fields.Method("dump_scope", metadata={"type": "object"})
    granted_by_id = fields.Integer(allow_none=True)
    granted_at = fields.AwareDateTime()
    revoked_at = fields.AwareDateTime(allow_none=True)
    revoke_reason = fields.String(allow_none=True)

    def dump_scope(self, grant: object) -> dict[str, object]:
        area, unit = getattr(grant, "area", None), getattr(grant, "unit", None)
        if area is not None:
            return {"kind": area.level.value, "id": area.id, "name": area.name}
        if unit is not None:
            return {"kind": "unit", "id": unit.id, "name": unit.name}
        body = getattr(grant, "body", None)
        if body is not None:
            return {"kind": "body", "id": body.id, "name": body.name}
        return {"kind": "global", "id": None, "name": None}


GrantPage = cursor_page_schema(GrantOut)


class GrantIn(BaseSchema):
    account_id = fields.Integer(
        validate=ID,
        load_default=None,
        metadata={"description": "the grantee's account; give this or member_id, not both"},
    )
    member_id = fields.Integer(
        validate=ID,
        load_default=None,
        metadata={
            "description": "a verified member inside the granter's scope; the grant goes to "
            "their account. Give this or account_id, not both"
        },
    )
    role = fields.Enum(Role, by_value=True, required=True)
    area_id = fields.Integer(validate=ID, load_default=None)
    unit_id = fields.Integer(validate=ID, load_default=None)
    body_id = fields.Integer(
        validate=ID, load_default=None, metadata={"description": "a city body: body_admin only"}
    )


class RevokeIn(BaseSchema):
    reason = fields.String(validate=validate.Length(max=200), load_default=None)


class GrantListArgs(CursorArgs):
    account_id = fields.Integer(validate=ID)
    role = fields.Enum(Role, by_value=True)
    include_revoked = fields.Boolean(load_default=False)
