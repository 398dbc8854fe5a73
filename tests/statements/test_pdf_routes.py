"""The statement as a PDF: read back with pypdf, it holds the number, the code, the names and
the services in Chinese, and a QR code of the public check; no font is a clear 503."""

from __future__ import annotations

import io
from typing import Any

import pypdf
import pytest
from flask import Flask
from PIL import Image

from sunshine.statements.pdf import qr_png
from tests.statements.conftest import Scene, days_ago


@pytest.fixture
def issued(scene: Scene) -> dict[str, Any]:
    scene.confirmed(days_ago(20), minutes=150)
    scene.confirmed(days_ago(10), minutes=90)
    return scene.issue(days_ago(30), days_ago(1))


def _read(content: bytes) -> tuple[pypdf.PdfReader, str]:
    reader = pypdf.PdfReader(io.BytesIO(content))
    text = "\n".join(page.extract_text() for page in reader.pages)
    return reader, "".join(text.split())  # pypdf breaks lines where the layout does


def test_the_pdf_holds_what_the_statement_says(scene: Scene, issued: dict[str, Any]) -> None:
    response = scene.get(f"/api/v1/me/statements/{issued['id']}/pdf")

    assert response.status_code == 200 and response.mimetype == "application/pdf"
    assert response.data.startswith(b"%PDF-")
    assert f"statement-{issued['number']}.pdf" in response.headers["Content-Disposition"]
    reader, text = _read(response.data)
    place = scene.place
    for expected in (
        "志愿服务记录证明",
        issued["number"],
        issued["verification_code"],
        "张三明",
        place.city.name + place.street.name + place.community.name,
        "合计4小时",
        days_ago(20).isoformat(),
        "2.5",
        "1.5",
        "http://127.0.0.1:5000/api/v1/statements/verify",
    ):
        assert expected in text, expected
    for item in issued["items"]:
        assert "".join(item["activity_name"].split()) in text
    assert "全国" not in text  # never a national volunteer certificate
    assert reader.metadata is not None and issued["number"] in str(reader.metadata.title)


def test_the_pdf_embeds_its_chinese_font(scene: Scene, issued: dict[str, Any]) -> None:
    reader, _ = _read(scene.get(f"/api/v1/me/statements/{issued['id']}/pdf").data)

    fonts = reader.pages[0]["/Resources"]["/Font"]  # type: ignore[index]
    descendants = [fonts[name].get_object() for name in fonts]  # type: ignore[index]
    embedded = [
        f for f in descendants if "/FontDescriptor" in f and "/FontFile2" in f["/FontDescriptor"]
    ]
    assert embedded, "the TrueType font is embedded (a subset)"


def test_the_qr_code_is_the_public_check_of_this_statement(
    scene: Scene, issued: dict[str, Any]
) -> None:
    reader, _ = _read(scene.get(f"/api/v1/me/statements/{issued['id']}/pdf").data)

    (image,) = [image for page in reader.pages for image in page.images]
    expected = Image.open(io.BytesIO(qr_png(issued["verify_url"])))
    assert image.image is not None
    assert image.image.size == expected.size
    assert image.image.convert("1").tobytes() == expected.convert("1").tobytes()
    other = Image.open(io.BytesIO(qr_png(issued["verify_url"].replace("code=", "code=X"))))
    assert image.image.convert("1").tobytes() != other.convert("1").tobytes()


def test_a_long_statement_runs_over_several_pages(scene: Scene) -> None:
    for n in range(45):
        scene.confirmed(days_ago(60 - n), minutes=60)
    statement = scene.issue(days_ago(90), days_ago(1))

    reader, text = _read(scene.get(f"/api/v1/me/statements/{statement['id']}/pdf").data)

    assert len(reader.pages) >= 2
    assert "合计45次" in text and "45小时" in text
    assert f"{statement['number']}第2页" in text


def test_a_missing_font_is_a_clear_503_not_a_500(
    scene: Scene, issued: dict[str, Any], app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "STATEMENT_FONT_PATH", "/nonexistent/font.ttc")

    response = scene.get(f"/api/v1/me/statements/{issued['id']}/pdf")

    assert response.status_code == 503
    assert response.json["code"] == "statement.font_missing"
    assert scene.get(f"/api/v1/me/statements/{issued['id']}").status_code == 200
