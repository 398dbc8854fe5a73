"""Shapes of service records, ledger entries, corrections, approval policies and holidays."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import BIG_ID, ID, REASON, BaseSchema, DateSpan, cursor_page_schema
from sunshine.audit.schemas import RuleOut
from sunshine.hours.models import (
    OVERDUE,
    ApprovalMode,
    CorrectionStatus,
    Ledger,
    LedgerKind,
    RecordFlag,
    RecordSource,
    RecordStatus,
    VerificationStatus,
)
from sunshine.org.schemas import AreaOut
from sunshine.tasks.models import TaskKind

MINUTES = validate.Range(min=0, max=1440)


class RecordMemberOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    phone = fields.String(
        allow_none=True, metadata={"description": "masked unless the role needs it"}
    )


class EntryOut(BaseSchema):
    id = fields.Integer()
    ledger = fields.Enum(Ledger, by_value=True)
    seq = fields.Integer(metadata={"description": "position in the member's chain"})
    amount = fields.Integer(metadata={"description": "minutes (hours ledger) or points"})
    kind = fields.Enum(LedgerKind, by_value=True)
    actor_id = fields.Integer(allow_none=True, metadata={"description": "null: the system"})
    reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()
    hash = fields.String()


class RecordOut(BaseSchema):
    id = fields.Integer()
    member = fields.Nested(RecordMemberOut)
    shift_id = fields.Integer()
    area = fields.Nested(AreaOut, metadata={"description": "the organising community or street"})
    activity_name = fields.String()
    service_date = fields.Date(metadata={"description": "Asia/Shanghai"})
    place = fields.String()
    content = fields.String()
    person_in_charge = fields.String()
    rule = fields.String()
    source = fields.Enum(RecordSource, by_value=True)
    check_in_at = fields.AwareDateTime(allow_none=True)
    check_out_at = fields.AwareDateTime(allow_none=True)
    minutes = fields.Integer(metadata={"description": "what the rule computed (the claim)"})
    credited_minutes = fields.Integer(
        metadata={"description": "what counts: the sum of the record's hours-ledger entries"}
    )
    status = fields.Enum(RecordStatus, by_value=True)
    flags = fields.List(fields.String())
    overdue = fields.Boolean()
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    reject_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


class RecordDetailOut(RecordOut):
    entries = fields.List(fields.Nested(EntryOut))


RecordPage = cursor_page_schema(RecordOut)


class ActivityOut(BaseSchema):
    """The activity a member's record is for, as "我的服务记录" shows it."""

    shift_id = fields.Integer(attribute="id")
    task_id = fields.Integer()
    title = fields.String(attribute="task.title")
    kind = fields.Enum(TaskKind, by_value=True, attribute="task.kind")
    community = fields.Nested(
        AreaOut,
        attribute="task.area",
        metadata={"description": "the organising community (a street for a street-wide task)"},
    )
    starts_at = fields.AwareDateTime()
    ends_at = fields.AwareDateTime()


class MyRecordOut(RecordOut):
    activity = fields.Nested(ActivityOut, attribute="shift")


MyRecordPage = cursor_page_schema(MyRecordOut)


FLAGS = [*(flag.value for flag in RecordFlag), OVERDUE]


class RecordFilterArgs(DateSpan):
    """What an admin (an auditor) narrows records by, in the listing, its totals and the
    records export; every filter given must hold."""

    status = fields.Enum(RecordStatus, by_value=True)
    overdue = fields.Boolean()
    area_id = fields.Integer(
        validate=ID,
        metadata={"description": "the organising area: a community, a street or the city"},
    )
    shift_id = fields.Integer(validate=ID)
    member_id = fields.Integer(validate=ID)
    unit_id = fields.Integer(validate=ID, metadata={"description": "the member's work unit"})
    campaign_id = fields.Integer(
        validate=ID, metadata={"description": "records of tasks tagged with the campaign"}
    )
    date_from = fields.Date(
        data_key="from", metadata={"description": "service_date on or after (Asia/Shanghai)"}
    )
    date_to = fields.Date(data_key="to", metadata={"description": "service_date on or before"})
    flag = fields.String(
        validate=validate.OneOf(FLAGS),
        metadata={"description": "a flag the record carries, or overdue"},
    )


class RecordListArgs(RecordFilterArgs):
    cursor = fields.Integer(validate=BIG_ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class RecordSumsOut(BaseSchema):
    count = fields.Integer(metadata={"description": "records"})
    minutes = fields.Integer(metadata={"description": "claimed: what the records' rules computed"})
    credited_minutes = fields.Integer(
        metadata={"description": "what counts: the sum of the records' hours-ledger entries"}
    )


class RecordStatusSumsOut(BaseSchema):
    pending = fields.Nested(RecordSumsOut)
    confirmed = fields.Nested(RecordSumsOut)
    rejected = fields.Nested(RecordSumsOut)
    voided = fields.Nested(RecordSumsOut)


class RecordTotalsOut(RecordSumsOut):
    by_status = fields.Nested(
        RecordStatusSumsOut, metadata={"description": "each status (all four, 0 when none)"}
    )


class MyRecordArgs(BaseSchema):
    status = fields.Enum(RecordStatus, by_value=True)
    cursor = fields.Integer(validate=BIG_ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class BulkConfirmIn(BaseSchema):
    ids = fields.List(
        fields.Integer(validate=BIG_ID),
        required=True,
        validate=validate.Length(min=1, max=200),
    )


class AdjustmentIn(BaseSchema):
    minutes = fields.Integer(
        required=True,
        validate=validate.And(
            validate.Range(min=-1440, max=1440),
            validate.NoneOf([0], error="调整的分钟数不能为 0"),
        ),
        metadata={"description": "minutes to add (positive) or take away (negative)"},
    )
    reason = fields.String(required=True, validate=REASON)


class CorrectionIn(BaseSchema):
    proposed_minutes = fields.Integer(required=True, validate=MINUTES)
    reason = fields.String(required=True, validate=REASON)


class CorrectionRecordOut(BaseSchema):
    id = fields.Integer()
    activity_name = fields.String()
    service_date = fields.Date()
    minutes = fields.Integer()
    credited_minutes = fields.Integer()
    status = fields.Enum(RecordStatus, by_value=True)


class CorrectionOut(BaseSchema):
    id = fields.Integer()
    record = fields.Nested(CorrectionRecordOut)
    member_id = fields.Integer()
    proposed_minutes = fields.Integer()
    reason = fields.String()
    status = fields.Enum(CorrectionStatus, by_value=True)
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    created_at = fields.AwareDateTime()


CorrectionPage = cursor_page_schema(CorrectionOut)


class CorrectionListArgs(BaseSchema):
    status = fields.Enum(CorrectionStatus, by_value=True)
    cursor = fields.Integer(validate=BIG_ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class PolicyIn(BaseSchema):
    mode = fields.Enum(ApprovalMode, by_value=True, required=True)
    auto_below_minutes = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=1, max=1440),
        metadata={"description": "required for automatic_below, absent otherwise"},
    )


class PolicyOut(BaseSchema):
    area_id = fields.Integer()
    mode = fields.Enum(ApprovalMode, by_value=True)
    auto_below_minutes = fields.Integer(allow_none=True)
    inherited_from = fields.Integer(
        allow_none=True,
        metadata={"description": "the street whose policy applies; null: the area's own"},
    )
    updated_at = fields.AwareDateTime(allow_none=True)


class YearArgs(BaseSchema):
    year = fields.Integer(
        validate=validate.Range(min=2000, max=2100),
        metadata={"description": "default: the current year in Asia/Shanghai"},
    )


class RecordCountsOut(BaseSchema):
    """Records dated in the year, one count per status (every status, 0 when none)."""

    pending = fields.Integer()
    confirmed = fields.Integer()
    rejected = fields.Integer()
    voided = fields.Integer()


class HoursOut(BaseSchema):
    year = fields.Integer()
    confirmed_minutes = fields.Integer(metadata={"description": "services dated in the year"})
    confirmed_hours = fields.Float()
    required_minutes = fields.Integer()
    required_hours = fields.Float()
    remaining_minutes = fields.Integer()
    remaining_hours = fields.Float()
    total_minutes = fields.Integer(metadata={"description": "all confirmed time, every year"})
    points_total = fields.Integer()
    records = fields.Nested(
        RecordCountsOut, metadata={"description": "records dated in the year, by status"}
    )
    required_services = fields.Integer(
        allow_none=True, metadata={"description": "null: the rule asks no number of services"}
    )
    confirmed_services = fields.Integer(metadata={"description": "confirmed records of the year"})
    remaining_services = fields.Integer(allow_none=True)
    rule = fields.Nested(
        RuleOut, metadata={"description": "the rule that applies: street, city or default"}
    )


class HolidayDay(BaseSchema):
    day = fields.Date(required=True, metadata={"example": "2026-10-01"})


class HolidayIn(BaseSchema):
    workday = fields.Boolean(
        required=True,
        metadata={"description": "false: a holiday; true: a weekend day worked (调休)"},
    )
    name = fields.String(required=True, validate=validate.Length(min=1, max=30))


class HolidayOut(BaseSchema):
    day = fields.Date()
    workday = fields.Boolean()
    name = fields.String()


class VerificationIn(BaseSchema):
    city_id = fields.Integer(
        validate=ID,
        allow_none=True,
        metadata={"description": "the city whose members' chains to verify; absent: all"},
    )


class VerificationProblemOut(BaseSchema):
    ledger = fields.String(
        allow_none=True,
        validate=validate.OneOf([ledger.value for ledger in Ledger]),
        metadata={"description": "hours or points; null: the signed digest itself"},
    )
    member_id = fields.Integer(allow_none=True)
    seq = fields.Integer(allow_none=True, metadata={"description": "position in the chain"})
    what = fields.String()


class VerificationOut(BaseSchema):
    id = fields.Integer()
    status = fields.Enum(VerificationStatus, by_value=True)
    city_id = fields.Integer(attribute="area_id", allow_none=True)
    created_at = fields.AwareDateTime()
    finished_at = fields.AwareDateTime(allow_none=True)
    ok = fields.Boolean(
        allow_none=True, metadata={"description": "null until done; true: nothing broken"}
    )
    digest_day = fields.Date(
        allow_none=True, metadata={"description": "the signed digest compared with; null: none"}
    )
    problems = fields.List(
        fields.Nested(VerificationProblemOut),
        allow_none=True,
        metadata={"description": "the broken chains (first problem of each, at most 100)"},
    )
