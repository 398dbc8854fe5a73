"""Shapes of needs (需求清单)."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, cursor_page_schema
from sunshine.needs.models import NeedStatus, NeedUrgency
from sunshine.org.schemas import AreaOut
from sunshine.tasks.models import TaskKind
from sunshine.tasks.schemas import _task_fields


class NeedIn(BaseSchema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    urgency = fields.Enum(NeedUrgency, by_value=True, load_default=NeedUrgency.NORMAL)
    resident_contact = fields.String(
        validate=validate.Length(max=100),
        load_default=None,
        metadata={"description": "seen only by the community's own admins"},
    )


class NeedPatch(BaseSchema):
    content = fields.String(validate=validate.Length(min=1, max=1000))
    urgency = fields.Enum(NeedUrgency, by_value=True)
    resident_contact = fields.String(validate=validate.Length(max=100), allow_none=True)
    status = fields.Enum(NeedStatus, by_value=True)


class NeedOut(BaseSchema):
    id = fields.Integer()
    community = fields.Nested(AreaOut)
    content = fields.String()
    urgency = fields.Enum(NeedUrgency, by_value=True)
    resident_contact = fields.String(allow_none=True)
    status = fields.Enum(NeedStatus, by_value=True)
    task_id = fields.Integer(allow_none=True)
    created_at = fields.AwareDateTime()
    closed_at = fields.AwareDateTime(allow_none=True)


NeedPage = cursor_page_schema(NeedOut)


class NeedListArgs(BaseSchema):
    status = fields.Enum(NeedStatus, by_value=True)
    area_id = fields.Integer(validate=ID)
    cursor = fields.Integer(validate=ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


NeedTaskIn = BaseSchema.from_dict(
    {
        **{k: v for k, v in _task_fields(required=True).items() if k not in ("kind", "content")},
        "kind": fields.Enum(TaskKind, by_value=True, metadata={"description": "default: wish"}),
        "content": fields.String(
            validate=validate.Length(min=1, max=5000),
            metadata={"description": "default: the need's content"},
        ),
    },
    name="NeedTaskIn",
)
