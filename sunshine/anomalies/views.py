"""Reading anomalies: the reviewers' listing and one anomaly with its evidence.

Who sees what (``anomaly.read`` decides who may list at all): a street or org admin every
anomaly in their scope (``anomaly.review``); a community admin only the anomalies of their
community that were sent back to it (``anomaly.answer``), and once answered, still those.
An anomaly the caller may not see is 404, as if it did not exist.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from sqlalchemy import ColumnElement, and_, or_, select
from sqlalchemy.orm import selectinload

from sunshine.access.listing import scoped_page
from sunshine.access.permissions import Actor, Permission, can, require_somewhere, scope_filter
from sunshine.access.refusals import concealed
from sunshine.anomalies.models import Anomaly, AnomalyKind, AnomalyStatus
from sunshine.anomalies.service import STATUS_LABELS, anomaly_subject, get_anomaly, place_of
from sunshine.api import Shown
from sunshine.pagination import CursorPage

KIND_LABELS = {
    AnomalyKind.OVERLAP: "服务时间重叠",
    AnomalyKind.LONG_DAY: "单日服务超过 10 小时",
    AnomalyKind.FAR_PUNCH: "打卡位置过远",
    AnomalyKind.LOW_ACCURACY: "定位精度差",
    AnomalyKind.HAND_RECORDED: "补录考勤",
    AnomalyKind.FORGOT_CHECKOUT: "未签退（自动结束）",
    AnomalyKind.WALK_IN: "现场加入",
    AnomalyKind.LATE_CONFIRMATION: "超期确认",
    AnomalyKind.SELF_CONFIRMATION: "试图确认本人记录",
    AnomalyKind.ADJUST_AFTER_LOCK: "锁定后调整",
    AnomalyKind.OUTLIER: "时长远高于本社区",
}
SENT_BACK = (AnomalyStatus.SENT_BACK, AnomalyStatus.ANSWERED)
_LOADS = (
    selectinload(Anomaly.evidence),
    selectinload(Anomaly.member),
    selectinload(Anomaly.area),
)


def view(anomaly: Anomaly) -> Shown:
    return Shown(
        anomaly,
        kind_label=KIND_LABELS[anomaly.kind],
        status_label=STATUS_LABELS[anomaly.status],
        evidence=[Shown(e, id=e.ref_id) for e in anomaly.evidence],
    )


def _visible(actor: Actor, anomaly: Anomaly) -> bool:
    place = place_of(anomaly)
    if can(actor, Permission.ANOMALY_REVIEW, place):
        return True
    return anomaly.status in SENT_BACK and can(actor, Permission.ANOMALY_ANSWER, place)


def anomaly_for(*, actor: Actor, anomaly_id: int) -> Shown:
    """One anomaly with its evidence, for a reviewer in scope or the community it was sent
    back to; anyone else who reads anomalies gets 404."""
    require_somewhere(actor, Permission.ANOMALY_READ)
    anomaly = get_anomaly(anomaly_id)
    if not _visible(actor, anomaly):
        raise concealed(
            account_id=actor.id, action="anomaly.read", subject=anomaly_subject(anomaly)
        )
    return view(anomaly)


def visible(actor: Actor) -> ColumnElement[bool]:
    """SQL: the anomalies the actor may see (as ``_visible`` decides for one): every one in
    a reviewer's scope, and those sent back to a community for its admin."""
    reviewable = scope_filter(actor, Permission.ANOMALY_REVIEW, area_path=Anomaly.area_path)
    answerable = scope_filter(actor, Permission.ANOMALY_ANSWER, area_path=Anomaly.area_path)
    return or_(reviewable, and_(answerable, Anomaly.status.in_(SENT_BACK)))


def list_anomalies(
    *,
    actor: Actor,
    limit: int,
    after_id: int | None = None,
    kind: AnomalyKind | None = None,
    status: AnomalyStatus | None = None,
    area_id: int | None = None,
    member_id: int | None = None,
    day_from: date | None = None,
    day_to: date | None = None,
) -> CursorPage:
    """Anomalies the actor may see, newest first, with the listing's filters."""
    require_somewhere(actor, Permission.ANOMALY_READ)
    query = select(Anomaly).where(visible(actor))
    filters: list[Any] = []
    if kind is not None:
        filters.append(Anomaly.kind == kind)
    if status is not None:
        filters.append(Anomaly.status == status)
    if member_id is not None:
        filters.append(Anomaly.member_id == member_id)
    if day_from is not None:
        filters.append(Anomaly.day >= day_from)
    if day_to is not None:
        filters.append(Anomaly.day <= day_to)
    page = scoped_page(
        query.where(*filters).options(*_LOADS),
        actor=actor,
        permission=Permission.ANOMALY_READ,
        within_area_id=area_id,
        id_column=Anomaly.id,
        area_path=Anomaly.area_path,
        after_id=after_id,
        limit=limit,
    )
    return CursorPage([view(a) for a in page.items], page.next_cursor)
