"""Shapes of the privacy notice and consents."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import BaseSchema
from sunshine.consent.models import ConsentKind


class NoticeOut(BaseSchema):
    version = fields.String()
    title = fields.String()
    content = fields.String()
    published_at = fields.AwareDateTime()


class NoticeIn(BaseSchema):
    version = fields.String(required=True, validate=validate.Regexp(r"^[0-9A-Za-z.\-]{1,20}$"))
    title = fields.String(required=True, validate=validate.Length(min=1, max=100))
    content = fields.String(required=True, validate=validate.Length(min=1, max=50_000))


class ConsentIn(BaseSchema):
    kind = fields.Enum(ConsentKind, by_value=True, required=True)
    granted = fields.Boolean(required=True)
    notice_version = fields.String(
        required=True,
        validate=validate.Length(min=1, max=20),
        metadata={"description": "the notice version the user was shown"},
    )


class ConsentSummaryOut(BaseSchema):
    current_notice_version = fields.String(allow_none=True)
    accepted_notice_version = fields.String(allow_none=True)
    needs_acceptance = fields.Boolean()
    unit_feedback = fields.Boolean(metadata={"description": "服务情况反馈给单位"})
    public_ranking = fields.Boolean(metadata={"description": "在公开排行中显示姓名"})


class ConsentRecordOut(BaseSchema):
    kind = fields.Enum(ConsentKind, by_value=True)
    granted = fields.Boolean()
    notice_version = fields.String()
    recorded_at = fields.AwareDateTime()
    ip = fields.String(allow_none=True, metadata={"description": "记录时的 IP 地址"})
