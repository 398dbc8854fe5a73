"""The declared list pages: each one's listing and actions are real API operations (so a page
cannot drift from the API), each page opens for those with its permission and is 404 for
others, and the menu shows each user only what they may open."""

from __future__ import annotations

import re

import pytest
from flask import Flask
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.access.permissions import Permission
from sunshine.console.lists import PAGES
from sunshine.console.views import NAV
from sunshine.fake_wechat import FakeWeChat
from tests.builders import City, make_city, shanghai_day
from tests.console.conftest import log_in
from tests.steps import day_shift, login_as

_PARAM = re.compile(r"\{[^}]+\}")


def _operations(app: Flask) -> set[tuple[str, str]]:
    with app.test_request_context():
        spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    return {
        (method.upper(), _PARAM.sub("{}", path))
        for path, operations in spec["paths"].items()
        for method in operations
        if method in {"get", "post", "put", "patch", "delete"}
    }


@pytest.mark.parametrize("key", sorted(PAGES))
def test_list_page_calls_only_documented_operations(app: Flask, key: str) -> None:
    operations = _operations(app)
    page = PAGES[key]

    assert ("GET", _PARAM.sub("{}", page.endpoint)) in operations
    for action in page.actions:
        assert (action.method, _PARAM.sub("{}", action.path)) in operations, action.label
    if page.create is not None:
        assert ("POST", _PARAM.sub("{}", page.create.path)) in operations
        assert page.create.permission in {p.value for p in Permission}


def test_every_list_page_is_in_the_menu() -> None:
    assert set(PAGES) <= {key for key, _, _ in NAV}


def test_menu_and_pages_follow_the_users_permissions(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.community)
    org_browser, secretary_browser = app.test_client(), app.test_client()
    log_in(org_browser, client, org)
    log_in(secretary_browser, client, secretary)

    org_menu = org_browser.get("/console/").get_data(as_text=True)
    secretary_menu = secretary_browser.get("/console/").get_data(as_text=True)

    assert 'data-page="imports"' in org_menu and 'data-page="grants"' in org_menu
    assert 'data-page="imports"' not in secretary_menu
    assert 'data-page="grants"' not in secretary_menu
    assert 'data-page="records"' in secretary_menu
    assert 'data-page="security"' not in org_menu  # the system administrator's
    assert org_browser.get("/console/list/grants").status_code == 200
    assert org_browser.get("/console/list/periods").status_code == 200
    assert secretary_browser.get("/console/list/grants").status_code == 404
    assert secretary_browser.get("/console/imports").status_code == 404
    assert org_browser.get("/console/list/security").status_code == 404
    assert org_browser.get("/console/list/nothing").status_code == 404


def test_a_call_ups_page_opens_for_its_admins_only(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, street = login_as(client, fake_wechat, Role.STREET_ADMIN, city.street)
    elsewhere = make_city("介休市")
    _, other_street = login_as(client, fake_wechat, Role.STREET_ADMIN, elsewhere.street)
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.community)
    shift_id = day_shift(client, street, city.community, shanghai_day(3))
    made = client.post(
        "/api/v1/call-ups",
        headers=street,
        json={
            "area_id": city.street.id,
            "title": "文明城市迎检",
            "day": shanghai_day(3).isoformat(),
            "posts": [{"shift_id": shift_id, "places": 1}],
        },
    )
    assert made.status_code == 201, made.json
    page = f"/console/call-ups/{made.json['id']}"
    browsers = {}
    for name, headers in (("street", street), ("other", other_street), ("secretary", secretary)):
        browsers[name] = app.test_client()
        log_in(browsers[name], client, headers)

    opened = browsers["street"].get(page)
    assert opened.status_code == 200
    assert f'data-call-up="{made.json["id"]}"' in opened.get_data(as_text=True)
    for name in ("other", "secretary"):
        refused = browsers[name].get(page)
        assert refused.status_code == 404
        assert "不在您的管辖范围内" in refused.get_data(as_text=True)
    assert browsers["street"].get("/console/call-ups/999999").status_code == 404
    exports = browsers["secretary"].get("/console/list/exports")
    assert exports.status_code == 200 and "我的导出" in exports.get_data(as_text=True)
