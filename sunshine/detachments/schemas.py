"""Shapes of detachments (支队), their rosters, team signups and team hours."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, DateSpan
from sunshine.detachments.signups import MAX_TEAM
from sunshine.tasks.schemas import SignupOut

NAME = validate.And(validate.Length(min=1, max=50), validate.Regexp(r"\S", error="名称不能为空白"))
MAX_ADDED = 200  # members put on a roster in one call


class DetachmentIn(BaseSchema):
    name = fields.String(
        required=True, validate=NAME, metadata={"description": "unique in the city"}
    )
    description = fields.String(load_default=None, validate=validate.Length(max=500))
    leader_member_id = fields.Integer(
        load_default=None,
        validate=ID,
        metadata={"description": "a verified member of the city; joins the detachment"},
    )
    member_ids = fields.List(
        fields.Integer(validate=ID),
        load_default=list,
        validate=validate.Length(max=MAX_ADDED),
        metadata={"description": "verified members of the city, from any community or unit"},
    )


class DetachmentPatch(BaseSchema):
    name = fields.String(validate=NAME)
    description = fields.String(allow_none=True, validate=validate.Length(max=500))
    leader_member_id = fields.Integer(
        allow_none=True,
        validate=ID,
        metadata={"description": "the new leader (joins the detachment); null: no leader"},
    )
    active = fields.Boolean(metadata={"description": "false: keeps its roster, signs no one up"})


class MembersIn(BaseSchema):
    member_ids = fields.List(
        fields.Integer(validate=ID),
        required=True,
        validate=validate.Length(min=1, max=MAX_ADDED),
        metadata={"description": "those already on the roster are left as they are"},
    )


class DetachmentListArgs(BaseSchema):
    active = fields.Boolean(metadata={"description": "only the active (true) or the deactivated"})


class LeaderOut(BaseSchema):
    member_id = fields.Integer()
    name = fields.String()


class RosterLineOut(BaseSchema):
    member_id = fields.Integer()
    name = fields.String()
    community = fields.String(
        allow_none=True, metadata={"description": "the community the member belongs to now"}
    )
    unit = fields.String(metadata={"description": "the member's work unit"})
    joined_at = fields.AwareDateTime()
    is_leader = fields.Boolean()


class DetachmentOut(BaseSchema):
    id = fields.Integer()
    city_id = fields.Integer()
    name = fields.String()
    description = fields.String(allow_none=True)
    active = fields.Boolean()
    leader = fields.Nested(LeaderOut, allow_none=True)
    member_count = fields.Integer()
    created_at = fields.AwareDateTime()


class DetachmentDetailOut(DetachmentOut):
    members = fields.List(fields.Nested(RosterLineOut), attribute="roster")


class MyDetachmentOut(DetachmentOut):
    is_leader = fields.Boolean(metadata={"description": "whether the caller leads it"})


class TeamSignupIn(BaseSchema):
    detachment_id = fields.Integer(required=True, validate=ID)
    member_ids = fields.List(
        fields.Integer(validate=ID),
        required=True,
        validate=validate.Length(min=1, max=MAX_TEAM),
        metadata={"description": f"1–{MAX_TEAM} current members of the detachment, each once"},
    )


class TeamSignupOut(BaseSchema):
    detachment_id = fields.Function(lambda t: t.detachment.id)
    shift_id = fields.Function(lambda t: t.shift.id)
    signups = fields.List(fields.Nested(SignupOut), metadata={"description": "all confirmed"})


class HoursArgs(DateSpan):
    date_from = fields.Date(
        data_key="from", metadata={"description": "service_date on or after (Asia/Shanghai)"}
    )
    date_to = fields.Date(data_key="to", metadata={"description": "service_date on or before"})


class MemberHoursOut(BaseSchema):
    member_id = fields.Integer()
    name = fields.String()
    current = fields.Boolean(metadata={"description": "on the roster now"})
    team_records = fields.Integer(metadata={"description": "confirmed, signed up via the team"})
    team_minutes = fields.Integer(metadata={"description": "credited minutes of those"})
    team_hours = fields.Float()
    all_records = fields.Integer(metadata={"description": "all of the member's confirmed"})
    all_minutes = fields.Integer()
    all_hours = fields.Float()


class DetachmentHoursOut(BaseSchema):
    detachment_id = fields.Integer()
    name = fields.String()
    date_from = fields.Date(data_key="from", allow_none=True)
    date_to = fields.Date(data_key="to", allow_none=True)
    team_records = fields.Integer()
    team_minutes = fields.Integer(metadata={"description": "credited minutes (the hours ledger)"})
    team_hours = fields.Float()
    members = fields.List(fields.Nested(MemberHoursOut))
