"""Input and output of evaluations and their settings."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, REASON, BaseSchema, CursorArgs, cursor_page_schema
from sunshine.audit.schemas import PeriodOut
from sunshine.evaluations.models import Grade
from sunshine.evaluations.service import MAX_ITEMS
from sunshine.reportin.models import ReportInStatus

_GRADE_HELP = "excellent 优秀, good 合格, fair 基本合格, poor 不合格"
_REASON_HELP = "why 不合格: required with poor, refused with any other grade"
_CHANGE_HELP = "why the grade is changed: required of the org_admin once the period is locked"


class GradeFields(BaseSchema):
    grade = fields.Enum(Grade, by_value=True, required=True, metadata={"description": _GRADE_HELP})
    comment = fields.String(load_default=None, allow_none=True, validate=validate.Length(max=200))
    reason = fields.String(
        load_default=None, allow_none=True, validate=REASON, metadata={"description": _REASON_HELP}
    )


class EvaluationIn(GradeFields):
    change_reason = fields.String(
        load_default=None, allow_none=True, validate=REASON, metadata={"description": _CHANGE_HELP}
    )


class BulkItemIn(GradeFields):
    member_id = fields.Integer(required=True, validate=ID)


class BulkEvaluationIn(BaseSchema):
    items = fields.List(
        fields.Nested(BulkItemIn),
        required=True,
        validate=validate.Length(min=1, max=MAX_ITEMS),
    )
    change_reason = fields.String(
        load_default=None, allow_none=True, validate=REASON, metadata={"description": _CHANGE_HELP}
    )


class EvaluationOut(BaseSchema):
    id = fields.Integer()
    period_id = fields.Integer()
    member_id = fields.Integer()
    member_name = fields.String(attribute="member.name")
    community_id = fields.Integer(metadata={"description": "the community that graded last"})
    grade = fields.Enum(Grade, by_value=True)
    grade_label = fields.String(metadata={"description": "优秀 / 合格 / 基本合格 / 不合格"})
    comment = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    versions = fields.Integer(metadata={"description": "how many times it was given"})
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    updated_by_id = fields.Integer(allow_none=True)


EvaluationPage = cursor_page_schema(EvaluationOut)


class BulkEvaluationOut(BaseSchema):
    items = fields.List(fields.Nested(EvaluationOut))


class SheetRowOut(BaseSchema):
    report_in_id = fields.Integer(metadata={"description": "the cursor of the sheet"})
    member_id = fields.Integer()
    name = fields.String()
    status = fields.Enum(
        ReportInStatus,
        by_value=True,
        metadata={"description": "the report-in now: active, or ended during or after"},
    )
    ended_at = fields.DateTime(allow_none=True)
    evaluation = fields.Nested(EvaluationOut, allow_none=True)


SheetRowPage = cursor_page_schema(SheetRowOut)


class SheetArgs(CursorArgs):
    graded = fields.Boolean(metadata={"description": "true: graded only; false: not yet"})
    grade = fields.Enum(Grade, by_value=True)


class EvaluationListArgs(CursorArgs):
    grade = fields.Enum(Grade, by_value=True)
    area_id = fields.Integer(validate=ID, metadata={"description": "a street or community"})


class SummaryOut(BaseSchema):
    period_id = fields.Integer()
    community_id = fields.Integer()
    members = fields.Integer(metadata={"description": "members the community grades"})
    ungraded = fields.Integer()
    excellent = fields.Integer()
    good = fields.Integer()
    fair = fields.Integer()
    poor = fields.Integer()
    excellent_cap_percent = fields.Integer(allow_none=True)
    excellent_allowed = fields.Integer(
        allow_none=True, metadata={"description": "floor(cap% × members); null: no cap"}
    )
    locked = fields.Boolean()


class VersionOut(BaseSchema):
    id = fields.Integer()
    evaluation_id = fields.Integer()
    community_id = fields.Integer()
    grade = fields.Enum(Grade, by_value=True)
    grade_label = fields.String()
    comment = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    change_reason = fields.String(allow_none=True)
    period_locked = fields.Boolean(metadata={"description": "given after the period was locked"})
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()


VersionPage = cursor_page_schema(VersionOut)


class SettingsIn(BaseSchema):
    excellent_cap_percent = fields.Integer(
        required=True,
        allow_none=True,
        strict=True,  # 2.5 is a mistake to answer, not a 2 to store
        validate=validate.Range(min=0, max=100),
        metadata={"description": "at most this share of a community's members 优秀; null: none"},
    )


class SettingsOut(BaseSchema):
    period_id = fields.Integer()
    excellent_cap_percent = fields.Integer(allow_none=True)
    updated_at = fields.DateTime(allow_none=True)
    updated_by_id = fields.Integer(allow_none=True)


class MyEvaluationOut(BaseSchema):
    id = fields.Integer()
    period = fields.Nested(PeriodOut)
    grade = fields.Enum(Grade, by_value=True)
    grade_label = fields.String()
    comment = fields.String(allow_none=True)
    reason = fields.String(allow_none=True)
    updated_at = fields.DateTime()


MyEvaluationPage = cursor_page_schema(MyEvaluationOut)
