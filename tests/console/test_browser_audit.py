"""The organisation department in a real browser: drilling compliance down from the city to
one member, exporting it to a file that downloads and opens, importing a roster."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import openpyxl
import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.jobs.runner import run_due
from sunshine.org.models import AreaLevel
from sunshine.roster.models import RosterEntry
from tests.builders import City, add_area, add_reported_members, count, csv_bytes, make_city
from tests.console.browser import chromium, screenshot, served
from tests.console.test_browser import log_in_browser
from tests.steps import login_as

HEADER = ["姓名", "手机号", "单位", "党组织"]

pytestmark = pytest.mark.browser


@pytest.fixture
def base_url(race_app: Flask) -> Iterator[str]:
    with served(race_app) as url:
        yield url


def _rows(driver: webdriver.Chrome, table: str) -> list[str]:
    """The rows' text as the page shows it now (read in one go: the page redraws tables)."""
    rows: list[str] = driver.execute_script(
        "var t = document.getElementById(arguments[0]);"
        "return t.hidden ? [] : Array.from(t.querySelectorAll('tbody tr.clickable'))"
        ".map(function (r) { return r.innerText; });",
        table,
    )
    return rows


def _click_row(driver: webdriver.Chrome, table: str, starting: str) -> None:
    """Click the first row of ``table`` whose text starts with ``starting``, once shown."""
    WebDriverWait(driver, 15).until(
        lambda d: any(text.startswith(starting) for text in _rows(d, table))
    )
    driver.execute_script(
        "var rows = document.querySelectorAll('#' + arguments[0] + ' tbody tr.clickable');"
        "for (var i = 0; i < rows.length; i++) {"
        "  if (rows[i].innerText.indexOf(arguments[1]) === 0) { rows[i].click(); return; } }",
        table,
        starting,
    )


def test_org_admin_drills_down_to_a_member_and_exports_compliance(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat, tmp_path: Path
) -> None:
    place: City = make_city("孝义市")
    east = add_area(place.city, AreaLevel.STREET, "振兴街道")
    add_reported_members(place, place.community, 3)
    add_reported_members(place, add_area(east, AreaLevel.COMMUNITY, "东关社区"), 2)
    phone = race_app.test_client()
    _, headers = login_as(phone, fake_wechat, Role.ORG_ADMIN, place.city)
    year = clock.today().year
    made = phone.post(
        f"/api/v1/cities/{place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=headers,
    )
    assert made.status_code == 201, made.json
    street_name, community_name = place.street.name, place.community.name
    db.session.close()

    with chromium(downloads=tmp_path) as driver:
        log_in_browser(driver, base_url, phone, headers)
        driver.get(f"{base_url}/console/compliance")
        _click_row(driver, "groups", street_name)  # city → street
        _click_row(driver, "groups", community_name)  # street → community
        WebDriverWait(driver, 15).until(lambda d: len(_rows(d, "members")) == 3)
        crumbs = driver.find_element(By.ID, "crumbs").text
        assert street_name in crumbs and community_name in crumbs
        _click_row(driver, "members", "党员")  # community → member
        detail = driver.find_element(By.ID, "member-detail")
        WebDriverWait(driver, 15).until(lambda d: detail.is_displayed())
        assert "服务时长（小时）：0" in detail.text and "（零服务）" in detail.text
        screenshot(driver, "compliance")

        driver.find_element(By.ID, "export").click()
        status = driver.find_element(By.ID, "export-status")
        WebDriverWait(driver, 15).until(lambda d: "排队中" in status.text or "完成" in status.text)
        run_due(only="exports.run")  # what cron does every minute
        db.session.close()
        link = driver.find_element(By.ID, "export-link")
        WebDriverWait(driver, 20).until(lambda d: link.is_displayed())
        link.click()
        WebDriverWait(driver, 20).until(
            lambda d: [p for p in tmp_path.iterdir() if p.suffix == ".xlsx"]
        )

    (downloaded,) = [p for p in tmp_path.iterdir() if p.suffix == ".xlsx"]
    workbook = openpyxl.load_workbook(downloaded, read_only=True)
    try:
        rows = list(workbook.worksheets[0].iter_rows(values_only=True))
    finally:
        workbook.close()
    assert rows[0][:2] == ("党员编号", "姓名")
    assert len(rows) == 1 + 3  # the community shown: its three members


def test_org_admin_imports_a_roster_and_sees_the_row_errors_of_a_bad_one(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat, tmp_path: Path
) -> None:
    place: City = make_city("介休市")
    unit_name = place.unit.name
    phone = race_app.test_client()
    _, headers = login_as(phone, fake_wechat, Role.ORG_ADMIN, place.city)
    db.session.close()
    good, bad = tmp_path / "花名册.csv", tmp_path / "有错的花名册.csv"
    good.write_bytes(
        csv_bytes(
            [HEADER, ["张三", "13800000001", unit_name, ""], ["李四", "13800000002", unit_name, ""]]
        )
    )
    bad.write_bytes(csv_bytes([HEADER, ["王五", "1380000", unit_name, ""]]))

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, headers)
        driver.get(f"{base_url}/console/imports")
        driver.find_element(By.ID, "file").send_keys(str(good))
        driver.find_element(By.ID, "upload").click()
        WebDriverWait(driver, 15).until(
            lambda d: "导入成功：共 2 行，新增 2" in d.find_element(By.ID, "notice").text
        )

        driver.find_element(By.ID, "file").send_keys(str(bad))
        driver.find_element(By.ID, "upload").click()
        WebDriverWait(driver, 15).until(lambda d: d.find_element(By.ID, "rejected").is_displayed())
        assert "手机号" in driver.find_element(By.ID, "row-errors").text
        assert "未导入任何数据" in driver.find_element(By.ID, "error").text
        screenshot(driver, "imports")

    db.session.close()
    assert count(RosterEntry) == 2


def test_org_admin_locks_a_period_from_its_list_page(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place: City = make_city("灵石县")
    phone = race_app.test_client()
    _, headers = login_as(phone, fake_wechat, Role.ORG_ADMIN, place.city)
    last_year = clock.today().year - 1
    made = phone.post(
        f"/api/v1/cities/{place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{last_year}-01-01", "ends_on": f"{last_year}-12-31"},
        headers=headers,
    )
    assert made.status_code == 201, made.json
    period_id = made.json["id"]
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, headers)
        driver.find_element(By.CSS_SELECTOR, 'nav a[data-page="periods"]').click()
        WebDriverWait(driver, 15).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#rows button.action")
        )
        driver.find_element(By.CSS_SELECTOR, "#rows button.action").click()  # 锁定
        WebDriverWait(driver, 15).until(
            lambda d: "锁定：已完成" in d.find_element(By.ID, "notice").text
        )
        WebDriverWait(driver, 15).until(
            lambda d: (
                [b.text for b in d.find_elements(By.CSS_SELECTOR, "#rows button.action")]
                == ["解锁"]
            )
        )
        screenshot(driver, "periods")

    locked = phone.get(f"/api/v1/periods/{period_id}/requirement", headers=headers)
    assert locked.status_code == 200
    assert locked.json["period"]["locked_at"] is not None
