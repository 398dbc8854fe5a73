"""A community secretary's day in a real browser: approve a report-in, post a task with a
shift and open its check-in code from the list, confirm the records in bulk; an admin of
another community sees none of it."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from flask import Flask
from selenium import webdriver
from selenium.webdriver.common.by import By
from selenium.webdriver.support.ui import WebDriverWait
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.reportin.models import ReportIn, ReportInStatus
from tests.builders import City, add_reported_members, add_service_record, make_city, member_id_of
from tests.console.browser import chromium, screenshot, served
from tests.console.test_browser import log_in_browser
from tests.steps import login_as, published_shift

pytestmark = pytest.mark.browser


@pytest.fixture
def base_url(race_app: Flask) -> Iterator[str]:
    with served(race_app) as url:
        yield url


def _wait_text(driver: webdriver.Chrome, element_id: str, text: str) -> None:
    WebDriverWait(driver, 15).until(
        lambda d: (
            text
            in d.execute_script(
                "return document.getElementById(arguments[0]).innerText;", element_id
            )
        )
    )


def test_secretary_approves_posts_a_task_opens_its_code_and_confirms_records(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place: City = make_city("孝义市")
    (applicant,) = add_reported_members(place, place.community, 1, report_in="pending")
    workers = add_reported_members(place, place.community, 3)
    phone = race_app.test_client()
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = published_shift(phone, secretary, place.community, starts_in=timedelta(hours=1))
    record_ids = [add_service_record(member_id_of(a), shift_id) for a in workers]
    flagged = add_service_record(
        member_id_of(add_reported_members(place, place.community, 1)[0]),
        shift_id,
        flags=("forgot_checkout",),
    )
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, secretary)

        driver.get(f"{base_url}/console/report-ins")
        _wait_text(driver, "pending", "批准")
        driver.find_element(By.CSS_SELECTOR, "#pending button.approve").click()
        _wait_text(driver, "notice", "已批准")
        screenshot(driver, "report-ins")

        driver.get(f"{base_url}/console/tasks")
        WebDriverWait(driver, 15).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#category option")
        )
        start = clock.local(clock.now() + timedelta(minutes=20)).strftime("%Y-%m-%dT%H:%M")
        end = clock.local(clock.now() + timedelta(hours=2)).strftime("%Y-%m-%dT%H:%M")
        for name, value in {
            "title": "垃圾分类宣传",
            "address": "府前社区广场",
            "contact_name": "王书记",
            "contact_phone": "0358-7221234",
            "content": "向居民讲解垃圾分类",
        }.items():
            driver.find_element(By.NAME, name).send_keys(value)
        driver.execute_script(
            "document.querySelector('[name=starts_at]').value = arguments[0];"
            "document.querySelector('[name=ends_at]').value = arguments[1];",
            start,
            end,
        )
        driver.find_element(By.ID, "publish").click()
        _wait_text(driver, "notice", "已发布：垃圾分类宣传")
        _wait_text(driver, "tasks", "垃圾分类宣传")
        _wait_text(driver, "calendar", "垃圾分类宣传")  # this week's calendar shows the shift
        driver.find_element(By.ID, "month").click()
        _wait_text(driver, "calendar", "垃圾分类宣传")
        screenshot(driver, "tasks")
        links = driver.find_elements(By.CSS_SELECTOR, "#tasks a.code-link")
        newest = max(links, key=lambda a: int(a.get_attribute("href").split("/")[-2]))
        newest.click()
        WebDriverWait(driver, 15).until(
            lambda d: d.find_element(By.ID, "qr").get_attribute("data-code")
        )
        _wait_text(driver, "shift-title", "垃圾分类宣传")

        driver.get(f"{base_url}/console/records")
        _wait_text(driver, "records", "忘记签退")
        driver.find_element(By.ID, "select-all").click()
        assert driver.find_element(By.ID, "selected").text == "3"  # the flagged one is left
        screenshot(driver, "records")
        driver.find_element(By.ID, "confirm").click()
        _wait_text(driver, "notice", "已确认 3 条服务记录")

    db.session.close()
    report_in = db.session.scalar(
        select(ReportIn).where(ReportIn.member_id == member_id_of(applicant))
    )
    assert report_in is not None and report_in.status == ReportInStatus.ACTIVE
    statuses = {
        record_id: status
        for record_id, status in db.session.execute(select(ServiceRecord.id, ServiceRecord.status))
    }
    assert {statuses[i] for i in record_ids} == {RecordStatus.CONFIRMED}
    assert statuses[flagged] == RecordStatus.PENDING


def test_another_communitys_admin_sees_none_of_it(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place: City = make_city("汾阳市")
    add_reported_members(place, place.community, 1, report_in="pending")
    phone = race_app.test_client()
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = published_shift(phone, secretary, place.community, starts_in=timedelta(hours=1))
    (worker,) = add_reported_members(place, place.community, 1)
    add_service_record(member_id_of(worker), shift_id)
    _, stranger = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, stranger)
        for page, table in (("report-ins", "pending"), ("records", "records"), ("tasks", "tasks")):
            driver.get(f"{base_url}/console/{page}")
            _wait_text(driver, table, "没有数据")
        driver.get(f"{base_url}/console/shifts/{shift_id}/checkin")
        assert driver.find_element(By.ID, "page-error").get_attribute("data-status") == "404"


def test_secretary_grades_a_member_from_the_grading_page(
    race_app: Flask, base_url: str, fake_wechat: FakeWeChat
) -> None:
    place: City = make_city("交口县")
    (account,) = add_reported_members(place, place.community, 1)
    member_id = member_id_of(account)
    phone = race_app.test_client()
    _, org = login_as(phone, fake_wechat, Role.ORG_ADMIN, place.city)
    _, secretary = login_as(phone, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    year = clock.today().year
    period = phone.post(
        f"/api/v1/cities/{place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=org,
    )
    assert period.status_code == 201, period.json
    period_id, community_id = period.json["id"], place.community.id
    db.session.close()

    with chromium() as driver:
        log_in_browser(driver, base_url, phone, secretary)
        driver.find_element(By.CSS_SELECTOR, 'nav a[data-page="grading"]').click()
        WebDriverWait(driver, 15).until(
            lambda d: d.find_elements(By.CSS_SELECTOR, "#rows button.action")
        )
        driver.find_element(By.CSS_SELECTOR, "#rows button.action").click()  # 评定
        driver.find_element(By.CSS_SELECTOR, "#rows select[name=grade]").send_keys("优秀")
        driver.find_element(By.CSS_SELECTOR, "#rows input[name=comment]").send_keys("积极参加")
        driver.find_element(By.CSS_SELECTOR, "#rows button.primary").click()  # 确定评定
        _wait_text(driver, "notice", "评定：已完成")
        _wait_text(driver, "rows", "优秀")
        screenshot(driver, "grading")

    sheet = phone.get(
        f"/api/v1/periods/{period_id}/communities/{community_id}/evaluations", headers=secretary
    )
    (row,) = [r for r in sheet.json["items"] if r["member_id"] == member_id]
    assert (row["evaluation"]["grade"], row["evaluation"]["comment"]) == ("excellent", "积极参加")
