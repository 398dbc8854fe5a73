"""A statement as a PDF: reportlab lays it out, segno draws the QR code.

Chinese needs a font reportlab can embed: TrueType outlines (``.ttf``, or a ``.ttc``
collection, whose first face is used). ``STATEMENT_FONT_PATH`` names it; the default is
Debian's WenQuanYi Zen Hei, which ``scripts/install-system-packages`` installs. reportlab
embeds only the glyphs used (a statement is some tens of kilobytes). A missing or unreadable
font is a 503 with its own code, never a 500. The font is read once per process.

The QR code holds the public verification URL with the number and the code, so a phone's
camera opens the check directly; the number, the code and the URL are also printed, for
someone who types them.
"""

from __future__ import annotations

import io
import logging
import threading
from dataclasses import dataclass
from datetime import date

import segno
from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFError, TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Image, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle
from reportlab.platypus.doctemplate import BaseDocTemplate

from sunshine.errors import UpstreamUnavailable

log = logging.getLogger(__name__)

TITLE = "志愿服务记录证明"
SYSTEM = "党员到社区报到服务（一米阳光）"


class PdfUnavailable(UpstreamUnavailable):
    """The server cannot draw Chinese: its font is missing or unreadable (an operator's fix).
    A 503 like an unavailable outside service: what the app relies on is not there."""

    code = "statement.font_missing"
    message = "证明文件暂时无法生成（服务器缺少中文字体），请联系管理员"


@dataclass(frozen=True)
class Line:
    service_date: date
    activity_name: str
    place: str
    minutes: int


@dataclass(frozen=True)
class Document:
    """What the PDF shows (built by ``views``)."""

    number: str
    holder_name: str
    issuer_name: str
    starts_on: date
    ends_on: date
    services: int
    total_minutes: int
    issued_on: date
    code: str  # as printed, in groups
    verify_url: str  # the QR code's payload
    check_page: str  # the URL without the query, printed for typing
    lines: list[Line]


def hours_text(minutes: int) -> str:
    """Minutes as hours with at most two decimals: 150 → "2.5", 180 → "3"."""
    return f"{minutes / 60:.2f}".rstrip("0").rstrip(".")


def day_text(day: date) -> str:
    return f"{day.year}年{day.month}月{day.day}日"


def qr_png(payload: str) -> bytes:
    """The QR code of ``payload`` as a PNG (medium error correction, 4-module quiet zone)."""
    out = io.BytesIO()
    segno.make(payload, error="m", boost_error=False, micro=False).save(
        out, kind="png", scale=4, border=4
    )
    return out.getvalue()


_fonts: dict[str, str] = {}
_fonts_lock = threading.Lock()


def font_name(path: str) -> str:
    """Register the font at ``path`` once per process; its reportlab name."""
    with _fonts_lock:
        if path in _fonts:
            return _fonts[path]
        name = f"StatementFont{len(_fonts)}"
        try:
            pdfmetrics.registerFont(TTFont(name, path, subfontIndex=0))
        except (OSError, TTFError) as exc:
            log.error("statement font %s cannot be used: %s", path, exc)
            raise PdfUnavailable() from exc
        _fonts[path] = name
        return name


def _styles(font: str) -> dict[str, ParagraphStyle]:
    base = ParagraphStyle("body", fontName=font, fontSize=12, leading=21, wordWrap="CJK")
    return {
        "title": ParagraphStyle(
            "title", parent=base, fontSize=22, leading=30, alignment=TA_CENTER, spaceAfter=4
        ),
        "number": ParagraphStyle("number", parent=base, fontSize=10, alignment=TA_RIGHT),
        "body": ParagraphStyle("indented", parent=base, firstLineIndent=24),
        "cell": ParagraphStyle("cell", parent=base, fontSize=9.5, leading=13),
        "note": ParagraphStyle("note", parent=base, fontSize=9, leading=14),
        "plain": base,
    }


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _services_table(doc: Document, styles: dict[str, ParagraphStyle], font: str) -> Table:
    cell = styles["cell"]
    rows: list[list[object]] = [["序号", "服务日期", "活动名称", "服务地点", "时长（小时）"]]
    for i, line in enumerate(doc.lines, start=1):
        rows.append(
            [
                str(i),
                line.service_date.isoformat(),
                Paragraph(_escape(line.activity_name), cell),
                Paragraph(_escape(line.place), cell),
                hours_text(line.minutes),
            ]
        )
    rows.append(["合计", "", f"{doc.services} 次", "", hours_text(doc.total_minutes)])
    table = Table(rows, colWidths=[12 * mm, 26 * mm, 56 * mm, 54 * mm, 22 * mm], repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("FONTNAME", (0, 0), (-1, -1), font),
                ("FONTSIZE", (0, 0), (-1, -1), 9.5),
                ("GRID", (0, 0), (-1, -1), 0.5, colors.grey),
                ("BACKGROUND", (0, 0), (-1, 0), colors.HexColor("#F2F2F2")),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("ALIGN", (0, 0), (1, -1), "CENTER"),
                ("ALIGN", (-1, 0), (-1, -1), "CENTER"),
                ("SPAN", (0, -1), (1, -1)),
                ("SPAN", (2, -1), (3, -1)),
            ]
        )
    )
    return table


def _closing(doc: Document, styles: dict[str, ParagraphStyle]) -> Table:
    plain = styles["plain"]
    left = [
        Paragraph(f"出具单位：{_escape(doc.issuer_name)}", plain),
        Paragraph(f"出具日期：{day_text(doc.issued_on)}", plain),
        Spacer(1, 4 * mm),
        Paragraph(f"证明编号：{doc.number}", plain),
        Paragraph(f"核验码：{doc.code}", plain),
    ]
    right = [
        Image(io.BytesIO(qr_png(doc.verify_url)), width=34 * mm, height=34 * mm),
        Paragraph("扫码核验", ParagraphStyle("qr", parent=styles["note"], alignment=TA_CENTER)),
    ]
    table = Table([[left, right]], colWidths=[130 * mm, 40 * mm])
    table.setStyle(TableStyle([("VALIGN", (0, 0), (-1, -1), "TOP")]))
    return table


def render(doc: Document, *, font_path: str) -> bytes:
    """The statement as PDF bytes (A4, as many pages as its services need)."""
    font = font_name(font_path)
    styles = _styles(font)
    out = io.BytesIO()
    template = SimpleDocTemplate(
        out,
        pagesize=A4,
        leftMargin=20 * mm,
        rightMargin=20 * mm,
        topMargin=20 * mm,
        bottomMargin=20 * mm,
        title=f"{TITLE} {doc.number}",
        author=doc.issuer_name,
        subject=f"{doc.holder_name} {doc.starts_on.isoformat()} 至 {doc.ends_on.isoformat()}",
        creator=SYSTEM,
    )
    body = (
        f"兹证明 {_escape(doc.holder_name)} 同志于 {day_text(doc.starts_on)} 至 "
        f"{day_text(doc.ends_on)} 期间，参加 {_escape(doc.issuer_name)} 组织的志愿服务 "
        f"{doc.services} 次，经确认的服务时长合计 {hours_text(doc.total_minutes)} 小时。"
        "服务明细如下："
    )
    note = (
        f"本证明是{SYSTEM}系统出具的志愿服务记录证明，依据本系统中经出具单位确认的服务记录"
        "生成，只证明上表所列服务。真伪请扫描二维码，或访问 "
        f"{_escape(doc.check_page)} 输入证明编号与核验码核验；"
        "其中任何一条记录此后被作废或变更，本证明即失效。"
    )
    story = [
        Paragraph(TITLE, styles["title"]),
        Paragraph(f"编号：{doc.number}", styles["number"]),
        Spacer(1, 6 * mm),
        Paragraph(body, styles["body"]),
        Spacer(1, 4 * mm),
        _services_table(doc, styles, font),
        Spacer(1, 6 * mm),
        Paragraph(note, styles["note"]),
        Spacer(1, 8 * mm),
        _closing(doc, styles),
    ]

    def footer(canvas: Canvas, template: BaseDocTemplate) -> None:
        canvas.saveState()
        canvas.setFont(font, 8)
        canvas.drawCentredString(
            A4[0] / 2, 10 * mm, f"{TITLE}  {doc.number}  第 {canvas.getPageNumber()} 页"
        )
        canvas.restoreState()

    template.build(story, onFirstPage=footer, onLaterPages=footer)
    return out.getvalue()
