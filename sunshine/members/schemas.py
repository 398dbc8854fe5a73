"""Shapes of members, skills, registration and the member's own data."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, cursor_page_schema
from sunshine.members.models import PERSON_NAME, PERSON_NAME_MESSAGE, MemberStatus
from sunshine.org.schemas import AreaOut, PartyOrgOut, UnitOut

NAME = validate.Regexp(PERSON_NAME, error=PERSON_NAME_MESSAGE)


class SkillOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    active = fields.Boolean()


class SkillIn(BaseSchema):
    name = fields.String(required=True, validate=validate.Length(min=1, max=30))


class SkillPatch(BaseSchema):
    name = fields.String(validate=validate.Length(min=1, max=30))
    active = fields.Boolean()


class AvailabilitySchema(BaseSchema):
    weekday_daytime = fields.Boolean(load_default=False, metadata={"description": "工作日白天"})
    evenings = fields.Boolean(load_default=False, metadata={"description": "晚上"})
    weekends = fields.Boolean(load_default=False, metadata={"description": "周末"})


class AvailabilityOut(AvailabilitySchema):
    """The same answers in a response, where all three are always there (so required)."""


class PhoneIn(BaseSchema):
    code = fields.String(
        required=True,
        validate=validate.Length(min=1, max=128),
        metadata={"description": "getPhoneNumber 返回的 code"},
    )


class PhoneOut(BaseSchema):
    phone = fields.String()


class RegisterIn(BaseSchema):
    name = fields.String(required=True, validate=NAME)
    unit_id = fields.Integer(required=True, validate=ID)
    party_org_id = fields.Integer(validate=ID, load_default=None)
    residence_id = fields.Integer(
        required=True, validate=ID, metadata={"description": "居住的社区/村"}
    )
    skill_ids = fields.List(
        fields.Integer(validate=ID),
        load_default=list,
        validate=validate.Length(max=20),
    )
    availability = fields.Nested(AvailabilitySchema, load_default=dict)


class ProfilePatch(BaseSchema):
    name = fields.String(validate=NAME)
    unit_id = fields.Integer(validate=ID)
    party_org_id = fields.Integer(validate=ID, allow_none=True)
    residence_id = fields.Integer(validate=ID)
    skill_ids = fields.List(fields.Integer(validate=ID), validate=validate.Length(max=20))
    availability = fields.Nested(AvailabilitySchema)


class MemberReportInOut(BaseSchema):
    id = fields.Integer()
    status = fields.String(metadata={"description": "active 或 pending"})
    community = fields.Nested(AreaOut)


class MemberOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String(
        allow_none=True, metadata={"description": "masked unless the role needs it"}
    )
    status = fields.Enum(MemberStatus, by_value=True)
    unit = fields.Nested(UnitOut)
    party_org = fields.Nested(PartyOrgOut, allow_none=True)
    residence = fields.Nested(AreaOut)
    verified_by_roster = fields.Boolean()
    review_reason = fields.String(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    skills = fields.List(fields.Nested(SkillOut))
    availability = fields.Nested(AvailabilityOut)
    report_in = fields.Nested(
        MemberReportInOut,
        allow_none=True,
        metadata={"description": "当前报到（正在报到的，否则待审批的）；未报到为 null"},
    )
    created_at = fields.AwareDateTime()


MemberPage = cursor_page_schema(MemberOut)


class MemberListArgs(BaseSchema):
    status = fields.Enum(MemberStatus, by_value=True)
    unit_id = fields.Integer(validate=ID)
    area_id = fields.Integer(validate=ID, metadata={"description": "street or community"})
    name = fields.String(validate=validate.Length(min=1, max=50))
    cursor = fields.Integer(validate=ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class ReviewIn(BaseSchema):
    approve = fields.Boolean(required=True)
    reason = fields.String(validate=validate.Length(max=200), load_default=None)


class DeactivateIn(BaseSchema):
    confirm = fields.Boolean(
        required=True,
        validate=validate.Equal(True, error="请确认注销"),
        metadata={"description": "must be true"},
    )
    reason = fields.String(validate=validate.Length(max=200), load_default=None)


class OwnAccountOut(BaseSchema):
    id = fields.Integer()
    openid = fields.String()
    unionid = fields.String(allow_none=True)
    phone = fields.String(allow_none=True)
    phone_bound_at = fields.AwareDateTime(allow_none=True)
    created_at = fields.AwareDateTime()
    last_login_at = fields.AwareDateTime(allow_none=True)


class OwnEventOut(BaseSchema):
    occurred_at = fields.AwareDateTime()
    action = fields.String()
    outcome = fields.String()
    ip = fields.String(allow_none=True)


class OwnDataOut(BaseSchema):
    account = fields.Nested(OwnAccountOut)
    member = fields.Nested(MemberOut, allow_none=True)
    consents = fields.List(fields.Nested("ConsentRecordOut"))
    report_ins = fields.List(fields.Nested("ReportInOut"))
    security_events = fields.List(fields.Nested(OwnEventOut))
