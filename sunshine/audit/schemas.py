"""Input and output of periods and requirements."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import BIG_ID, REASON, BaseSchema, CursorArgs, cursor_page_schema
from sunshine.audit.models import PeriodKind

MAX_SERVICES = 1000  # a rule beyond these is a typing mistake, not a policy
MAX_MINUTES = 60_000  # 1,000 hours


class PeriodIn(BaseSchema):
    kind = fields.Enum(PeriodKind, by_value=True, required=True)
    starts_on = fields.Date(required=True, metadata={"example": "2026-01-01"})
    ends_on = fields.Date(
        required=True, metadata={"example": "2026-12-31", "description": "included"}
    )


class PeriodOut(BaseSchema):
    id = fields.Integer()
    city_id = fields.Integer()
    kind = fields.Enum(PeriodKind, by_value=True)
    starts_on = fields.Date()
    ends_on = fields.Date()
    created_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    locked_at = fields.DateTime(
        allow_none=True, metadata={"description": "null: not locked; its records still change"}
    )
    locked_by_id = fields.Integer(allow_none=True)


PeriodPage = cursor_page_schema(PeriodOut)


class PeriodListArgs(CursorArgs):
    kind = fields.Enum(PeriodKind, by_value=True)


class RequirementIn(BaseSchema):
    min_services = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_SERVICES),
        metadata={"description": "minimum confirmed services in the period"},
    )
    min_minutes = fields.Integer(
        load_default=None,
        allow_none=True,
        validate=validate.Range(min=0, max=MAX_MINUTES),
        metadata={"description": "minimum confirmed minutes in the period"},
    )


class RequirementVersionOut(BaseSchema):
    id = fields.Integer(metadata={"description": "the version"})
    period_id = fields.Integer()
    area_id = fields.Integer(metadata={"description": "the city, or the street tightening it"})
    min_services = fields.Integer(allow_none=True)
    min_minutes = fields.Integer(allow_none=True)
    effective_from = fields.DateTime()
    created_by_id = fields.Integer(allow_none=True)


RequirementVersionPage = cursor_page_schema(RequirementVersionOut)


class RuleOut(BaseSchema):
    source = fields.String(
        metadata={"description": "street, city, default (YEARLY_SERVICE_HOURS) or none"}
    )
    min_services = fields.Integer(allow_none=True)
    min_minutes = fields.Integer(allow_none=True)
    period_id = fields.Integer(allow_none=True)
    area_id = fields.Integer(allow_none=True)


class RequirementOut(BaseSchema):
    period = fields.Nested(PeriodOut)
    city_rule = fields.Nested(RequirementVersionOut, allow_none=True)
    street_rule = fields.Nested(RequirementVersionOut, allow_none=True)
    applies = fields.Nested(RuleOut, metadata={"description": "what members there must meet"})


class LockedAdjustmentIn(BaseSchema):
    record_id = fields.Integer(required=True, validate=BIG_ID)
    minutes = fields.Integer(
        required=True,
        validate=validate.And(
            validate.Range(min=-1440, max=1440),
            validate.NoneOf([0], error="调整的分钟数不能为 0"),
        ),
        metadata={"description": "minutes to add (positive) or take away (negative)"},
    )
    reason = fields.String(required=True, validate=REASON)
