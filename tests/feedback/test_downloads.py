"""The unit admin's downloads: the xlsx (the export kind ``unit_feedback``, read back with
openpyxl) and the printable PDF (read back with pypdf), both with consenting members in
detail and the rest 未授权; another unit's is refused; each download is logged."""

from __future__ import annotations

import io
from typing import Any

import pypdf
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.security.models import SecurityEvent
from tests.exports.conftest import ask, exported, file_bytes, formulas, header, rows
from tests.feedback.conftest import FeedbackWorld

HEADERS = [
    "党员编号",
    "姓名",
    "授权情况",
    "报到社区",
    "本周期报到",
    "服务次数",
    "服务时长（小时）",
    "考核评价",
    "达标情况",
]


def _u1(world: FeedbackWorld) -> dict[str, Any]:
    return world.issued()[world.u1.id]


def _text(content: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, "".join(text.split())


def test_the_unit_admin_downloads_the_sheet(world: FeedbackWorld) -> None:
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)

    sheet = exported(world.client, admin, "unit_feedback", feedback_id=feedback["id"])

    assert header(sheet) == HEADERS and sheet.freeze_panes == "A2"
    lines = {world.label_of(line["党员编号"].value): line for line in rows(sheet)}
    assert set(lines) == {"a", "b", "c", "d", "e"}
    a = {k: cell.value for k, cell in lines["a"].items()}
    assert a == {
        "党员编号": world.members["a"],
        "姓名": "党员a",
        "授权情况": "已授权",
        "报到社区": world.c1.name,
        "本周期报到": "是",
        "服务次数": 3,
        "服务时长（小时）": 6,
        "考核评价": "优秀",
        "达标情况": "达标",
    }
    assert lines["a"]["服务次数"].data_type == "n"
    assert lines["a"]["服务时长（小时）"].data_type == "n"
    assert lines["b"]["服务时长（小时）"].value == 3 and lines["e"]["考核评价"].value == "未评价"
    for label in ("c", "d"):
        values = {k: cell.value for k, cell in lines[label].items()}
        assert values["姓名"] == f"党员{label}"
        assert values["授权情况"] == values["报到社区"] == values["达标情况"] == "未授权"
        assert values["服务次数"] is None and values["服务时长（小时）"] is None
    assert sheet.oddHeader.center.text is not None and world.u1.name in sheet.oddHeader.center.text


def test_the_sheet_follows_a_withdrawal(world: FeedbackWorld) -> None:
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)
    world.consent("b", False)

    sheet = exported(world.client, admin, "unit_feedback", feedback_id=feedback["id"])

    lines = {world.label_of(line["党员编号"].value): line for line in rows(sheet)}
    assert lines["b"]["授权情况"].value == "未授权" and lines["b"]["服务次数"].value is None


def test_another_unit_cannot_export_it(world: FeedbackWorld) -> None:
    feedback = _u1(world)
    other = world.admin(Role.UNIT_ADMIN, world.u2)

    refused = ask(world.client, other, "unit_feedback", feedback_id=feedback["id"])
    unknown = ask(world.client, other, "unit_feedback", feedback_id=999_999)

    assert (refused.status_code, refused.json["code"]) == (404, "unit_feedback.not_found")
    assert (unknown.status_code, unknown.json["code"]) == (404, "unit_feedback.not_found")
    assert refused.json["message"] == unknown.json["message"]


def test_no_formula_from_user_text(world: FeedbackWorld) -> None:
    world.member("z", world.c1, world.u1)
    from sunshine.members.models import Member

    db.session.get_one(Member, world.members["z"]).name = "=HYPERLINK(1)"
    db.session.commit()
    world.consent("z", True)
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)
    body = ask(world.client, admin, "unit_feedback", feedback_id=feedback["id"]).json

    data = file_bytes(world.client, admin, body["id"])

    assert formulas(data) == []


def test_the_unit_admin_downloads_the_printable_pdf(world: FeedbackWorld) -> None:
    for n in range(40):  # enough members for a second page
        world.member(f"x{n}", world.c2, world.u1)
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)

    response = world.feedback(feedback["id"], admin, "/pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert "attachment" in response.headers["Content-Disposition"]
    reader, text = _text(response.data)
    assert len(reader.pages) >= 2
    for page in reader.pages:  # every page says whose feedback it is, and its number
        assert world.u1.name in "".join(page.extract_text().split())
    assert "党员双报到情况反馈" in text
    assert f"计入统计的党员{feedback['members']}人" in text
    assert f"的{feedback['members'] - 3}人显示为“未授权”" in text
    assert "党员a" in text and "优秀" in text and "达标" in text
    assert text.count("未授权") >= feedback["members"] - 3
    assert "第2页" in text


def test_downloads_are_in_the_security_log(world: FeedbackWorld) -> None:
    feedback = _u1(world)
    admin = world.admin(Role.UNIT_ADMIN, world.u1)

    assert world.feedback(feedback["id"], admin, "/pdf").status_code == 200
    exported(world.client, admin, "unit_feedback", feedback_id=feedback["id"])

    actions = db.session.scalars(
        select(SecurityEvent.action).where(
            SecurityEvent.action.in_(["unit_feedback.download", "export.download"])
        )
    ).all()
    assert sorted(actions) == ["export.download", "unit_feedback.download"]
