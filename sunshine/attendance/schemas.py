"""Shapes of codes, punches and hand-recorded attendance."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, REASON, BaseSchema, PointIn
from sunshine.attendance.models import Direction, PunchMethod
from sunshine.hours.models import RecordStatus


class CheckinCodeOut(BaseSchema):
    shift_id = fields.Integer()
    code = fields.String(metadata={"description": "show as a QR code; valid for about a minute"})
    step_seconds = fields.Integer()
    expires_at = fields.AwareDateTime(metadata={"description": "fetch the next code then"})


class CodeHolderIn(BaseSchema):
    member_id = fields.Integer(
        required=True,
        allow_none=True,
        validate=ID,
        metadata={"description": "a member signed up for the shift; null to clear"},
    )


class LocationIn(PointIn):
    """The phone's location; call wx.getLocation({type: 'gcj02'}) and send system gcj02."""

    accuracy = fields.Float(
        validate=validate.Range(min=0, max=100_000),
        load_default=None,
        metadata={"description": "metres, as wx.getLocation reports it"},
    )


class PunchIn(BaseSchema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=64),
        metadata={"description": "a rotating code, or a venue code's scene"},
    )
    direction = fields.Enum(Direction, by_value=True, required=True)
    location = fields.Nested(
        LocationIn,
        allow_none=True,
        metadata={"description": "required with a venue code; only the distance is kept"},
    )


class RecordBriefOut(BaseSchema):
    id = fields.Integer()
    minutes = fields.Integer()
    status = fields.Enum(RecordStatus, by_value=True)
    flags = fields.List(fields.String())


class PunchOut(BaseSchema):
    id = fields.Integer()
    shift_id = fields.Integer()
    direction = fields.Enum(Direction, by_value=True)
    method = fields.Enum(PunchMethod, by_value=True)
    punched_at = fields.AwareDateTime()
    distance_m = fields.Integer(allow_none=True)
    accuracy_m = fields.Integer(allow_none=True)
    flags = fields.List(fields.String())
    record = fields.Nested(RecordBriefOut, allow_none=True)


class HandAttendanceIn(BaseSchema):
    member_id = fields.Integer(required=True, validate=ID)
    checked_in_at = fields.AwareDateTime(required=True)
    checked_out_at = fields.AwareDateTime(required=True)
    reason = fields.String(required=True, validate=REASON)


class VenueCodeOut(BaseSchema):
    task_id = fields.Integer()
    scene = fields.String()
    image_url = fields.String(metadata={"description": "GET it with the same token"})
    created_at = fields.AwareDateTime()
