"""Reviewing anomalies (street and org admins) and answering those sent back (the community).

A review happens once: the anomaly's row is locked, and one that is no longer open is 409
``anomaly.reviewed``. ``void_record`` voids the record through the hours domain's own void
(``hours.service.void``: its ledger entries, its rules — the record must be confirmed, not
the reviewer's own — and its security event), with the review's note as the reason; any
refusal there rolls the whole review back. Every review and answer is kept on the anomaly
and written to the security log in the same transaction.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.anomalies.models import (
    Anomaly,
    AnomalyStatus,
    EvidenceKind,
    ReviewOutcome,
)
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.hours import service as hours
from sunshine.org.models import AreaLevel
from sunshine.security import service as security

if TYPE_CHECKING:
    from sunshine.security.service import Origin

STATUS_LABELS = {
    AnomalyStatus.OPEN: "待复核",
    AnomalyStatus.CLOSED: "已复核",
    AnomalyStatus.SENT_BACK: "已退回社区",
    AnomalyStatus.ANSWERED: "社区已答复",
}


ANOMALY_MISSING = Missing(code="anomaly.not_found", message="异常不存在")


def anomaly_subject(anomaly: Anomaly) -> Subject:
    return Subject("anomaly", anomaly.id, ANOMALY_MISSING)


def place_of(anomaly: Anomaly) -> Place:
    return Place(area_path=anomaly.area_path, subject=anomaly_subject(anomaly))


def get_anomaly(anomaly_id: int, *, lock: bool = False) -> Anomaly:
    query = select(Anomaly).where(Anomaly.id == anomaly_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    anomaly = db.session.scalar(query)
    if anomaly is None:
        raise ANOMALY_MISSING.error()
    return anomaly


def _log(
    action: str, anomaly: Anomaly, actor: Actor, origin: Origin | None, **detail: object
) -> None:
    security.record(
        action=action,
        account_id=actor.id,
        origin=origin,
        object_type="anomaly",
        object_id=anomaly.id,
        detail={"kind": anomaly.kind.value, "member_id": anomaly.member_id, **detail},
    )


def review(
    *,
    actor: Actor,
    anomaly_id: int,
    outcome: ReviewOutcome,
    note: str | None = None,
    record_id: int | None = None,
    origin: Origin | None = None,
) -> Anomaly:
    """Review an open anomaly: no problem, void its record, or send it back to the community.

    ``record_id`` (void only) picks another of the anomaly's evidence records than its own
    (an overlap's earlier record, another record of a long day). An anomaly without a
    record to void is 422 ``anomaly.no_record``; a record that is not its evidence 422
    ``anomaly.not_evidence``; a record that is not confirmed 409 ``record.not_confirmed``
    (from the hours domain); sending back what does not sit in a community 409
    ``anomaly.not_in_community``.
    """
    require_somewhere(actor, Permission.ANOMALY_REVIEW)  # before the lookup reveals ids
    anomaly = get_anomaly(anomaly_id, lock=True)
    authorize(actor, Permission.ANOMALY_REVIEW, place_of(anomaly))
    if anomaly.status != AnomalyStatus.OPEN:
        raise Conflict(
            f"该异常已复核（{STATUS_LABELS[anomaly.status]}），不能再次复核",
            code="anomaly.reviewed",
        )
    voided = None
    if outcome == ReviewOutcome.VOID_RECORD:
        voided = _record_to_void(anomaly, record_id)
        assert note is not None  # the schema requires it with this outcome
        hours.void(
            actor=actor,
            record_id=voided,
            reason=note,
            origin=origin,
            permission=Permission.ANOMALY_REVIEW,
        )
    elif outcome == ReviewOutcome.SEND_BACK and anomaly.area.level not in (
        AreaLevel.COMMUNITY,
        AreaLevel.GRID,
    ):
        raise Conflict(
            "该异常不属于某个社区（街道或全市的活动），不能退回社区",
            code="anomaly.not_in_community",
        )
    anomaly.status = (
        AnomalyStatus.SENT_BACK if outcome == ReviewOutcome.SEND_BACK else AnomalyStatus.CLOSED
    )
    anomaly.outcome, anomaly.review_note = outcome, note
    anomaly.reviewed_by_id, anomaly.reviewed_at = actor.id, clock.now()
    _log(
        "anomaly.review", anomaly, actor, origin, outcome=outcome.value, note=note, record_id=voided
    )
    db.session.flush()
    return anomaly


def _record_to_void(anomaly: Anomaly, record_id: int | None) -> int:
    if record_id is None:
        if anomaly.record_id is None:
            raise Invalid("该异常没有可作废的服务记录", code="anomaly.no_record")
        return anomaly.record_id
    evidence = {e.ref_id for e in anomaly.evidence if e.kind == EvidenceKind.RECORD}
    if record_id != anomaly.record_id and record_id not in evidence:
        raise Invalid(
            "只能作废该异常所涉及的服务记录",
            code="anomaly.not_evidence",
            fields={"record_id": ["不是该异常所涉及的服务记录"]},
        )
    return record_id


def answer(*, actor: Actor, anomaly_id: int, note: str, origin: Origin | None = None) -> Anomaly:
    """The community's answer to an anomaly sent back to it; it resolves the anomaly.

    Only a sent-back anomaly can be answered, once (409 ``anomaly.not_sent_back``). What
    the community does about the record itself (reject, void, adjust) goes through the
    hours domain as usual.
    """
    require_somewhere(actor, Permission.ANOMALY_ANSWER)
    anomaly = get_anomaly(anomaly_id, lock=True)
    authorize(actor, Permission.ANOMALY_ANSWER, place_of(anomaly))
    if anomaly.status != AnomalyStatus.SENT_BACK:
        raise Conflict(
            f"该异常当前状态为{STATUS_LABELS[anomaly.status]}，只能答复退回社区的异常",
            code="anomaly.not_sent_back",
        )
    anomaly.status = AnomalyStatus.ANSWERED
    anomaly.answer_note = note
    anomaly.answered_by_id, anomaly.answered_at = actor.id, clock.now()
    _log("anomaly.answer", anomaly, actor, origin, note=note)
    db.session.flush()
    return anomaly
