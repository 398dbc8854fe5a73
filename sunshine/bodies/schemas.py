"""Shapes of city bodies, their tasks and figures."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, CursorArgs
from sunshine.bodies.models import BodyKind
from sunshine.tasks.models import TaskStatus

NAME = validate.And(validate.Length(min=1, max=50), validate.Regexp(r"\S", error="名称不能为空白"))


class BodyIn(BaseSchema):
    name = fields.String(
        required=True, validate=NAME, metadata={"description": "e.g. 新时代文明实践中心"}
    )
    kind = fields.Enum(BodyKind, by_value=True, required=True)
    parent_id = fields.Integer(
        validate=ID, load_default=None, metadata={"description": "a body of the same city"}
    )


class BodyPatch(BaseSchema):
    name = fields.String(validate=NAME)
    kind = fields.Enum(BodyKind, by_value=True)
    parent_id = fields.Integer(validate=ID, allow_none=True, metadata={"description": "null: none"})


class BodyOut(BaseSchema):
    id = fields.Integer()
    city_id = fields.Integer()
    name = fields.String()
    kind = fields.Enum(BodyKind, by_value=True)
    parent_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()


class BodyTaskListArgs(CursorArgs):
    status = fields.Enum(TaskStatus, by_value=True)


class FiguresArgs(BaseSchema):
    date_from = fields.Date(
        data_key="from", metadata={"description": "records dated from this day (Asia/Shanghai)"}
    )
    date_to = fields.Date(data_key="to", metadata={"description": "records dated up to this day"})


class BodyFiguresOut(BaseSchema):
    body_id = fields.Integer()
    tasks = fields.Dict(
        keys=fields.String(), values=fields.Integer(), metadata={"description": "by status"}
    )
    shifts = fields.Integer(metadata={"description": "open shifts of its published tasks"})
    places = fields.Integer(metadata={"description": "their capacity"})
    signed_up = fields.Integer(metadata={"description": "confirmed places held on them"})
    records = fields.Dict(
        keys=fields.String(),
        values=fields.Integer(),
        metadata={"description": "service records by status"},
    )
    confirmed_minutes = fields.Integer(
        metadata={"description": "minutes credited by the confirmed records"}
    )
