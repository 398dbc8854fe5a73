"""Input and output of compliance (达标情况): figures, breakdowns, member rows."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema
from sunshine.audit.compliance import GroupBy, GroupSort, Order
from sunshine.audit.compliance_members import MemberSort
from sunshine.audit.schemas import PeriodOut, RuleOut
from sunshine.audit.tally import ComplianceStatus
from sunshine.cobuilding.schemas import CoBuildingOut

STATUS_HELP = "compliant 达标, behind 未达标, zero 零服务, not_reported 未报到"


class FiltersIn(BaseSchema):
    street_id = fields.Integer(validate=ID, metadata={"description": "a street of the city"})
    community_id = fields.Integer(
        validate=ID, metadata={"description": "a community of the city (of the street, if given)"}
    )
    unit_id = fields.Integer(validate=ID, metadata={"description": "a work unit of the city"})
    party_org_id = fields.Integer(
        validate=ID, metadata={"description": "a party organisation of a unit of the city"}
    )
    campaign_id = fields.Integer(
        validate=ID,
        metadata={
            "description": "a campaign of the city: count only the records of tasks so tagged"
        },
    )
    order = fields.Enum(Order, by_value=True, load_default=Order.ASC)


class ComplianceArgs(FiltersIn):
    by = fields.Enum(
        GroupBy, by_value=True, load_default=GroupBy.STREET, metadata={"description": "one row per"}
    )
    sort = fields.Enum(GroupSort, by_value=True, load_default=GroupSort.ID)


class ComplianceMemberArgs(FiltersIn):
    status = fields.Enum(ComplianceStatus, by_value=True, metadata={"description": STATUS_HELP})
    sort = fields.Enum(MemberSort, by_value=True, load_default=MemberSort.ID)
    cursor = fields.String(
        validate=validate.Length(min=1, max=300),
        metadata={"description": "the next_cursor of the previous page (same sort and order)"},
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class FiguresOut(BaseSchema):
    members = fields.Integer(metadata={"description": "verified members counted"})
    reported_in = fields.Integer(metadata={"description": "reported in during the period"})
    reported_in_rate = fields.Float(
        allow_none=True, metadata={"description": "reported_in / members, 0–1; null: no members"}
    )
    compliant = fields.Integer(metadata={"description": "达标"})
    compliant_rate = fields.Float(
        allow_none=True, metadata={"description": "compliant / members, 0–1; null: no members"}
    )
    behind = fields.Integer(metadata={"description": "未达标"})
    zero_service = fields.Integer(metadata={"description": "零服务: reported in, no service"})
    not_reported = fields.Integer(metadata={"description": "未报到"})
    services = fields.Integer(metadata={"description": "confirmed services"})
    total_minutes = fields.Integer(metadata={"description": "confirmed minutes"})
    total_hours = fields.Float()
    average_minutes = fields.Float(
        allow_none=True, metadata={"description": "total_minutes / members"}
    )
    average_hours = fields.Float(allow_none=True)


class GroupOut(FiguresOut):
    id = fields.Integer(
        allow_none=True, metadata={"description": "null: members without a party organisation"}
    )
    name = fields.String()
    co_building = fields.Nested(
        CoBuildingOut,
        allow_none=True,
        metadata={"description": "by=unit: the unit's 双报到 (单位报到) figures; null otherwise"},
    )


class ComplianceOut(BaseSchema):
    period = fields.Nested(PeriodOut)
    rule = fields.Nested(
        RuleOut,
        metadata={"description": "the city's rule (source none: a period without one)"},
    )
    total = fields.Nested(FiguresOut, metadata={"description": "every member counted"})
    groups = fields.List(fields.Nested(GroupOut))


class RefOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class ComplianceMemberOut(BaseSchema):
    member_id = fields.Integer()
    name = fields.String()
    unit = fields.Nested(RefOut)
    party_org = fields.Nested(RefOut, allow_none=True)
    street = fields.Nested(RefOut, allow_none=True)
    community = fields.Nested(RefOut, allow_none=True)
    reported_in = fields.Boolean(metadata={"description": "reported in during the period"})
    services = fields.Integer(metadata={"description": "confirmed services in the period"})
    minutes = fields.Integer(metadata={"description": "confirmed minutes in the period"})
    hours = fields.Float()
    status = fields.Enum(ComplianceStatus, by_value=True, metadata={"description": STATUS_HELP})


class ComplianceMemberDetailOut(ComplianceMemberOut):
    rule = fields.Nested(RuleOut, metadata={"description": "the rule that applies to the member"})


class ComplianceMemberPage(BaseSchema):
    items = fields.List(fields.Nested(ComplianceMemberOut))
    next_cursor = fields.String(allow_none=True, metadata={"description": "null on the last page"})
    withheld = fields.Integer(
        metadata={
            "description": "members of the filter counted but not listed: no unit-feedback "
            "consent (unit admins; 0 for others)"
        }
    )
