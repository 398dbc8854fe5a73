"""A unit's feedback as a printable PDF (A4 landscape): the heading, the counts, the table.

reportlab lays it out with the Chinese font the statements embed (``STATEMENT_FONT_PATH``,
registered once per process by ``statements.pdf.font_name``; missing: 503
``statement.font_missing``, the same operator's fix). The table's header row repeats on
every page; every page's footer says which version of which unit's feedback it is, and its
page number, so loose printed pages can be put back together.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import BaseDocTemplate

from sunshine.feedback.views import Line
from sunshine.statements.pdf import day_text, font_name, hours_text

TITLE = "党员双报到情况反馈"
SYSTEM = "党员到社区报到服务（一米阳光）"
HEADERS = [
    "序号",
    "姓名",
    "报到社区",
    "本周期报到",
    "服务次数",
    "服务时长（小时）",
    "考核评价",
    "达标情况",
]
WIDTHS = [14, 30, 62, 24, 22, 32, 26, 26]  # mm, 236 of the 257 between the margins


@dataclass(frozen=True)
class Document:
    """What the PDF shows (built by the route's view)."""

    unit_name: str
    period_text: str
    version: int
    issued_on: date
    members: int
    shown: int
    unauthorized: int
    compliant: int
    behind: int
    zero_service: int
    not_reported: int
    lines: Sequence[Line]


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _row(i: int, line: Line, cell: ParagraphStyle) -> list[object]:
    name = Paragraph(_escape(line.name), cell)
    if not line.authorized:
        return [str(i), name, line.shown_as or "", "", "", "", "", ""]
    return [
        str(i),
        name,
        Paragraph(_escape(line.area_name or ""), cell),
        "是" if line.reported_in else "否",
        str(line.services),
        hours_text(line.minutes or 0),
        line.grade_label or "未评价",
        line.status_label or "",
    ]


def _table(doc: Document, font: str, cell: ParagraphStyle) -> Table:
    rows: list[list[object]] = [list(HEADERS)]
    spans = []
    for i, line in enumerate(doc.lines, start=1):
        rows.append(_row(i, line, cell))
        if not line.authorized:
            spans.append(("SPAN", (2, i), (-1, i)))
    table = Table(rows, colWidths=[w * mm for w in WIDTHS], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (0, -1), "CENTER"),
                ("ALIGN", (2, 0), (-1, -1), "CENTER"),
                *spans,
            ]
        )
    )
    return table


def render(doc: Document, *, font_path: str) -> bytes:
    """The feedback as PDF bytes: as many A4 landscape pages as its members need."""
    font = font_name(font_path)
    base = ParagraphStyle("body", fontName=font, fontSize=11, leading=18, wordWrap="CJK")
    title = ParagraphStyle("title", parent=base, fontSize=18, leading=26, alignment=TA_CENTER)
    cell = ParagraphStyle("cell", parent=base, fontSize=9.5, leading=12)
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=landscape(A4),
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=16 * mm,
        bottomMargin=18 * mm,
        title=f"{TITLE} {doc.unit_name} {doc.period_text}",
        author=SYSTEM,
        creator=SYSTEM,
    )
    summary = (
        f"{_escape(doc.unit_name)}：本单位在 {doc.period_text} 计入统计的党员 {doc.members} 人，"
        f"其中达标 {doc.compliant} 人、未达标 {doc.behind} 人、零服务 {doc.zero_service} 人、"
        f"未报到 {doc.not_reported} 人。以下列出同意向单位反馈的 {doc.shown} 人的明细；"
        f"未同意（或已撤回同意）的 {doc.unauthorized} 人显示为“未授权”。"
    )
    story = [
        Paragraph(TITLE, title),
        Spacer(1, 3 * mm),
        Paragraph(summary, base),
        Paragraph(f"第 {doc.version} 版，反馈日期：{day_text(doc.issued_on)}", base),
        Spacer(1, 4 * mm),
        _table(doc, font, cell),
    ]
    footer_text = f"{TITLE}  {doc.unit_name}  {doc.period_text}  第 {doc.version} 版"

    def footer(canvas: Canvas, template: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(
            landscape(A4)[0] / 2, 9 * mm, f"{footer_text}  第 {canvas.getPageNumber()} 页"
        )
        canvas.restoreState()

    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
