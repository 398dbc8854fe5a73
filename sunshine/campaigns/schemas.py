"""Shapes of campaigns (专项活动标签)."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import BaseSchema

NAME = validate.And(validate.Length(min=1, max=30), validate.Regexp(r"\S", error="名称不能为空白"))


class CampaignIn(BaseSchema):
    name = fields.String(
        required=True, validate=NAME, metadata={"description": "e.g. 创城, unique in the city"}
    )


class CampaignPatch(BaseSchema):
    name = fields.String(validate=NAME)
    active = fields.Boolean(metadata={"description": "false: no longer put on tasks"})


class CampaignBriefOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()
    active = fields.Boolean()


class CampaignOut(CampaignBriefOut):
    city_id = fields.Integer()
    created_at = fields.AwareDateTime()


class CampaignListArgs(BaseSchema):
    active = fields.Boolean(metadata={"description": "only the active (true) or the deactivated"})
