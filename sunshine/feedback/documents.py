"""The downloads of a feedback version: its PDF here; its xlsx is the export kind
``unit_feedback`` (``exports/kinds/unit_feedback.py``), written from the same lines."""

from __future__ import annotations

from flask import current_app

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.audit.models import Period, PeriodKind
from sunshine.extensions import db
from sunshine.feedback import pdf, views
from sunshine.feedback.models import UnitFeedback, UnitFeedbackLine
from sunshine.security.service import Origin


def period_text(period: Period) -> str:
    """A period as people name it: 2025年度, 2025年上半年, 2025年第3季度, else its dates."""
    year = period.starts_on.year
    if period.kind == PeriodKind.YEAR:
        return f"{year}年度"
    if period.kind == PeriodKind.HALF and period.starts_on.month in (1, 7):
        return f"{year}年{'上' if period.starts_on.month == 1 else '下'}半年"
    if period.kind == PeriodKind.QUARTER and period.starts_on.month in (1, 4, 7, 10):
        return f"{year}年第{(period.starts_on.month - 1) // 3 + 1}季度"
    return f"{period.starts_on.isoformat()} 至 {period.ends_on.isoformat()}"


def title_of(feedback: UnitFeedback) -> str:
    """The heading a download carries: unit, period, version."""
    period = period_text(feedback.period)
    return f"{feedback.unit.name} {period} 双报到反馈（第 {feedback.version} 版）"


def pdf_for(*, actor: Actor, feedback_id: int, origin: Origin | None) -> tuple[str, bytes]:
    """(file name, PDF) of a version for its readers; logged as a download."""
    feedback = views.readable(actor, feedback_id)
    query = views.lines_query(feedback.id).order_by(UnitFeedbackLine.id)
    lines = [views.line_of(row) for row in db.session.execute(query)]
    shown = sum(1 for line in lines if line.authorized)
    document = pdf.Document(
        unit_name=feedback.unit.name,
        period_text=period_text(feedback.period),
        version=feedback.version,
        issued_on=clock.local_date(feedback.issued_at),
        members=feedback.members,
        shown=shown,
        unauthorized=feedback.members - shown,
        compliant=feedback.compliant,
        behind=feedback.behind,
        zero_service=feedback.zero_service,
        not_reported=feedback.not_reported,
        lines=lines,
    )
    content = pdf.render(document, font_path=current_app.config["STATEMENT_FONT_PATH"])
    views.log(actor, origin, "unit_feedback.download", feedback, format="pdf", lines=len(lines))
    return f"unit-feedback-{feedback.id}.pdf", content
