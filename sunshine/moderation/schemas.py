"""Shapes of content checks: what an author is told, and what a reviewer reads."""

from __future__ import annotations

from marshmallow import fields

from sunshine.api import ID, REASON, BaseSchema, BigCursorArgs, cursor_page_schema
from sunshine.moderation.models import CheckStatus

# What the author is told, by status.
STATUS_MESSAGES = {
    CheckStatus.PASSED: "内容已通过安全检查",
    CheckStatus.PENDING: "微信内容安全检查暂时无法完成，内容将在检查通过后显示",
    CheckStatus.REVIEW: "内容需要人工审核，审核通过后显示",
    CheckStatus.APPROVED: "内容已审核通过",
    CheckStatus.REJECTED: "内容未通过审核，请修改后重新提交",
    CheckStatus.REFUSED: "内容含有违规信息，未予显示，请修改后重新提交",
    CheckStatus.SUPERSEDED: "内容已被更新的修改取代",
}


class CheckBriefOut(BaseSchema):
    """The content check as the author sees it."""

    id = fields.Integer()
    status = fields.Enum(
        CheckStatus,
        by_value=True,
        metadata={"description": "passed/approved: shown; pending/review: held; else not shown"},
    )
    held = fields.Boolean(metadata={"description": "true while the text waits (not shown)"})
    message = fields.String(metadata={"description": "中文说明，可直接展示"})


class ContentCheckOut(BaseSchema):
    id = fields.Integer()
    subject = fields.String(metadata={"description": "what the text belongs to: task"})
    subject_id = fields.Integer()
    action = fields.String(metadata={"description": "what showing it does: publish, edit"})
    texts = fields.Dict(
        keys=fields.String(), values=fields.String(), metadata={"description": "field -> text"}
    )
    status = fields.Enum(CheckStatus, by_value=True)
    label = fields.Integer(
        allow_none=True, metadata={"description": "WeChat's label (100 normal, 21000 other …)"}
    )
    author_id = fields.Integer(metadata={"description": "the author's account"})
    attempts = fields.Integer(metadata={"description": "WeChat calls that failed"})
    created_at = fields.AwareDateTime()
    checked_at = fields.AwareDateTime(allow_none=True)
    decided_by_id = fields.Integer(allow_none=True)
    decided_at = fields.AwareDateTime(allow_none=True)
    decision_reason = fields.String(allow_none=True)


ContentCheckPage = cursor_page_schema(ContentCheckOut)


class ContentCheckListArgs(BigCursorArgs):
    status = fields.Enum(
        CheckStatus, by_value=True, metadata={"description": "default: held (pending and review)"}
    )
    area_id = fields.Integer(validate=ID, metadata={"description": "checks inside this area"})


class ApproveIn(BaseSchema):
    reason = fields.String(validate=REASON, load_default=None)


class RejectIn(BaseSchema):
    reason = fields.String(required=True, validate=REASON)
