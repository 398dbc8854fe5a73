"""Shapes of the inbox and of the subscribe-message quota."""

from __future__ import annotations

from marshmallow import fields, validate, validates_schema
from marshmallow.exceptions import ValidationError

from sunshine.api import BIG_ID, BaseSchema, BigCursorArgs, cursor_page_schema
from sunshine.notify.events import Event
from sunshine.notify.models import SendStatus

_ANSWERS = ("accept", "reject", "ban", "filter")


class SubscriptionsIn(BaseSchema):
    results = fields.Dict(
        required=True,
        keys=fields.String(validate=validate.Length(min=1, max=128)),
        values=fields.String(validate=validate.OneOf(_ANSWERS)),
        validate=validate.Length(min=1, max=20),
        metadata={
            "description": "wx.requestSubscribeMessage 的结果：模板 id → accept/reject/ban/filter"
            "（去掉 errMsg）"
        },
    )


class QuotaOut(BaseSchema):
    template_id = fields.String()
    events = fields.List(fields.String(), metadata={"description": "使用该模板的通知事件"})
    remaining = fields.Integer(metadata={"description": "还可发送的次数（每次同意 +1）"})


class SubscriptionsOut(BaseSchema):
    templates = fields.List(fields.Nested(QuotaOut))


class MessageListArgs(BigCursorArgs):
    unread = fields.Boolean(metadata={"description": "true: 只看未读"})


class MessageOut(BaseSchema):
    id = fields.Integer()
    event = fields.String()
    title = fields.String()
    body = fields.String()
    page = fields.String(allow_none=True, metadata={"description": "点开后进入的小程序页面"})
    created_at = fields.AwareDateTime()
    read_at = fields.AwareDateTime(allow_none=True)


MessagePage = cursor_page_schema(MessageOut)


class UnreadOut(BaseSchema):
    unread = fields.Integer()


class MarkReadIn(BaseSchema):
    ids = fields.List(
        fields.Integer(validate=BIG_ID),
        validate=validate.Length(min=1, max=100),
        metadata={"description": "要标为已读的消息；与 all 二选一"},
    )
    all = fields.Boolean(metadata={"description": "true: 全部标为已读"})

    @validates_schema
    def _one_of(self, data: dict[str, object], **_kwargs: object) -> None:
        if ("ids" in data) == bool(data.get("all")):
            raise ValidationError("请给出 ids 或 all: true（二选一）", "ids")


class MarkReadOut(BaseSchema):
    marked = fields.Integer()
    unread = fields.Integer()


class OutboxArgs(BigCursorArgs):
    status = fields.Enum(SendStatus, by_value=True)
    event = fields.String(validate=validate.OneOf([e.value for e in Event]))


class OutboxOut(BaseSchema):
    id = fields.Integer()
    account_id = fields.Integer()
    event = fields.String()
    title = fields.String()
    template_id = fields.String(allow_none=True)
    status = fields.Enum(SendStatus, by_value=True)
    attempts = fields.Integer()
    errcode = fields.Integer(allow_none=True, metadata={"description": "微信返回的错误码"})
    error = fields.String(
        allow_none=True,
        metadata={
            "description": "no_template, no_quota, quota_refused, refused, expired, "
            "interrupted, retrying"
        },
    )
    created_at = fields.AwareDateTime()
    sent_at = fields.AwareDateTime(allow_none=True)


OutboxPage = cursor_page_schema(OutboxOut)
