"""Input and output of anomalies and their review."""

from __future__ import annotations

from typing import Any

from marshmallow import ValidationError, fields, validates_schema

from sunshine.anomalies.models import AnomalyKind, AnomalyStatus, EvidenceKind, ReviewOutcome
from sunshine.api import BIG_ID, ID, REASON, BaseSchema, BigCursorArgs, DateSpan, cursor_page_schema
from sunshine.org.schemas import AreaOut


class AnomalyListArgs(BigCursorArgs, DateSpan):
    date_span = ("day_from", "day_to")
    kind = fields.Enum(AnomalyKind, by_value=True)
    status = fields.Enum(AnomalyStatus, by_value=True)
    area_id = fields.Integer(
        validate=ID, metadata={"description": "a street or community: anomalies inside it"}
    )
    member_id = fields.Integer(validate=ID)
    day_from = fields.Date(metadata={"description": "the anomaly's day on or after (Shanghai)"})
    day_to = fields.Date(metadata={"description": "the anomaly's day on or before"})


class AnomalyEvidenceOut(BaseSchema):
    kind = fields.Enum(EvidenceKind, by_value=True)
    id = fields.Integer(metadata={"description": "the id of the record, punch, entry or event"})


class AnomalyMemberOut(BaseSchema):
    id = fields.Integer()
    name = fields.String()


class AnomalyOut(BaseSchema):
    id = fields.Integer()
    kind = fields.Enum(AnomalyKind, by_value=True)
    kind_label = fields.String(metadata={"description": "中文名称"})
    subject = fields.String(metadata={"description": "what it is about, unique per kind"})
    area = fields.Nested(AreaOut, metadata={"description": "the community (or street) it sits in"})
    member = fields.Nested(AnomalyMemberOut)
    record_id = fields.Integer(
        allow_none=True, metadata={"description": "the record a review may void"}
    )
    day = fields.Date(
        metadata={"description": "the service day; for an outlier, the day it was found"}
    )
    summary = fields.String()
    detail = fields.Dict(keys=fields.String(), values=fields.Raw())
    evidence = fields.List(fields.Nested(AnomalyEvidenceOut))
    detected_at = fields.AwareDateTime()
    status = fields.Enum(AnomalyStatus, by_value=True)
    status_label = fields.String()
    outcome = fields.Enum(ReviewOutcome, by_value=True, allow_none=True)
    reviewed_by_id = fields.Integer(allow_none=True)
    reviewed_at = fields.AwareDateTime(allow_none=True)
    review_note = fields.String(allow_none=True)
    answered_by_id = fields.Integer(allow_none=True)
    answered_at = fields.AwareDateTime(allow_none=True)
    answer_note = fields.String(allow_none=True)


AnomalyPage = cursor_page_schema(AnomalyOut)


class AnomalyReviewIn(BaseSchema):
    outcome = fields.Enum(ReviewOutcome, by_value=True, required=True)
    note = fields.String(
        validate=REASON,
        load_default=None,
        metadata={"description": "required to void the record (its reason) or to send back"},
    )
    record_id = fields.Integer(
        validate=BIG_ID,
        load_default=None,
        metadata={"description": "void_record only: another of the anomaly's evidence records"},
    )

    @validates_schema
    def _note_where_needed(self, data: dict[str, Any], **_: Any) -> None:
        outcome = data.get("outcome")
        if outcome in (ReviewOutcome.VOID_RECORD, ReviewOutcome.SEND_BACK) and not data.get("note"):
            raise ValidationError("作废记录或退回社区须填写说明", field_name="note")
        if data.get("record_id") is not None and outcome != ReviewOutcome.VOID_RECORD:
            raise ValidationError("只有作废记录时才能指定记录", field_name="record_id")


class AnomalyAnswerIn(BaseSchema):
    note = fields.String(required=True, validate=REASON)
