"""Shapes of call-ups, their posts and assignments."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, cursor_page_schema
from sunshine.callups.models import AssignmentSource, CallUpStatus
from sunshine.org.schemas import AreaOut
from sunshine.tasks.models import InvitationStatus
from sunshine.tasks.schemas import ShiftOut

MAX_POSTS = 200


class PostIn(BaseSchema):
    shift_id = fields.Integer(required=True, validate=ID)
    places = fields.Integer(
        required=True,
        validate=validate.Range(min=1, max=1000),
        metadata={"description": "at most the shift's free places"},
    )


class CallUpIn(BaseSchema):
    area_id = fields.Integer(
        required=True, validate=ID, metadata={"description": "a street or city"}
    )
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    day = fields.Date(
        required=True, metadata={"description": "Asia/Shanghai date every shift starts on"}
    )
    posts = fields.List(
        fields.Nested(PostIn), required=True, validate=validate.Length(min=1, max=MAX_POSTS)
    )


class AssignmentIn(BaseSchema):
    post_id = fields.Integer(required=True, validate=ID)
    member_id = fields.Integer(required=True, validate=ID)


class CallUpListArgs(BaseSchema):
    status = fields.Enum(CallUpStatus, by_value=True)
    area_id = fields.Integer(validate=ID)
    cursor = fields.Integer(validate=ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class TotalsOut(BaseSchema):
    posts = fields.Integer()
    places = fields.Integer()
    filled = fields.Integer(metadata={"description": "members assigned"})


class PostTaskOut(BaseSchema):
    id = fields.Integer()
    title = fields.String()
    area = fields.Nested(AreaOut)


class PostOut(BaseSchema):
    id = fields.Integer()
    places = fields.Integer()
    filled = fields.Integer()
    shift = fields.Nested(ShiftOut)
    task = fields.Nested(PostTaskOut)


class AssignedMemberOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class AssignmentOut(BaseSchema):
    id = fields.Integer()
    post_id = fields.Integer()
    member = fields.Nested(AssignedMemberOut)
    community = fields.Nested(
        AreaOut, allow_none=True, metadata={"description": "where the member is reported in"}
    )
    score = fields.Integer()
    reasons = fields.List(
        fields.String(), metadata={"example": ["本社区", "时间合适：周末", "本年度还差 6 小时"]}
    )
    source = fields.Enum(AssignmentSource, by_value=True)
    answer = fields.Enum(
        InvitationStatus,
        by_value=True,
        allow_none=True,
        metadata={"description": "the member's answer once confirmed"},
    )
    created_at = fields.AwareDateTime()


class CallUpSummaryOut(BaseSchema):
    id = fields.Integer()
    title = fields.String()
    day = fields.Date()
    status = fields.Enum(CallUpStatus, by_value=True)
    area = fields.Nested(AreaOut)
    totals = fields.Nested(TotalsOut)
    created_at = fields.AwareDateTime()
    proposed_at = fields.AwareDateTime(allow_none=True)
    confirmed_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


class CallUpOut(CallUpSummaryOut):
    posts = fields.List(fields.Nested(PostOut))
    assignments = fields.List(fields.Nested(AssignmentOut))


CallUpPage = cursor_page_schema(CallUpSummaryOut)
