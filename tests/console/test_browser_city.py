"""Issue 17's pages in a real browser: a community admin approves a unit's report-in,
countersigns its agreement and confirms its project done; the organization department reads
the residents' needs figures with a rated wish counted, creates a city body and reads a
detachment's roster; a body admin logs in, sees their scope and their body's tasks."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import Select, WebDriverWait

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from tests.builders import (
    add_body,
    add_reported_members,
    make_account,
    make_city,
    make_party_org,
    member_id_of,
    token_for,
)
from tests.console.browser import chromium, screenshot, served
from tests.console.test_browser import log_in_browser
from tests.console.test_browser_community import _wait_text
from tests.steps import login_as, post_shift, publish, task_body

pytestmark = pytest.mark.browser

Headers = dict[str, str]


@pytest.fixture
def base_url(race_app: Flask) -> Iterator[str]:
    with served(race_app) as url:
        yield url


def _ok(response: Any, status: int = 200) -> Any:
    """The response's body, once it is the status expected."""
    body = response.json
    assert response.status_code == status, body
    db.session.close()  # SQLite: an open read of this thread's would hold the server back
    return body


def _click(driver: webdriver.Chrome, table: str, label: str) -> None:
    driver.find_element(By.XPATH, f"//table[@id='{table}']//button[text()='{label}']").click()


def test_community_admin_approves_a_unit_countersigns_and_confirms_its_project_done(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place = make_city("孝义市")
    party_org = make_party_org(place.unit, "人民医院党委", "committee")
    sent = [member_id_of(a) for a in add_reported_members(place, place.community, 2)]
    phone = race_app.test_client()
    _, unit = login_as(phone, fake_wechat, Role.UNIT_ADMIN, place.unit)
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    unit_id, unit_name = place.unit.id, place.unit.name
    made = _ok(
        phone.post(
            "/api/v1/unit-report-ins",
            json={
                "unit_id": place.unit.id,
                "party_org_id": party_org.id,
                "community_id": place.community.id,
            },
            headers=unit,
        ),
        201,
    )
    report_in = f"/api/v1/unit-report-ins/{made['id']}"

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, secretary)
        driver.get(f"{base_url}/console/list/unit-report-ins")
        _wait_text(driver, "rows", "待审批")
        assert not driver.find_element(By.ID, "create").is_displayed()  # the unit reports in
        _click(driver, "rows", "批准")
        _wait_text(driver, "notice", "批准：已完成")
        _wait_text(driver, "rows", "已报到")
        screenshot(driver, "unit-report-ins")
        assert _ok(phone.get(report_in, headers=secretary))["status"] == "active"

        # The unit writes its agreement and runs a project with two of its members.
        _ok(
            phone.put(
                f"{report_in}/agreement",
                json={
                    "starts_on": "2026-01-01",
                    "ends_on": "2026-12-31",
                    "text": "共建文明社区，每月开展义诊",
                    "resources": [
                        {"kind": "people", "name": "医护志愿者", "quantity": 12, "measure": "人"},
                        {"kind": "vehicles", "name": "救护车", "quantity": 1, "measure": "辆"},
                    ],
                },
                headers=unit,
            )
        )
        project = _ok(
            phone.post(
                f"{report_in}/projects",
                json={
                    "title": "周末义诊",
                    "description": "每月第一个周六在社区广场义诊",
                    "planned_from": "2026-12-05",
                    "planned_to": "2026-12-31",
                },
                headers=unit,
            ),
            201,
        )
        _ok(phone.post(f"/api/v1/unit-projects/{project['id']}/start", headers=unit))
        _ok(
            phone.put(
                f"/api/v1/unit-projects/{project['id']}/members",
                json={"member_ids": sent},
                headers=unit,
            )
        )

        driver.find_element(By.LINK_TEXT, "协议与项目").click()
        _wait_text(driver, "resources", "救护车")
        _wait_text(driver, "agreement", "社区尚未会签")
        driver.find_element(By.ID, "countersign").click()
        _wait_text(driver, "notice", "已会签共建协议")
        _wait_text(driver, "agreement", "社区已会签")
        assert not driver.find_element(By.ID, "countersign").is_displayed()
        _wait_text(driver, "projects", "进行中")
        _click(driver, "projects", "确认完成")
        _wait_text(driver, "notice", "已确认项目“周末义诊”完成")
        _wait_text(driver, "projects", "已完成")
        screenshot(driver, "unit-report-in")

        # The unit's yearly report counts the project; the community it served reads it.
        report = _ok(
            phone.post(
                f"/api/v1/units/{unit_id}/yearly-reports",
                json={"year": clock.today().year, "text": "全年在府前社区开展义诊\n共派出党员两人"},
                headers=unit,
            ),
            201,
        )
        driver.get(f"{base_url}/console/list/unit-yearly-reports")
        _wait_text(driver, "rows", unit_name)
        driver.find_element(By.LINK_TEXT, "查看").click()
        _wait_text(driver, "report-text", "共派出党员两人")
        _wait_text(driver, "projects-done", "1")
        _wait_text(driver, "members-sent", "2")
        assert driver.current_url.endswith(f"/console/unit-yearly-reports/{report['id']}")
        screenshot(driver, "unit-yearly-report")

    assert _ok(phone.get(f"{report_in}/agreement", headers=unit))["confirmed_at"]
    done = _ok(phone.get(f"/api/v1/unit-projects/{project['id']}", headers=unit))
    assert done["status"] == "done" and done["done_at"]


def _rated_wish(phone: FlaskClient, community_id: int, secretary: Headers) -> None:
    """A resident's wish to the community, accepted, done and rated 满意."""
    resident = token_for(make_account().id)
    wish = _ok(
        phone.post(
            "/api/v1/me/needs",
            data={"community_id": str(community_id), "kind": "wish", "content": "想学用智能手机"},
            content_type="multipart/form-data",
            headers=resident,
        ),
        201,
    )
    _ok(phone.post(f"/api/v1/needs/{wish['id']}/accept", headers=secretary))
    _ok(phone.patch(f"/api/v1/needs/{wish['id']}", json={"status": "done"}, headers=secretary))
    _ok(
        phone.post(
            f"/api/v1/me/needs/{wish['id']}/rating", json={"rating": "satisfied"}, headers=resident
        ),
        201,
    )


def test_org_admin_reads_the_needs_figures_creates_a_body_and_reads_a_detachment(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place = make_city("孝义市")
    members = [member_id_of(a) for a in add_reported_members(place, place.community, 2)]
    phone = race_app.test_client()
    _, org = login_as(phone, fake_wechat, Role.ORG_ADMIN, place.city)
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    city_id, street_name, community_name = place.city.id, place.street.name, place.community.name
    _rated_wish(phone, place.community.id, secretary)
    detachment = _ok(
        phone.post(
            f"/api/v1/cities/{city_id}/detachments",
            json={"name": "党员先锋支队", "leader_member_id": members[0], "member_ids": members},
            headers=org,
        ),
        201,
    )

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, org)
        driver.find_element(By.CSS_SELECTOR, "nav a[data-page='need_stats']").click()
        _wait_text(driver, "figures", street_name)
        total = driver.find_elements(By.CSS_SELECTOR, "#figures tbody tr")[0].text
        # 提交 1, 已答复 1 … 已受理 1, 已办结 1, 按期率, 办结率, 评价数 1, 满意率 100%.
        assert "（合计）" in total and total.endswith("1 100.0%"), total
        WebDriverWait(driver, 15).until(
            lambda d: (
                d.execute_script("return document.getElementById('chart-rates').dataset.points;")
                == "1"
            )
        )
        driver.find_element(By.XPATH, f"//table[@id='figures']//td[text()='{street_name}']").click()
        _wait_text(driver, "figures", community_name)
        _wait_text(driver, "area-name", street_name)
        screenshot(driver, "need-stats")

        driver.get(f"{base_url}/console/list/bodies")
        WebDriverWait(driver, 15).until(lambda d: d.find_element(By.ID, "create").is_displayed())
        driver.find_element(By.CSS_SELECTOR, "#create [name=name]").send_keys("新时代文明实践中心")
        Select(driver.find_element(By.CSS_SELECTOR, "#create [name=kind]")).select_by_value(
            "practice_centre"
        )
        driver.find_element(By.CSS_SELECTOR, "#create button[type=submit]").click()
        _wait_text(driver, "notice", "新增机构：已完成")
        _wait_text(driver, "rows", "新时代文明实践中心")
        screenshot(driver, "bodies")
        driver.find_element(By.LINK_TEXT, "任务与数据").click()
        _wait_text(driver, "body-title", "新时代文明实践中心")
        _wait_text(driver, "tasks", "没有数据")

        driver.get(f"{base_url}/console/list/detachments")
        _wait_text(driver, "rows", "党员先锋支队")
        driver.find_element(By.LINK_TEXT, "名单与时长").click()
        _wait_text(driver, "roster", "（队长）")
        _wait_text(driver, "team-hours", "支队合计 0.0 小时")
        assert len(driver.find_elements(By.CSS_SELECTOR, "#roster tbody tr")) == 2
        screenshot(driver, "detachment")

    (body,) = _ok(phone.get(f"/api/v1/cities/{city_id}/bodies", headers=org))
    assert body["name"] == "新时代文明实践中心" and body["kind"] == "practice_centre"
    assert detachment["member_count"] == 2


def test_a_body_admin_logs_in_and_sees_their_scope_and_tasks(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place = make_city("孝义市")
    centre = add_body(place.city, "孝义市新时代文明实践中心")
    centre_id = centre.id
    phone = race_app.test_client()
    _, body_admin = login_as(phone, fake_wechat, Role.BODY_ADMIN, centre)
    task = task_body(place.city, visibility="city", title="学雷锋志愿服务")
    task.pop("area_id")
    posted = _ok(
        phone.post(f"/api/v1/bodies/{centre_id}/tasks", json=task, headers=body_admin), 201
    )
    post_shift(phone, body_admin, int(posted["id"]))
    publish(phone, body_admin, int(posted["id"]))
    db.session.close()

    with chromium() as driver:
        driver.get(f"{base_url}/console/login")
        ticket = driver.find_element(By.ID, "login").get_attribute("data-ticket")
        _ok(phone.post(f"/api/v1/console/tickets/{ticket}/confirm", headers=body_admin))
        # The dashboard's figures are not a body's: the console opens at the body's page.
        WebDriverWait(driver, 15).until(
            lambda d: d.current_url.endswith(f"/console/bodies/{centre_id}")
        )
        scope = driver.find_element(By.CSS_SELECTOR, ".who .scope").text
        assert scope == "机构管理员 · 孝义市新时代文明实践中心"
        _wait_text(driver, "tasks", "学雷锋志愿服务")
        _wait_text(driver, "tasks", "已发布")
        _wait_text(driver, "tasks-published", "1")
        _wait_text(driver, "places", "5 / 0")
        menu = [a.text for a in driver.find_elements(By.CSS_SELECTOR, "nav.sidebar a")]
        assert "本机构任务" in menu and "市级机构" not in menu and "需求清单" not in menu
        screenshot(driver, "body")
