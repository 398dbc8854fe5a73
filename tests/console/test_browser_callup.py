"""A street admin adjusts a call-up's proposal in a real browser before confirming it: from
the call-ups list to the call-up's page, one proposed member removed, another assigned by hand,
then confirmed; the call-up's assignments over the API are exactly that. The call-up's
exported list is then on the admin's own exports page, with its download link."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from tests.builders import add_reported_members, make_city, member_id_of, shanghai_day
from tests.console.browser import chromium, screenshot, served
from tests.console.test_browser import log_in_browser
from tests.console.test_browser_community import _wait_text
from tests.steps import day_shift, login_as

pytestmark = pytest.mark.browser

CALLUPS = "/api/v1/call-ups"


@pytest.fixture
def base_url(race_app: Flask) -> Iterator[str]:
    with served(race_app) as url:
        yield url


def test_street_admin_removes_and_adds_an_assignment_then_confirms(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place = make_city("汾阳市")
    members = {member_id_of(a) for a in add_reported_members(place, place.community, 3)}
    phone = race_app.test_client()
    _, street = login_as(phone, fake_wechat, Role.STREET_ADMIN, place.street)
    day = shanghai_day(3)
    shift_id = day_shift(phone, street, place.community, day, capacity=5)
    made = phone.post(
        CALLUPS,
        headers=street,
        json={
            "area_id": place.street.id,
            "title": "文明城市迎检",
            "day": day.isoformat(),
            "posts": [{"shift_id": shift_id, "places": 2}],
        },
    )
    assert made.status_code == 201, made.json
    call_up_id, post_id = made.json["id"], made.json["posts"][0]["id"]
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, street)
        driver.get(f"{base_url}/console/list/call-ups")
        _wait_text(driver, "rows", "生成方案")
        driver.find_element(By.XPATH, "//table[@id='rows']//button[text()='生成方案']").click()
        _wait_text(driver, "rows", "确认方案")
        driver.find_element(By.LINK_TEXT, "查看与调整").click()
        WebDriverWait(driver, 15).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#assignments tbody tr")) == 2
        )
        proposed = phone.get(f"{CALLUPS}/{call_up_id}", headers=street).json["assignments"]
        db.session.close()
        assert len(proposed) == 2
        removed = proposed[0]["member"]["id"]
        (left_out,) = members - {a["member"]["id"] for a in proposed}

        driver.find_element(By.CSS_SELECTOR, "#assignments tbody tr button").click()
        _wait_text(driver, "notice", "已移除")
        WebDriverWait(driver, 15).until(
            lambda d: len(d.find_elements(By.CSS_SELECTOR, "#assignments tbody tr")) == 1
        )
        driver.find_element(By.ID, "assign-member").send_keys(str(left_out))
        driver.find_element(By.ID, "assign-submit").click()
        _wait_text(driver, "notice", "已安排")
        _wait_text(driver, "assignments", "手工")
        screenshot(driver, "call-up")
        driver.find_element(By.ID, "confirm").click()
        _wait_text(driver, "notice", "动员已确认")
        _wait_text(driver, "call-up-summary", "已确认")

        # The call-up's list, exported at once, is on the admin's own exports page.
        export = phone.post(
            "/api/v1/exports",
            headers=street,
            json={"kind": "call_up_assignments", "filters": {"call_up_id": call_up_id}},
        )
        assert export.status_code == 202 and export.json["status"] == "done", export.json
        db.session.close()
        driver.get(f"{base_url}/console/list/exports")
        _wait_text(driver, "rows", "已完成")
        link = driver.find_element(By.LINK_TEXT, "下载文件").get_attribute("href")
        assert link == f"{base_url}/api/v1/exports/{export.json['id']}/file"

    final = phone.get(f"{CALLUPS}/{call_up_id}", headers=street).json
    assert final["status"] == "confirmed"
    placed = {a["member"]["id"]: a["source"] for a in final["assignments"]}
    assert placed == {proposed[1]["member"]["id"]: "proposed", left_out: "manual"}
    assert removed not in placed
    assert {a["post_id"] for a in final["assignments"]} == {post_id}
    assert {a["answer"] for a in final["assignments"]} == {"pending"}
