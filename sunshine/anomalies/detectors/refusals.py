"""The detector over the security log: refused attempts to decide on one's own record.

An admin who confirms, rejects, voids or adjusts a record of their own, or decides a
correction of their own record, is refused (403 ``record.own``) and the refusal is kept in
the security log although the request is rolled back (``hours.service.decisions``). Each
such event becomes a **self_confirmation** anomaly of the record (subject: the record, so
repeated attempts on one record are one anomaly, each event its evidence).
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import select

from sunshine.anomalies.detectors import Found, batches, write
from sunshine.anomalies.models import AnomalyKind, EvidenceKind
from sunshine.extensions import db
from sunshine.hours.models import ServiceRecord
from sunshine.security.models import SecurityEvent

WATERMARK = "refusals"
OWN_RECORD = "record.own"  # the reason the hours domain logs such a refusal with

_SUMMARIES = {
    "hours.confirm": "管理员试图确认本人的服务记录（已被拒绝）",
    "hours.reject": "管理员试图驳回本人的服务记录（已被拒绝）",
    "hours.void": "管理员试图作废本人的服务记录（已被拒绝）",
    "hours.adjust": "管理员试图调整本人服务记录的时长（已被拒绝）",
    "hours.correction": "管理员试图处理本人服务记录的更正申请（已被拒绝）",
}
_SUMMARY = "管理员试图处理本人的服务记录（已被拒绝）"


def scan(now: datetime) -> dict[str, int]:
    """Read the security events logged since the last run; write the refused self-decisions."""
    query = select(
        SecurityEvent.id,
        SecurityEvent.occurred_at.label("stamp"),
        SecurityEvent.action,
        SecurityEvent.outcome,
        SecurityEvent.reason,
        SecurityEvent.account_id,
        SecurityEvent.object_id,
        SecurityEvent.detail,
    )
    read = seen = created = 0
    for batch in batches(WATERMARK, query, SecurityEvent.id, now=now):
        read += len(batch)
        refused = [e for e in batch if e.outcome == "failure" and e.reason == OWN_RECORD]
        seen += len(refused)
        attempts: list[tuple[Any, int]] = []
        for event in refused:
            detail = event.detail or {}
            ids = detail.get("record_ids") or ([event.object_id] if event.object_id else [])
            attempts += [(event, int(record_id)) for record_id in ids]
        if not attempts:
            continue
        records = {
            r.id: r
            for r in db.session.execute(
                select(
                    ServiceRecord.id,
                    ServiceRecord.member_id,
                    ServiceRecord.area_id,
                    ServiceRecord.area_path,
                    ServiceRecord.service_date,
                ).where(ServiceRecord.id.in_({record_id for _, record_id in attempts}))
            )
        }
        found = []
        for event, record_id in attempts:
            record = records.get(record_id)
            if record is None:
                continue
            found.append(
                Found(
                    kind=AnomalyKind.SELF_CONFIRMATION,
                    subject=f"record:{record_id}",
                    member_id=record.member_id,
                    area_id=record.area_id,
                    area_path=record.area_path,
                    day=record.service_date,
                    summary=_SUMMARIES.get(
                        event.action, "管理员试图处理本人的服务记录（已被拒绝）"
                    ),
                    record_id=record_id,
                    detail={"account_id": event.account_id, "action": event.action},
                    evidence={
                        (EvidenceKind.RECORD, record_id),
                        (EvidenceKind.SECURITY_EVENT, event.id),
                    },
                )
            )
        created += write(found)
    return {"read": read, "refusals": seen, "found": created}
