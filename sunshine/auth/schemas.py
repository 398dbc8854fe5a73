"""Input and output shapes of login, /me and account administration."""

from __future__ import annotations

import marshmallow as ma
from marshmallow import fields, validate

from sunshine.access.schemas import GrantOut
from sunshine.api import BaseSchema, CursorArgs, cursor_page_schema
from sunshine.auth.models import AccountStatus
from sunshine.consent.schemas import ConsentSummaryOut

not_blank = validate.Regexp(r"\S", error="不能为空白")


class LoginIn(BaseSchema):
    code = fields.String(
        required=True,
        validate=[validate.Length(min=1, max=128), not_blank],
        metadata={"description": "wx.login 返回的 code（一次性，5 分钟内有效）"},
    )


class TokenOut(BaseSchema):
    access_token = fields.String(required=True)
    token_type = fields.String(required=True, metadata={"example": "Bearer"})
    expires_in = fields.Integer(required=True, metadata={"description": "seconds"})


class AccountOut(BaseSchema):
    id = fields.Integer()
    status = fields.Enum(AccountStatus, by_value=True)
    created_at = fields.AwareDateTime()
    last_login_at = fields.AwareDateTime(allow_none=True)
    disabled_at = fields.AwareDateTime(allow_none=True)
    disabled_reason = fields.String(allow_none=True)


AccountPage = cursor_page_schema(AccountOut)


class MeOut(BaseSchema):
    account = fields.Nested(AccountOut)
    grants = fields.List(fields.Nested(GrantOut))
    roles = fields.List(fields.String())
    member_status = fields.String(
        metadata={"description": "unregistered / pending / verified / rejected（注册认证状态）"}
    )
    consents = fields.Nested(ConsentSummaryOut)


class AccountListArgs(CursorArgs):
    status = fields.Enum(AccountStatus, by_value=True)


class AccountStatusIn(BaseSchema):
    reason = fields.String(validate=validate.Length(max=200), load_default=None)


class EmptyIn(BaseSchema):
    """No body fields are accepted."""

    class Meta:
        unknown = ma.RAISE
