"""Shapes of unit report-ins, agreements, projects and yearly reports."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, CursorArgs, DateSpan, cursor_page_schema
from sunshine.cobuilding.models import ProjectStatus, ResourceKind, UnitReportInStatus
from sunshine.org.schemas import AreaOut, PartyOrgOut, UnitOut


def _text(max_length: int) -> validate.Validator:
    return validate.And(
        validate.Length(min=1, max=max_length), validate.Regexp(r"\S", error="不能为空白")
    )


# Report-ins ---------------------------------------------------------------------------------


class UnitReportInIn(BaseSchema):
    unit_id = fields.Integer(required=True, validate=ID)
    party_org_id = fields.Integer(
        required=True, validate=ID, metadata={"description": "a party organisation of the unit"}
    )
    community_id = fields.Integer(
        required=True,
        validate=ID,
        metadata={"description": "its paired community or another of the unit's city"},
    )


class UnitReportInOut(BaseSchema):
    id = fields.Integer()
    status = fields.Enum(UnitReportInStatus, by_value=True)
    unit = fields.Nested(UnitOut)
    party_org = fields.Nested(PartyOrgOut)
    community = fields.Nested(AreaOut)
    paired = fields.Boolean(metadata={"description": "the community was one of its pairings"})
    requested_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    ended_at = fields.AwareDateTime(allow_none=True)
    end_reason = fields.String(allow_none=True)


UnitReportInPage = cursor_page_schema(UnitReportInOut)


class UnitReportInListArgs(CursorArgs):
    status = fields.Enum(UnitReportInStatus, by_value=True)
    area_id = fields.Integer(validate=ID, metadata={"description": "a street or community"})
    unit_id = fields.Integer(validate=ID)


# Agreements ---------------------------------------------------------------------------------


class ResourceIn(BaseSchema):
    kind = fields.Enum(ResourceKind, by_value=True, required=True)
    name = fields.String(required=True, validate=_text(100))
    quantity = fields.Integer(required=True, validate=validate.Range(min=0, max=10**9))
    measure = fields.String(
        required=True, validate=_text(10), metadata={"description": "人, 辆, 元, ㎡ …"}
    )


class ResourceOut(BaseSchema):
    id = fields.Integer()
    kind = fields.Enum(ResourceKind, by_value=True)
    name = fields.String()
    quantity = fields.Integer()
    measure = fields.String()


class AgreementIn(DateSpan):
    date_span = ("starts_on", "ends_on")
    starts_on = fields.Date(required=True)
    ends_on = fields.Date(required=True)
    text = fields.String(required=True, validate=_text(5000))
    resources = fields.List(
        fields.Nested(ResourceIn), required=True, validate=validate.Length(max=100)
    )


class AgreementOut(BaseSchema):
    id = fields.Integer()
    report_in_id = fields.Integer()
    starts_on = fields.Date()
    ends_on = fields.Date()
    text = fields.String()
    resources = fields.List(fields.Nested(ResourceOut))
    written_at = fields.AwareDateTime()
    confirmed_at = fields.AwareDateTime(
        allow_none=True, metadata={"description": "countersigned by the community"}
    )


# Projects -----------------------------------------------------------------------------------


class ProjectIn(DateSpan):
    date_span = ("planned_from", "planned_to")

    title = fields.String(required=True, validate=_text(100))
    description = fields.String(required=True, validate=_text(2000))
    planned_from = fields.Date(required=True)
    planned_to = fields.Date(required=True)
    need_id = fields.Integer(
        validate=ID,
        load_default=None,
        metadata={"description": "an open need of the community that the project answers"},
    )


class ProjectMemberOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class ProjectOut(BaseSchema):
    id = fields.Integer()
    report_in_id = fields.Integer()
    unit_id = fields.Integer()
    title = fields.String()
    description = fields.String()
    planned_from = fields.Date()
    planned_to = fields.Date()
    need_id = fields.Integer(allow_none=True)
    status = fields.Enum(ProjectStatus, by_value=True)
    members = fields.List(fields.Nested(ProjectMemberOut), metadata={"description": "sent"})
    created_at = fields.AwareDateTime()
    started_at = fields.AwareDateTime(allow_none=True)
    done_at = fields.AwareDateTime(allow_none=True)
    cancelled_at = fields.AwareDateTime(allow_none=True)
    cancel_reason = fields.String(allow_none=True)


ProjectPage = cursor_page_schema(ProjectOut)


class ProjectListArgs(CursorArgs):
    status = fields.Enum(ProjectStatus, by_value=True)
    report_in_id = fields.Integer(validate=ID)
    area_id = fields.Integer(validate=ID, metadata={"description": "a street or community"})


class ProjectMembersIn(BaseSchema):
    member_ids = fields.List(
        fields.Integer(validate=ID), required=True, validate=validate.Length(min=1, max=200)
    )


# Yearly reports -----------------------------------------------------------------------------

YEAR = validate.Range(min=2000, max=2100)


class YearlyReportIn(BaseSchema):
    year = fields.Integer(required=True, validate=YEAR)
    text = fields.String(required=True, validate=_text(10000))


class YearlyReportOut(BaseSchema):
    id = fields.Integer()
    unit = fields.Nested(UnitOut)
    year = fields.Integer()
    text = fields.String()
    report_ins = fields.Integer(metadata={"description": "report-ins in force in the year"})
    projects_done = fields.Integer()
    members_sent = fields.Integer(metadata={"description": "distinct members on done projects"})
    service_minutes = fields.Integer(
        metadata={"description": "confirmed minutes of its members in those communities"}
    )
    submitted_at = fields.AwareDateTime()


YearlyReportPage = cursor_page_schema(YearlyReportOut)


class YearlyReportListArgs(CursorArgs):
    year = fields.Integer(validate=YEAR, metadata={"description": "default: this year"})
    unit_id = fields.Integer(validate=ID)


class CoBuildingOut(BaseSchema):
    """A unit's 双报到 figures over a period (``cobuilding.figures``)."""

    reported_in = fields.Boolean(metadata={"description": "a report-in in force in the period"})
    report_ins = fields.Integer()
    projects_done = fields.Integer(metadata={"description": "confirmed done in the period"})
    members_sent = fields.Integer()
    yearly_report_submitted = fields.Boolean(
        metadata={"description": "its yearly report of the year the period starts in"}
    )
