"""Input and output of statements and of the public check."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validate, validates_schema

from sunshine import clock
from sunshine.api import ID, BaseSchema, BigCursorArgs, cursor_page_schema
from sunshine.statements.validity import RevokedBecause, Standing


class StatementRequestIn(BaseSchema):
    starts_on = fields.Date(required=True, data_key="from", metadata={"example": "2026-01-01"})
    ends_on = fields.Date(
        required=True,
        data_key="to",
        metadata={"example": "2026-06-30", "description": "included; not after today"},
    )

    @validates_schema
    def _period(self, data: dict[str, Any], **kwargs: Any) -> None:
        if data["ends_on"] > clock.today():
            raise ValidationError("结束日期不能晚于今天", "to")
        if data["starts_on"] > data["ends_on"]:
            raise ValidationError("开始日期不能晚于结束日期", "from")


class IssuerOut(BaseSchema):
    id = fields.Integer(metadata={"description": "the community (or street)"})
    name = fields.String(metadata={"description": "full name, e.g. 孝义市新义街道府前社区"})


class _StatementBase(BaseSchema):
    id = fields.Integer()
    number = fields.String(metadata={"example": "ZM2026-000123"})
    status = fields.Enum(Standing, by_value=True)
    revoked_reason = fields.Enum(
        RevokedBecause,
        by_value=True,
        allow_none=True,
        metadata={"description": "why it no longer holds (null while valid)"},
    )
    revoked_label = fields.String(
        allow_none=True, metadata={"description": "the reason in Chinese"}
    )
    member_id = fields.Integer()
    holder_name = fields.String()
    issuer = fields.Nested(IssuerOut)
    starts_on = fields.Date(data_key="from")
    ends_on = fields.Date(data_key="to")
    services = fields.Integer(metadata={"description": "how many services it lists"})
    total_minutes = fields.Integer()
    total_hours = fields.Float()
    issued_at = fields.DateTime()
    issued_on = fields.Date(metadata={"description": "the issue date printed (Asia/Shanghai)"})


class StatementSummaryOut(_StatementBase):
    """A statement in a listing."""


class StatementItemOut(BaseSchema):
    record_id = fields.Integer()
    service_date = fields.Date()
    activity_name = fields.String()
    place = fields.String()
    minutes = fields.Integer(metadata={"description": "credited minutes at issue"})
    hours = fields.Float()


class StatementOut(_StatementBase):
    """A statement in its page form: what the PDF prints."""

    verification_code = fields.String(
        allow_none=True,
        metadata={
            "description": "shown in groups (K7PM-2XQD-9RHT); null when it can no longer be "
            "read (statement.code_unreadable)"
        },
    )
    verify_url = fields.String(
        allow_none=True, metadata={"description": "the QR code's payload: the public check"}
    )
    check_page = fields.String(metadata={"description": "the public check without the query"})
    items = fields.List(fields.Nested(StatementItemOut))


class StatementListOut(BaseSchema):
    items = fields.List(
        fields.Nested(StatementOut),
        metadata={"description": "one statement per issuing organisation"},
    )


StatementSummaryPage = cursor_page_schema(StatementSummaryOut)


class StatementListArgs(BigCursorArgs):
    area_id = fields.Integer(
        validate=ID, metadata={"description": "issued by this area or one inside it"}
    )


class VerifyArgs(BaseSchema):
    number = fields.String(required=True, validate=validate.Length(min=1, max=32))
    code = fields.String(required=True, validate=validate.Length(min=1, max=32))


class StatementCheckOut(BaseSchema):
    valid = fields.Boolean()
    status = fields.Enum(Standing, by_value=True, metadata={"description": "valid or revoked"})
    holder = fields.String(metadata={"description": "masked, e.g. 张*明"})
    starts_on = fields.Date(data_key="from")
    ends_on = fields.Date(data_key="to")
    total_hours = fields.Float()
