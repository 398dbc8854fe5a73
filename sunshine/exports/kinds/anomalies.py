"""异常复核: the anomalies of a period, with their review, as the reviewers' listing
(``GET /anomalies``) shows them.

The same permission (``ANOMALY_READ``) and the same visibility (``anomalies.views.visible``:
a street or org admin every anomaly in scope, a community admin those sent back to it), the
listing's ``kind``, ``status`` and ``area_id`` filters, and the period in place of the
listing's days: the anomalies of the period's city whose day lies in the period, and the
outliers found *for* the period (an outlier's day is the day it was found; its subject names
the period). The period's city must be one the reader's grant reaches (else 403, rather than
an empty sheet).
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields
from sqlalchemy import Row, and_, or_, select
from sqlalchemy.orm import aliased

from sunshine.access.listing import scoped_query
from sunshine.access.permissions import Actor, Permission, Place, require_reach, require_somewhere
from sunshine.anomalies.models import Anomaly, AnomalyKind, AnomalyStatus, ReviewOutcome
from sunshine.anomalies.service import STATUS_LABELS
from sunshine.anomalies.views import KIND_LABELS, visible
from sunshine.api import ID, BaseSchema
from sunshine.audit.models import Period
from sunshine.errors import NotFound
from sunshine.exports.registry import ExportKind, Filters, Source
from sunshine.exports.xlsx import Cell, Column
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org import service as org
from sunshine.org.models import Area

OUTCOMES = {
    ReviewOutcome.NO_PROBLEM: "无问题",
    ReviewOutcome.VOID_RECORD: "作废记录",
    ReviewOutcome.SEND_BACK: "退回社区",
}

COLUMNS = (
    Column("异常编号", 10, Cell.INTEGER),
    Column("类型", 18),
    Column("日期", 11, Cell.DATE),
    Column("党员", 12),
    Column("社区/街道", 18),
    Column("服务记录编号", 12, Cell.INTEGER),
    Column("说明", 40),
    Column("状态", 11),
    Column("复核结果", 10),
    Column("复核意见", 30),
    Column("复核时间", 17, Cell.DATETIME),
    Column("社区答复", 30),
    Column("答复时间", 17, Cell.DATETIME),
    Column("发现时间", 17, Cell.DATETIME),
)


class AnomalyExportArgs(BaseSchema):
    period_id = fields.Integer(required=True, validate=ID)
    kind = fields.Enum(AnomalyKind, by_value=True)
    status = fields.Enum(AnomalyStatus, by_value=True)
    area_id = fields.Integer(
        validate=ID, metadata={"description": "a street or community: anomalies inside it"}
    )


def _period(actor: Actor, period_id: int) -> tuple[Period, Area]:
    require_somewhere(actor, Permission.ANOMALY_READ)
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound("考核周期不存在", code="period.not_found")
    city = db.session.get_one(Area, period.city_id)
    require_reach(actor, Permission.ANOMALY_READ, Place(area_path=city.path))
    return period, city


def check(actor: Actor, filters: Filters) -> None:
    """403 without ``ANOMALY_READ`` reaching the period's city; 404 unknown period or area."""
    _period(actor, filters["period_id"])
    if filters.get("area_id") is not None:
        org.get_area(filters["area_id"])


def rows(actor: Actor, filters: Filters) -> Source:
    period, city = _period(actor, filters["period_id"])
    area = aliased(Area)
    of_period = or_(
        and_(
            Anomaly.kind != AnomalyKind.OUTLIER,
            Anomaly.day >= period.starts_on,
            Anomaly.day <= period.ends_on,
        ),
        and_(
            Anomaly.kind == AnomalyKind.OUTLIER,
            Anomaly.subject.endswith(f"/period:{period.id}", autoescape=True),
        ),
    )
    query = (
        select(
            Anomaly.id,
            Anomaly.kind,
            Anomaly.day,
            Member.name.label("member"),
            area.name.label("area"),
            Anomaly.record_id,
            Anomaly.summary,
            Anomaly.status,
            Anomaly.outcome,
            Anomaly.review_note,
            Anomaly.reviewed_at,
            Anomaly.answer_note,
            Anomaly.answered_at,
            Anomaly.detected_at,
        )
        .join(Member, Member.id == Anomaly.member_id)
        .join(area, area.id == Anomaly.area_id)
        .where(
            visible(actor),
            Anomaly.area_path.startswith(city.path, autoescape=True),
            of_period,
        )
    )
    for name in ("kind", "status"):
        if filters.get(name) is not None:
            query = query.where(getattr(Anomaly, name) == filters[name])
    scoped = scoped_query(
        query,
        actor=actor,
        permission=Permission.ANOMALY_READ,
        area_path=Anomaly.area_path,
        within_area_id=filters.get("area_id"),
    )

    def cells(row: Row[Any]) -> list[Any]:
        outcome = ReviewOutcome(row.outcome) if row.outcome is not None else None
        return [
            row.id,
            KIND_LABELS[AnomalyKind(row.kind)],
            row.day,
            row.member,
            row.area,
            row.record_id,
            row.summary,
            STATUS_LABELS[AnomalyStatus(row.status)],
            OUTCOMES[outcome] if outcome is not None else None,
            row.review_note,
            row.reviewed_at,
            row.answer_note,
            row.answered_at,
            row.detected_at,
        ]

    return Source(scoped, key=(Anomaly.id,), cells=cells)


KIND = ExportKind(
    name="anomalies",
    title="异常复核",
    permission=Permission.ANOMALY_READ,
    filters=AnomalyExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
)
