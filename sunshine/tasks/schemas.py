"""Shapes of task categories, tasks, shifts and signups."""

from __future__ import annotations

from typing import Any

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, BigCursorArgs, PointIn, PointOut, cursor_page_schema
from sunshine.campaigns.schemas import CampaignBriefOut
from sunshine.members.schemas import SkillOut
from sunshine.moderation.schemas import CheckBriefOut
from sunshine.org.schemas import AreaOut
from sunshine.tasks.models import (
    Attendance,
    CheckinMode,
    InvitationStatus,
    ShiftStatus,
    SignupStatus,
    TaskKind,
    TaskStatus,
    Visibility,
)


class CategoryOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


def _task_fields(required: bool) -> dict[str, Any]:
    """The task's fields: all required on creation, all optional (same rules) on edit."""
    need: dict[str, Any] = {"required": True} if required else {}
    return {
        "kind": fields.Enum(TaskKind, by_value=True, **need),
        "category_id": fields.Integer(validate=ID, **need),
        "title": fields.String(validate=validate.Length(min=1, max=100), **need),
        "content": fields.String(validate=validate.Length(min=1, max=5000), **need),
        "address": fields.String(validate=validate.Length(min=1, max=200), **need),
        "point": fields.Nested(
            PointIn,
            allow_none=True,
            metadata={
                "description": "the venue's map point, for venue-code check-in (null: none); "
                "stored and returned in gcj02, a wgs84 point is converted"
            },
        ),
        "checkin_radius_m": fields.Integer(validate=validate.Range(min=10, max=5000)),
        "skill_ids": fields.List(fields.Integer(validate=ID), validate=validate.Length(max=10)),
        "campaign_ids": fields.List(
            fields.Integer(validate=ID),
            validate=validate.Length(max=10),
            metadata={"description": "active campaigns of the task's city (a list replaces)"},
        ),
        "visibility": fields.Enum(
            Visibility,
            by_value=True,
            metadata={"description": "streets: a city body's task, for street_ids only"},
            **need,
        ),
        "street_ids": fields.List(
            fields.Integer(validate=ID),
            validate=validate.Length(max=100),
            metadata={"description": "the chosen streets of the city (visibility streets)"},
        ),
        "contact_name": fields.String(validate=validate.Length(min=1, max=50), **need),
        "contact_phone": fields.String(
            validate=validate.Regexp(r"^[0-9+\- ]{5,20}$", error="电话格式不正确"), **need
        ),
        "checkin_mode": fields.Enum(
            CheckinMode, by_value=True, metadata={"description": "default: rotating"}
        ),
        "allow_walk_ins": fields.Boolean(metadata={"description": "default: false"}),
        "checkin_opens_minutes": fields.Integer(
            validate=validate.Range(min=0, max=240),
            metadata={"description": "check-in opens this long before the start (default 30)"},
        ),
        "checkout_closes_minutes": fields.Integer(
            validate=validate.Range(min=0, max=240),
            metadata={"description": "check-out closes this long after the end (default 60)"},
        ),
    }


TaskIn = BaseSchema.from_dict(
    {
        **_task_fields(required=True),
        "area_id": fields.Integer(
            required=True,
            validate=ID,
            metadata={"description": "a community, or a street (street-wide)"},
        ),
    },
    name="TaskIn",
)
TaskPatch = BaseSchema.from_dict(_task_fields(required=False), name="TaskPatch")
# A city body's task (POST /bodies/{id}/tasks): its area is the body's city.
BodyTaskIn = BaseSchema.from_dict(_task_fields(required=True), name="BodyTaskIn")


class ShiftIn(BaseSchema):
    starts_at = fields.AwareDateTime(required=True)
    ends_at = fields.AwareDateTime(required=True)
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    signup_deadline = fields.AwareDateTime(load_default=None)


class ShiftPatch(BaseSchema):
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    capacity = fields.Integer(validate=validate.Range(min=1, max=1000))
    signup_deadline = fields.AwareDateTime()


class ShiftOut(BaseSchema):
    id = fields.Integer()
    task_id = fields.Integer()
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()
    capacity = fields.Integer()
    confirmed_count = fields.Integer()
    signup_deadline = fields.AwareDateTime()
    status = fields.Enum(ShiftStatus, by_value=True)
    cancel_reason = fields.String(allow_none=True)


class TaskOut(BaseSchema):
    id = fields.Integer()
    area = fields.Nested(AreaOut)
    body_id = fields.Integer(
        allow_none=True, metadata={"description": "the city body that owns it (null: none)"}
    )
    street_ids = fields.Function(
        lambda task: sorted(street.street_id for street in task.streets),
        metadata={"type": "array", "items": {"type": "integer"}},
    )
    kind = fields.Enum(TaskKind, by_value=True)
    category = fields.Nested(CategoryOut)
    title = fields.String()
    content = fields.String()
    address = fields.String()
    point = fields.Nested(
        PointOut, allow_none=True, metadata={"description": "always gcj02; null when not set"}
    )
    checkin_radius_m = fields.Integer()
    checkin_mode = fields.Enum(CheckinMode, by_value=True)
    allow_walk_ins = fields.Boolean()
    checkin_opens_minutes = fields.Integer()
    checkout_closes_minutes = fields.Integer()
    skills = fields.List(fields.Nested(SkillOut))
    campaigns = fields.List(fields.Nested(CampaignBriefOut))
    visibility = fields.Enum(Visibility, by_value=True)
    contact_name = fields.String()
    contact_phone = fields.String()
    status = fields.Enum(TaskStatus, by_value=True)
    shifts = fields.List(fields.Nested(ShiftOut))
    created_at = fields.AwareDateTime()
    published_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


TaskPage = cursor_page_schema(TaskOut)


class TaskCheckedOut(TaskOut):
    content_check = fields.Nested(
        CheckBriefOut,
        allow_none=True,
        metadata={"description": "the content check of the text (null: none was needed)"},
    )


class TaskListArgs(BaseSchema):
    status = fields.Enum(TaskStatus, by_value=True)
    area_id = fields.Integer(validate=ID)
    cursor = fields.Integer(validate=ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class SignupOut(BaseSchema):
    id = fields.Integer()
    shift_id = fields.Integer()
    member_id = fields.Integer()
    status = fields.Enum(SignupStatus, by_value=True)
    created_at = fields.AwareDateTime()
    confirmed_at = fields.AwareDateTime(allow_none=True)
    promoted_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    late_cancel = fields.Boolean()
    attendance = fields.Enum(
        Attendance,
        by_value=True,
        allow_none=True,
        metadata={"description": "null until the member checks in or the shift is over"},
    )
    attendance_note = fields.String(allow_none=True)


class FeedTaskOut(BaseSchema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.Enum(TaskKind, by_value=True)
    category = fields.Nested(CategoryOut)
    area = fields.Nested(AreaOut)
    address = fields.String()
    visibility = fields.Enum(Visibility, by_value=True)
    skills = fields.List(fields.Nested(SkillOut))


class FeedItemOut(BaseSchema):
    shift = fields.Nested(ShiftOut)
    task = fields.Nested(FeedTaskOut)
    score = fields.Integer()
    reasons = fields.List(fields.String(), metadata={"example": ["本社区", "技能匹配：法律咨询"]})


FeedPage = cursor_page_schema(FeedItemOut)


class FeedArgs(BaseSchema):
    category_id = fields.Integer(validate=ID)
    kind = fields.Enum(TaskKind, by_value=True)
    starts_from = fields.AwareDateTime(metadata={"description": "default: now"})
    starts_until = fields.AwareDateTime(metadata={"description": "default: 30 days after"})
    cursor = fields.Integer(
        validate=validate.Range(min=0),
        load_default=0,
        metadata={"description": "the next_cursor of the previous page (an offset)"},
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class WeeklyScheduleIn(BaseSchema):
    weekdays = fields.List(
        fields.Integer(validate=validate.Range(min=1, max=7)),
        required=True,
        validate=validate.Length(min=1, max=7),
        metadata={"description": "1 = Monday … 7 = Sunday (Asia/Shanghai)"},
    )
    start_time = fields.Time(required=True, metadata={"example": "08:00:00"})
    end_time = fields.Time(required=True, metadata={"example": "10:00:00"})
    capacity = fields.Integer(required=True, validate=validate.Range(min=1, max=1000))
    weeks = fields.Integer(load_default=8, validate=validate.Range(min=1, max=26))
    deadline_hours_before = fields.Integer(load_default=0, validate=validate.Range(min=0, max=72))


class SuggestionMemberOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    skills = fields.List(fields.Nested(SkillOut))


class SuggestionOut(BaseSchema):
    member = fields.Nested(SuggestionMemberOut)
    community = fields.Nested(AreaOut)
    score = fields.Integer()
    reasons = fields.List(fields.String())


class SuggestionArgs(BaseSchema):
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class InviteIn(BaseSchema):
    member_ids = fields.List(
        fields.Integer(validate=ID),
        required=True,
        validate=validate.Length(min=1, max=200),
    )


class InvitationOut(BaseSchema):
    id = fields.Integer()
    shift = fields.Nested(ShiftOut)
    member_id = fields.Integer()
    call_up_id = fields.Integer(
        allow_none=True,
        metadata={"description": "set when a call-up already holds the place (decline frees it)"},
    )
    status = fields.Enum(InvitationStatus, by_value=True)
    created_at = fields.AwareDateTime()
    responded_at = fields.AwareDateTime(allow_none=True)


# What the member's own pages show ("我的报名", "我的邀请", one shift) ------------------------

CHECKIN_STATES = ["none", "checked_in", "checked_out"]


class TaskBriefOut(BaseSchema):
    id = fields.Integer()
    title = fields.String()
    kind = fields.Enum(TaskKind, by_value=True)
    address = fields.String(metadata={"description": "the place"})
    community = fields.Nested(
        AreaOut,
        attribute="area",
        metadata={"description": "the organising community (a street for a street-wide task)"},
    )
    status = fields.Enum(TaskStatus, by_value=True)


def _checkin_field() -> fields.Field:
    return fields.String(
        validate=validate.OneOf(CHECKIN_STATES),
        metadata={"description": "the member's punches on the shift: none, checked in, out"},
    )


class MySignupOut(SignupOut):
    shift = fields.Nested(ShiftOut)
    task = fields.Nested(TaskBriefOut, attribute="shift.task")
    checkin = _checkin_field()


MySignupPage = cursor_page_schema(MySignupOut)


class MyInvitationOut(InvitationOut):
    task = fields.Nested(TaskBriefOut, attribute="shift.task")
    signup_status = fields.Enum(
        SignupStatus,
        by_value=True,
        allow_none=True,
        metadata={"description": "the member's latest signup on the shift (null: none)"},
    )
    checkin = _checkin_field()


MyInvitationPage = cursor_page_schema(MyInvitationOut)


class MyInvitationArgs(BigCursorArgs):
    status = fields.Enum(
        InvitationStatus, by_value=True, metadata={"description": "default: pending"}
    )


class ShiftDetailOut(ShiftOut):
    task = fields.Nested(FeedTaskOut)
