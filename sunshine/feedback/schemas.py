"""Input and output of feedback to work units."""

from __future__ import annotations

from marshmallow import fields

from sunshine.api import ID, BaseSchema, BigCursorArgs, CursorArgs, cursor_page_schema
from sunshine.audit.schemas import PeriodOut
from sunshine.audit.tally import ComplianceStatus
from sunshine.evaluations.models import Grade
from sunshine.feedback.models import FeedbackTrigger

_STATUS_HELP = "compliant 达标, behind 未达标, zero 零服务, not_reported 未报到"


class IssueIn(BaseSchema):
    unit_id = fields.Integer(
        load_default=None,
        validate=ID,
        metadata={"description": "one unit of the period's city; omitted: every unit with members"},
    )


class UnitRefOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class FeedbackSummaryOut(BaseSchema):
    id = fields.Integer()
    period = fields.Nested(PeriodOut)
    unit = fields.Nested(UnitRefOut)
    version = fields.Integer(metadata={"description": "1, 2 … per unit and period"})
    trigger = fields.Enum(
        FeedbackTrigger, by_value=True, metadata={"description": "manual, or lock (at 关账)"}
    )
    in_force = fields.Boolean(metadata={"description": "false once a newer version is issued"})
    issued_at = fields.AwareDateTime()
    issued_by_id = fields.Integer()
    superseded_at = fields.AwareDateTime(allow_none=True)
    members = fields.Integer(metadata={"description": "members counted, consenting or not"})
    consenting = fields.Integer(metadata={"description": "shown in detail at issue"})
    compliant = fields.Integer()
    behind = fields.Integer()
    zero_service = fields.Integer()
    not_reported = fields.Integer()
    services = fields.Integer()
    total_minutes = fields.Integer()
    total_hours = fields.Float()


FeedbackSummaryPage = cursor_page_schema(FeedbackSummaryOut)


class FeedbackOut(FeedbackSummaryOut):
    shown = fields.Integer(metadata={"description": "lines shown in detail now"})
    unauthorized = fields.Integer(
        metadata={"description": "lines that read 未授权 now (members − shown)"}
    )


class IssuedOut(BaseSchema):
    items = fields.List(fields.Nested(FeedbackSummaryOut))


class FeedbackListArgs(CursorArgs):
    period_id = fields.Integer(validate=ID)
    unit_id = fields.Integer(validate=ID)
    all_versions = fields.Boolean(
        load_default=False, metadata={"description": "also the superseded versions"}
    )


class LineOut(BaseSchema):
    id = fields.Integer(metadata={"description": "the cursor of the lines"})
    member_id = fields.Integer()
    name = fields.String()
    authorized = fields.Boolean(metadata={"description": "false: the line reads 未授权"})
    shown_as = fields.String(allow_none=True, metadata={"description": "未授权, or null"})
    area_id = fields.Integer(allow_none=True)
    area_name = fields.String(
        allow_none=True, metadata={"description": "the community reported to"}
    )
    reported_in = fields.Boolean(allow_none=True)
    services = fields.Integer(allow_none=True)
    minutes = fields.Integer(allow_none=True)
    hours = fields.Float(allow_none=True)
    status = fields.Enum(
        ComplianceStatus, by_value=True, allow_none=True, metadata={"description": _STATUS_HELP}
    )
    status_label = fields.String(allow_none=True)
    grade = fields.Enum(Grade, by_value=True, allow_none=True)
    grade_label = fields.String(allow_none=True, metadata={"description": "null: not graded"})


LinePage = cursor_page_schema(LineOut)


class MyLineOut(BaseSchema):
    id = fields.Integer()
    feedback = fields.Nested(FeedbackSummaryOut)
    consented = fields.Boolean(
        metadata={"description": "the unit-feedback consent at issue: false, nothing was told"}
    )
    shown_to_unit = fields.Boolean(
        metadata={"description": "whether the unit reads these figures now (consent in force)"}
    )
    area_id = fields.Integer(allow_none=True)
    area_name = fields.String(allow_none=True)
    reported_in = fields.Boolean(allow_none=True)
    services = fields.Integer(allow_none=True)
    minutes = fields.Integer(allow_none=True)
    hours = fields.Float(allow_none=True)
    status = fields.Enum(ComplianceStatus, by_value=True, allow_none=True)
    status_label = fields.String(allow_none=True)
    grade = fields.Enum(Grade, by_value=True, allow_none=True)
    grade_label = fields.String(allow_none=True)


MyLinePage = cursor_page_schema(MyLineOut)


class LineArgs(BigCursorArgs):
    pass
