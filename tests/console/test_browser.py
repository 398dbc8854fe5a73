"""The console in a real browser: an org admin logs in by the ticket flow and the dashboard
draws its charts; a community admin sees only their own community; a secretary shows a
shift's rotating check-in code full screen and it changes after a step; another community's
admin cannot open it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from flask.testing import FlaskClient
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait

from sunshine import clock
from sunshine.access.models import Role
from sunshine.attendance.codes import STEP_SECONDS
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import AreaLevel
from tests.builders import City, add_area, add_reported_members, make_city
from tests.conftest import Clock
from tests.console.browser import chromium, screenshot, served
from tests.steps import login_as, published_shift

pytestmark = pytest.mark.browser


@pytest.fixture
def base_url(race_app: Flask) -> Iterator[str]:
    with served(race_app) as url:
        yield url


def log_in_browser(
    driver: webdriver.Chrome, base_url: str, phone: FlaskClient, headers: dict[str, str]
) -> None:
    """Open the login page, confirm its ticket as the admin's mini-program would, wait for the
    page to take the session and go to the dashboard."""
    driver.get(f"{base_url}/console/login")
    ticket = driver.find_element(By.ID, "login").get_attribute("data-ticket")
    confirmed = phone.post(f"/api/v1/console/tickets/{ticket}/confirm", headers=headers)
    assert confirmed.status_code == 200, confirmed.json
    db.session.close()  # SQLite: an open read of this thread's would hold the server back
    WebDriverWait(driver, 15).until(lambda d: d.current_url.rstrip("/").endswith("/console"))


def _chart_points(driver: webdriver.Chrome, element_id: str) -> int:
    """How many bars the chart drew (0 until ECharts has drawn it)."""
    return int(
        driver.execute_script(
            "var el = document.getElementById(arguments[0]);"
            "return window.echarts && window.echarts.getInstanceByDom(el)"
            " && el.querySelector('canvas') ? Number(el.dataset.points || 0) : 0;",
            element_id,
        )
    )


def test_org_admin_logs_in_and_the_dashboard_draws_its_charts(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place: City = make_city()
    second_street = add_area(place.city, AreaLevel.STREET, "振兴街道")
    add_reported_members(place, place.community, 6)
    add_reported_members(place, add_area(second_street, AreaLevel.COMMUNITY, "东关社区"), 4)
    phone = race_app.test_client()
    _, headers = login_as(phone, fake_wechat, Role.ORG_ADMIN, place.city)
    year = clock.today().year
    made = phone.post(
        f"/api/v1/cities/{place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=headers,
    )
    assert made.status_code == 201, made.json
    db.session.close()  # SQLite: an open read of this thread's would hold the server back

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, headers)
        WebDriverWait(driver, 20).until(lambda d: _chart_points(d, "chart-areas") == 2)
        WebDriverWait(driver, 20).until(lambda d: _chart_points(d, "chart-months") >= 1)
        WebDriverWait(driver, 20).until(lambda d: _chart_points(d, "chart-units") == 1)
        assert driver.find_element(By.ID, "kpi-members").text == "10"
        assert driver.find_element(By.ID, "error").get_attribute("hidden") is not None
        screenshot(driver, "dashboard")

        driver.find_element(By.ID, "logout").click()
        WebDriverWait(driver, 10).until(lambda d: "/console/login" in d.current_url)
        driver.get(f"{base_url}/console/")
        assert "/console/login" in driver.current_url


def test_community_admin_sees_only_their_community(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place: City = make_city("汾阳市")
    add_reported_members(place, place.community, 3)
    add_reported_members(place, place.other_community, 5)
    phone = race_app.test_client()
    _, org = login_as(phone, fake_wechat, Role.ORG_ADMIN, place.city)
    year = clock.today().year
    phone.post(
        f"/api/v1/cities/{place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=org,
    )
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, secretary)
        WebDriverWait(driver, 20).until(
            lambda d: d.find_element(By.ID, "kpi-members").text not in {"", "—"}
        )
        assert driver.find_element(By.ID, "kpi-members").text == "5"
        assert not driver.find_element(By.ID, "chart-units").is_displayed()


def test_secretary_shows_the_rotating_code_full_screen_and_it_changes_after_a_step(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    place: City = make_city("介休市")
    phone = race_app.test_client()
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = published_shift(
        phone, secretary, place.community, starts_in=timedelta(minutes=10)
    )
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, secretary)
        driver.get(f"{base_url}/console/shifts/{shift_id}/checkin")
        qr = driver.find_element(By.ID, "qr")
        WebDriverWait(driver, 15).until(lambda d: qr.get_attribute("data-code"))
        first = qr.get_attribute("data-code")
        WebDriverWait(driver, 10).until(
            lambda d: d.execute_script(
                "var i = document.getElementById('qr'); return i.complete && i.naturalWidth > 0;"
            )
        )
        assert driver.find_element(By.ID, "shift-title").text != "签到码"
        screenshot(driver, "checkin-code")

        clock.set(clock.now + timedelta(seconds=STEP_SECONDS))  # the next step, on the server
        WebDriverWait(driver, 15).until(lambda d: qr.get_attribute("data-code") != first)


def test_another_communitys_admin_cannot_open_the_code_page(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place: City = make_city("平遥县")
    phone = race_app.test_client()
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = published_shift(
        phone, secretary, place.community, starts_in=timedelta(minutes=10)
    )
    _, stranger = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, stranger)
        driver.get(f"{base_url}/console/shifts/{shift_id}/checkin")
        assert driver.find_elements(By.ID, "qr") == []
        error = driver.find_element(By.ID, "page-error")
        assert error.get_attribute("data-status") == "404"
        assert "不在您的管辖范围内" in error.text
