"""Shapes of report-ins."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema, cursor_page_schema
from sunshine.org.schemas import AreaOut, TeamOut
from sunshine.reportin.models import EndKind, ReportInStatus


class ReportInMemberOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    # Both absent from the caller's own history in GET /me/data (the member is the caller).
    phone = fields.String(
        allow_none=True,
        metadata={"description": "masked unless the role needs it", "optional": True},
    )
    unit_name = fields.String(metadata={"optional": True})


class ReportInOut(BaseSchema):
    id = fields.Integer()
    status = fields.Enum(ReportInStatus, by_value=True)
    community = fields.Nested(AreaOut)
    member = fields.Nested(ReportInMemberOut)
    transfer_from_id = fields.Integer(allow_none=True, metadata={"description": "转出的报到记录"})
    requested_at = fields.AwareDateTime()
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)
    ended_at = fields.AwareDateTime(allow_none=True)
    end_kind = fields.Enum(EndKind, by_value=True, allow_none=True)
    end_reason = fields.String(allow_none=True)
    grid = fields.Nested(AreaOut, allow_none=True)
    teams = fields.List(fields.Nested(TeamOut))


ReportInPage = cursor_page_schema(ReportInOut)


class ReportInRequest(BaseSchema):
    community_id = fields.Integer(required=True, validate=ID)


class PlacementIn(BaseSchema):
    grid_id = fields.Integer(validate=ID, allow_none=True, load_default=None)
    team_ids = fields.List(
        fields.Integer(validate=ID),
        load_default=list,
        validate=validate.Length(max=20),
    )


class ReportInListArgs(BaseSchema):
    status = fields.Enum(ReportInStatus, by_value=True)
    area_id = fields.Integer(validate=ID, metadata={"description": "street or community"})
    cursor = fields.Integer(validate=ID)
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))
