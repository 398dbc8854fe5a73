"""The unit's side of 单位报到 in a real browser: the unit admin reports in to a community from
the console, writes the co-building agreement with its resources list once the community has
approved, plans a project, sends two members and starts it. The community's side is
test_browser_city.py."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from tests.builders import add_reported_members, make_city, make_party_org, member_id_of
from tests.console.browser import chromium, screenshot, served
from tests.console.test_browser import log_in_browser
from tests.console.test_browser_city import _click, _ok
from tests.console.test_browser_community import _wait_text
from tests.steps import login_as

pytestmark = pytest.mark.browser


@pytest.fixture
def base_url(race_app: Flask) -> Iterator[str]:
    with served(race_app) as url:
        yield url


def _fill(driver: webdriver.Chrome, form: str, **values: str) -> None:
    """Type into the form's fields by name (dates set directly: their widget follows the
    browser's locale)."""
    for name, value in values.items():
        field = driver.find_element(By.CSS_SELECTOR, f"#{form} [name={name}]")
        if field.get_attribute("type") == "date":
            driver.execute_script("arguments[0].value = arguments[1];", field, value)
        else:
            field.send_keys(value)


def test_unit_admin_reports_in_writes_the_agreement_and_runs_a_project(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place = make_city("孝义市")
    party_org = make_party_org(place.unit, "人民医院党委", "committee")
    sent = [member_id_of(a) for a in add_reported_members(place, place.community, 2)]
    ids = {
        "unit_id": str(place.unit.id),
        "party_org_id": str(party_org.id),
        "community_id": str(place.community.id),
    }
    phone = race_app.test_client()
    _, unit = login_as(phone, fake_wechat, Role.UNIT_ADMIN, place.unit)
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, unit)
        driver.get(f"{base_url}/console/list/unit-report-ins")
        _fill(driver, "create", **ids)
        driver.find_element(By.CSS_SELECTOR, "#create button[type=submit]").click()
        _wait_text(driver, "notice", "到社区报到：已完成")
        _wait_text(driver, "rows", "待审批")
        assert not driver.find_elements(By.XPATH, "//button[text()='批准']")  # the community's
        (pending,) = _ok(phone.get("/api/v1/unit-report-ins", headers=unit))["items"]
        report_in = f"/api/v1/unit-report-ins/{pending['id']}"
        _ok(phone.post(f"{report_in}/approve", json={}, headers=secretary))

        driver.refresh()
        _wait_text(driver, "rows", "已报到")
        driver.find_element(By.LINK_TEXT, "协议与项目").click()
        _wait_text(driver, "agreement", "单位尚未提交共建协议")
        _fill(
            driver,
            "agreement-form",
            starts_on="2026-01-01",
            ends_on="2026-12-31",
            text="共建文明社区，每月开展义诊",
        )
        for kind, name, quantity, measure in (
            ("people", "医护志愿者", "12", "人"),
            ("funds", "活动经费", "5000", "元"),
        ):
            driver.find_element(By.ID, "add-resource").click()
            line = driver.find_elements(By.CSS_SELECTOR, "#resource-lines tbody tr")[-1]
            Select(line.find_element(By.NAME, "kind")).select_by_value(kind)
            line.find_element(By.NAME, "name").send_keys(name)
            line.find_element(By.NAME, "quantity").send_keys(quantity)
            line.find_element(By.NAME, "measure").send_keys(measure)
        driver.find_element(By.ID, "save-agreement").click()
        _wait_text(driver, "notice", "已保存共建协议")
        _wait_text(driver, "resources", "活动经费")
        _wait_text(driver, "agreement", "社区尚未会签")
        assert not driver.find_element(By.ID, "countersign").is_displayed()  # the community's
        screenshot(driver, "unit-agreement")

        driver.get(f"{base_url}/console/list/unit-projects")
        _fill(
            driver,
            "create",
            report_in_id=str(pending["id"]),
            title="周末义诊",
            planned_from="2026-12-05",
            planned_to="2026-12-31",
            description="每月第一个周六在社区广场义诊",
        )
        driver.find_element(By.CSS_SELECTOR, "#create button[type=submit]").click()
        _wait_text(driver, "notice", "新增项目：已完成")
        _wait_text(driver, "rows", "计划中")
        _click(driver, "rows", "派出党员")
        driver.find_element(By.CSS_SELECTOR, "#rows input[name=member_ids]").send_keys(
            "，".join(str(m) for m in sent)
        )
        _click(driver, "rows", "确定派出党员")
        _wait_text(driver, "notice", "派出党员：已完成")
        _click(driver, "rows", "开始")
        _wait_text(driver, "rows", "进行中")
        assert not driver.find_elements(By.XPATH, "//button[text()='确认完成']")  # the community's

    agreement = _ok(phone.get(f"{report_in}/agreement", headers=unit))
    assert [(r["kind"], r["quantity"], r["measure"]) for r in agreement["resources"]] == [
        ("people", 12, "人"),
        ("funds", 5000, "元"),
    ]
    (project,) = _ok(
        phone.get(f"/api/v1/unit-projects?report_in_id={pending['id']}", headers=unit)
    )["items"]
    assert project["status"] == "in_progress" and project["planned_from"] == "2026-12-05"
    assert sorted(m["id"] for m in project["members"]) == sorted(sent)
