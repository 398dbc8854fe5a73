"""Shapes of needs (需求清单)."""

from __future__ import annotations

from flask_smorest.fields import Upload
from marshmallow import fields, validate

from sunshine.api import ID, REASON, BaseSchema, cursor_page_schema
from sunshine.needs.models import NeedKind, NeedRating, NeedStatus, NeedUrgency
from sunshine.org.schemas import AreaOut
from sunshine.tasks.models import TaskKind
from sunshine.tasks.schemas import _task_fields

# What a resident writes; blank text is no text.
CONTENT = validate.And(
    validate.Length(min=1, max=500), validate.Regexp(r"\S", error="内容不能为空白")
)


class NeedIn(BaseSchema):
    content = fields.String(required=True, validate=validate.Length(min=1, max=1000))
    kind = fields.Enum(NeedKind, by_value=True, load_default=NeedKind.WISH)
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


class SubmissionIn(BaseSchema):
    """A resident's 微心愿 or 诉求 (multipart/form-data, with the optional ``photo`` file)."""

    community_id = fields.Integer(required=True, validate=ID)
    kind = fields.Enum(NeedKind, by_value=True, required=True)
    content = fields.String(required=True, validate=CONTENT)
    grid_id = fields.Integer(validate=ID, load_default=None)
    resident_contact = fields.String(
        validate=validate.Length(max=100),
        load_default=None,
        metadata={"description": "seen only by the community's own admins"},
    )
    photo = Upload(
        load_default=None, metadata={"description": "JPEG、PNG 或 WebP，默认不超过 2 MB"}
    )


class DeclineIn(BaseSchema):
    reason = fields.String(required=True, validate=REASON)


class RatingIn(BaseSchema):
    rating = fields.Enum(
        NeedRating,
        by_value=True,
        required=True,
        metadata={"description": "satisfied 满意, fairly_satisfied 基本满意, dissatisfied 不满意"},
    )
    comment = fields.String(validate=validate.Length(max=200), load_default=None)


_COMMON = {
    "id": fields.Integer(),
    "community": fields.Nested(AreaOut),
    "grid": fields.Nested(AreaOut, allow_none=True),
    "kind": fields.Enum(NeedKind, by_value=True),
    "content": fields.String(),
    "resident_contact": fields.String(allow_none=True),
    "status": fields.Enum(NeedStatus, by_value=True),
    "created_at": fields.AwareDateTime(),
    "answer_due_at": fields.AwareDateTime(allow_none=True),
    "answered_at": fields.AwareDateTime(allow_none=True),
    "decline_reason": fields.String(allow_none=True),
    "completion_due_at": fields.AwareDateTime(allow_none=True),
    "closed_at": fields.AwareDateTime(allow_none=True),
    "overdue_answer": fields.Boolean(),
    "overdue_completion": fields.Boolean(),
    "rating": fields.Enum(NeedRating, by_value=True, allow_none=True),
    "rating_comment": fields.String(allow_none=True),
    "photo_ids": fields.List(fields.Integer(), metadata={"description": "GET …/photos/{id}"}),
}


class NeedOut(BaseSchema.from_dict(_COMMON)):  # type: ignore[misc]
    urgency = fields.Enum(NeedUrgency, by_value=True)
    task_id = fields.Integer(allow_none=True)
    submitted_by_resident = fields.Boolean()


MyNeedOut = BaseSchema.from_dict(_COMMON, name="MyNeedOut")

NeedPage = cursor_page_schema(NeedOut)
MyNeedPage = cursor_page_schema(MyNeedOut)


class NeedListArgs(BaseSchema):
    status = fields.Enum(NeedStatus, by_value=True)
    kind = fields.Enum(NeedKind, by_value=True)
    overdue = fields.Boolean(
        metadata={"description": "true: past a due time (answer or completion), or done late"}
    )
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


class StatsArgs(BaseSchema):
    area_id = fields.Integer(required=True, validate=ID)
    starts_on = fields.Date(data_key="from", metadata={"description": "default: to − 364 days"})
    ends_on = fields.Date(data_key="to", metadata={"description": "default: today"})


_FIGURES = {
    "area": fields.Nested(AreaOut),
    **{
        name: fields.Integer()
        for name in (
            "submitted",
            "answered",
            "accepted",
            "done",
            "on_time",
            "rated",
            "satisfied",
            "fairly_satisfied",
            "dissatisfied",
        )
    },
    "response_hours_median": fields.Float(allow_none=True),
    "response_hours_average": fields.Float(allow_none=True),
    "completion_rate": fields.Float(allow_none=True, metadata={"description": "done / accepted"}),
    "on_time_rate": fields.Float(allow_none=True, metadata={"description": "on time / done"}),
    "satisfaction_rate": fields.Float(
        allow_none=True, metadata={"description": "(满意 + 基本满意) / rated"}
    ),
}
AreaFiguresOut = BaseSchema.from_dict(_FIGURES, name="AreaFiguresOut")


class NeedStatsOut(AreaFiguresOut):  # type: ignore[misc,valid-type]
    children = fields.List(fields.Nested(AreaFiguresOut))
