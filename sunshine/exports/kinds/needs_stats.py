"""需求办理情况: the figures of ``GET /needs/stats`` as a sheet, one row per child area and the
area's total.

Nothing is counted here: the rows are ``needs.stats.stats``'s own figures (its permission
check, its period rule and defaults, its roll-up from communities to streets and the city),
written as they are. The same gate as the figures' route (``NEED_ANSWER`` somewhere), then
``stats`` authorizes ``NEED_READ`` over the area (another scope's area: 403). A few hundred
rows at most (a city's streets, a street's communities): written at once.
"""

from __future__ import annotations

from typing import Any

from marshmallow import fields

from sunshine.access.permissions import Actor, Permission, require_somewhere
from sunshine.api import ID, DateSpan
from sunshine.exports.registry import ExportKind, Filters, Listed
from sunshine.exports.xlsx import Cell, Column, Layout
from sunshine.needs import stats
from sunshine.org import service as org

COLUMNS = (
    Column("区域", 18),
    Column("提交", 8, Cell.INTEGER),
    Column("已答复", 8, Cell.INTEGER),
    Column("已受理", 8, Cell.INTEGER),
    Column("已办结", 8, Cell.INTEGER),
    Column("按期办结", 9, Cell.INTEGER),
    Column("评价数", 8, Cell.INTEGER),
    Column("满意", 8, Cell.INTEGER),
    Column("基本满意", 9, Cell.INTEGER),
    Column("不满意", 8, Cell.INTEGER),
    Column("响应时长中位数（小时）", 12, Cell.DECIMAL),
    Column("平均响应时长（小时）", 12, Cell.DECIMAL),
    Column("办结率", 9, Cell.PERCENT),
    Column("按期办结率", 10, Cell.PERCENT),
    Column("满意率", 9, Cell.PERCENT),
)


class NeedStatsExportArgs(DateSpan):
    date_span = ("starts_on", "ends_on")
    area_id = fields.Integer(required=True, validate=ID)
    starts_on = fields.Date(data_key="from", metadata={"description": "default: to − 364 days"})
    ends_on = fields.Date(data_key="to", metadata={"description": "default: today"})


def _figures(actor: Actor, filters: Filters) -> stats.Figures:
    require_somewhere(actor, Permission.NEED_ANSWER)
    return stats.stats(
        actor=actor,
        area_id=filters["area_id"],
        starts_on=filters.get("starts_on"),
        ends_on=filters.get("ends_on"),
    )


def check(actor: Actor, filters: Filters) -> None:
    """As ``GET /needs/stats``: 404 unknown area, 422 a grid or a bad period, 403 elsewhere."""
    _figures(actor, filters)


def _line(figures: stats.Figures, name: str) -> list[Any]:
    counts = figures.counts
    return [
        name,
        counts["submitted"],
        counts["answered"],
        counts["accepted"],
        counts["done"],
        counts["on_time"],
        counts["rated"],
        counts["satisfied"],
        counts["fairly_satisfied"],
        counts["dissatisfied"],
        figures.response_hours_median,
        figures.response_hours_average,
        figures.completion_rate,
        figures.on_time_rate,
        figures.satisfaction_rate,
    ]


def rows(actor: Actor, filters: Filters) -> Listed:
    total = _figures(actor, filters)
    lines = [_line(child, child.area.name) for child in total.children]
    return Listed([*lines, _line(total, f"{total.area.name}（合计）")])


def layout(filters: Filters) -> Layout:
    area = org.get_area(filters["area_id"])
    start, end = filters.get("starts_on"), filters.get("ends_on")
    period = f"（提交日期 {start} 至 {end}）" if start and end else ""
    return Layout(page_header=f"{area.name}需求办理情况{period}")


KIND = ExportKind(
    name="needs_stats",
    title="需求办理情况",
    permission=Permission.NEED_ANSWER,
    filters=NeedStatsExportArgs(),
    check=check,
    rows=rows,
    columns=COLUMNS,
    immediate=True,
    layout=layout,
)
