"""Shapes of areas, work units, party organisations and service teams."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, CursorArgs, cursor_page_schema
from sunshine.org.models import AreaLevel, PartyOrgKind


class AreaOut(BaseSchema):
    id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    level = fields.Enum(AreaLevel, by_value=True)
    kind_label = fields.String(allow_none=True, metadata={"description": "街道/镇/乡/社区/村/网格"})
    name = fields.String()
    division_code = fields.String(allow_none=True)


class AreaListArgs(BaseSchema):
    parent_id = fields.Integer(validate=ID, metadata={"description": "omit to list cities"})


class CityIn(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))
    division_code = fields.String(validate=validate.Regexp(r"^\d{12}$", error="应为 12 位数字"))


class CityArgs(BaseSchema):
    city_id = fields.Integer(required=True, validate=ID)


class UnitOut(BaseSchema):
    id = fields.Integer()
    city_id = fields.Integer()
    name = fields.String()
    credit_code = fields.String(allow_none=True)


UnitPage = cursor_page_schema(UnitOut)


class UnitListArgs(CursorArgs):
    city_id = fields.Integer(required=True, validate=ID)
    q = fields.String(validate=validate.Length(min=1, max=50), metadata={"description": "名称包含"})


class PartyOrgOut(BaseSchema):
    id = fields.Integer()
    unit_id = fields.Integer()
    parent_id = fields.Integer(allow_none=True)
    name = fields.String()
    kind = fields.Enum(PartyOrgKind, by_value=True)


class TeamIn(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=100))


class TeamOut(BaseSchema):
    id = fields.Integer()
    community_id = fields.Integer()
    name = fields.String()
