"""The console's pages over HTTP: who may open the check-in code page, the QR renderer."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import City
from tests.console.conftest import log_in
from tests.steps import login_as, published_shift


def test_code_page_opens_for_the_tasks_secretary_and_is_404_for_another(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.community)
    _, stranger = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.other_community)
    _, shift_id = published_shift(client, secretary, city.community, starts_in=timedelta(hours=1))
    own, other = app.test_client(), app.test_client()
    log_in(own, client, secretary)
    log_in(other, client, stranger)

    page = own.get(f"/console/shifts/{shift_id}/checkin")
    refused = other.get(f"/console/shifts/{shift_id}/checkin")
    unknown = own.get("/console/shifts/999999/checkin")

    assert page.status_code == 200 and f'data-shift="{shift_id}"' in page.get_data(as_text=True)
    assert refused.status_code == unknown.status_code == 404
    assert "不在您的管辖范围内" in refused.get_data(as_text=True)


def test_qr_renderer_needs_a_session_and_bounded_text(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.community)
    browser = app.test_client()
    assert app.test_client().get("/console/qr.svg?text=abc").status_code == 401
    log_in(browser, client, secretary)

    drawn = browser.get("/console/qr.svg?text=abc")
    empty = browser.get("/console/qr.svg?text=")
    long = browser.get("/console/qr.svg?text=" + "a" * 257)

    assert drawn.status_code == 200 and drawn.mimetype == "image/svg+xml"
    assert b"<svg" in drawn.data
    assert (empty.status_code, empty.json["code"]) == (422, "request.invalid")
    assert long.status_code == 422


def test_echarts_is_served_by_the_app(app: Flask) -> None:
    """Installed by scripts/install-console-assets (scripts/test runs it), never from a CDN."""
    response = app.test_client().get("/console/vendor/echarts.min.js")
    assert response.status_code == 200, "run scripts/install-console-assets"
    assert b"echarts" in response.data[:2000]
    response.close()
    assert app.test_client().get("/console/vendor/other.js").status_code == 404
