"""The unit feedback in the console, in a real browser: the org department issues it from the
page, the unit's admin opens it, downloads the sheet (consenting members in detail, the others
未授权) and finds the printable PDF."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sunshine.access.models import Role
from sunshine.extensions import db
from tests.console.browser import chromium, screenshot, served
from tests.console.test_browser import log_in_browser
from tests.feedback.conftest import FeedbackWorld

pytestmark = pytest.mark.browser


@pytest.fixture
def base_url(race_app: Flask) -> Iterator[str]:
    with served(race_app) as url:
        yield url


def _text(driver: object, element_id: str) -> str:
    text: str = driver.execute_script(  # type: ignore[attr-defined]
        "return document.getElementById(arguments[0]).innerText;", element_id
    )
    return text


def test_org_issues_and_the_unit_admin_downloads_its_feedback(
    race_app: Flask, world: FeedbackWorld, base_url: str, tmp_path: Path
) -> None:
    unit_admin = world.admin(Role.UNIT_ADMIN, world.u1)
    unit_name, other_unit = world.u1.name, world.u2.name
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, world.client, world.org_admin)
        driver.get(f"{base_url}/console/list/unit-feedback")
        WebDriverWait(driver, 15).until(lambda d: d.find_element(By.ID, "create").is_displayed())
        driver.find_element(By.CSS_SELECTOR, "#create button[type=submit]").click()
        WebDriverWait(driver, 15).until(lambda d: "已完成" in _text(d, "notice"))
        WebDriverWait(driver, 15).until(lambda d: unit_name in _text(d, "rows"))
    db.session.close()

    with chromium(downloads=tmp_path) as driver:
        log_in_browser(driver, base_url, world.client, unit_admin)
        driver.get(f"{base_url}/console/list/unit-feedback")
        WebDriverWait(driver, 15).until(lambda d: unit_name in _text(d, "rows"))
        assert other_unit not in _text(driver, "rows")  # another unit's is not listed
        pdf = driver.find_element(By.CSS_SELECTOR, "#rows a.file-link")
        assert pdf.get_attribute("href").endswith("/pdf")
        screenshot(driver, "unit-feedback")
        driver.find_element(By.CSS_SELECTOR, "#rows button.action").click()  # 导出 Excel
        WebDriverWait(driver, 15).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#notice a.file-link")
        )
        driver.find_element(By.CSS_SELECTOR, "#notice a.file-link").click()
        WebDriverWait(driver, 20).until(lambda d: list(tmp_path.glob("*.xlsx")))

    (sheet_path,) = tmp_path.glob("*.xlsx")
    workbook = openpyxl.load_workbook(sheet_path, read_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    header, lines = rows[0], rows[1:]
    consent = header.index("授权情况")
    assert sorted(line[consent] for line in lines) == [
        "已授权",
        "已授权",
        "已授权",
        "未授权",
        "未授权",
    ]
