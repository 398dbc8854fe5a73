"""Whether statements still hold, read from their records at the moment of asking.

A statement lists records with the minutes they were credited at issue. It is revoked as
soon as one of them is no longer confirmed (voided) or its credited minutes differ from what
the statement says (an adjustment or a correction): it would otherwise vouch for hours the
community has taken back. Nothing is stored: the hours domain, which alone writes records,
need not know statements exist, and a statement reads as revoked from the moment the record
changes, whoever asks (the public check, the holder, the issuer).
"""

from __future__ import annotations

from collections.abc import Collection
from enum import StrEnum

from sqlalchemy import or_, select

from sunshine.extensions import db
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.statements.models import StatementItem


class Standing(StrEnum):
    VALID = "valid"
    REVOKED = "revoked"


class RevokedBecause(StrEnum):
    RECORD_VOIDED = "record_voided"  # a record it lists was voided
    RECORD_CHANGED = "record_changed"  # a record's credited minutes changed


REASON_LABELS = {
    RevokedBecause.RECORD_VOIDED: "所列服务记录已被作废",
    RevokedBecause.RECORD_CHANGED: "所列服务记录的时长已变更",
}


def revocations(statement_ids: Collection[int]) -> dict[int, RevokedBecause]:
    """The revoked ones among ``statement_ids``, each with why (a void outweighs a change)."""
    if not statement_ids:
        return {}
    rows = db.session.execute(
        select(StatementItem.statement_id, ServiceRecord.status)
        .join(ServiceRecord, ServiceRecord.id == StatementItem.record_id)
        .where(
            StatementItem.statement_id.in_(list(statement_ids)),
            or_(
                ServiceRecord.status != RecordStatus.CONFIRMED,
                ServiceRecord.credited_minutes != StatementItem.minutes,
            ),
        )
    )
    found: dict[int, RevokedBecause] = {}
    for statement_id, status in rows:
        if status != RecordStatus.CONFIRMED:
            found[statement_id] = RevokedBecause.RECORD_VOIDED
        else:
            found.setdefault(statement_id, RevokedBecause.RECORD_CHANGED)
    return found
