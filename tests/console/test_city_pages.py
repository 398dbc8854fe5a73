"""The console's pages of issue 17 over HTTP: the menu shows each to holders of its permission,
a page opened without it is 404, a page about one object is 404 outside the user's scope
(as the API answers), and a body admin's scope is named and their body's page is their start."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import add_body, make_city
from tests.cobuilding.conftest import Scene, admin, scene  # noqa: F401  (the fixture)
from tests.console.conftest import confirm, open_login_page, poll

NEW_PAGES = {
    "need_stats": "/console/need-stats",
    "unit-report-ins": "/console/list/unit-report-ins",
    "unit-projects": "/console/list/unit-projects",
    "unit-yearly-reports": "/console/list/unit-yearly-reports",
    "bodies": "/console/list/bodies",
    "detachments": "/console/list/detachments",
}


def _browser(app: Flask, client: FlaskClient, headers: dict[str, str]) -> FlaskClient:
    """A browser logged in to the console as ``headers``' account (the ticket flow)."""
    browser = app.test_client()
    ticket = open_login_page(browser)
    assert confirm(client, headers, ticket) == (200, None)
    assert poll(browser, ticket)[0] == 200
    return browser


def _menu(browser: FlaskClient) -> set[str]:
    page = browser.get("/console/list/exports").get_data(as_text=True)
    return {key for key in (*NEW_PAGES, "body", "needs") if f'data-page="{key}"' in page}


def _opens(browser: FlaskClient) -> set[str]:
    return {key for key, url in NEW_PAGES.items() if browser.get(url).status_code == 200}


def test_each_new_page_is_shown_and_opened_only_with_its_permission(
    app: Flask,
    scene: Scene,  # noqa: F811
) -> None:
    org = _browser(app, scene.client, scene.org_admin)
    street = _browser(app, scene.client, scene.street_admin)
    community = _browser(app, scene.client, scene.community_admin)
    unit = _browser(app, scene.client, scene.unit_admin)
    cobuilding = {"unit-report-ins", "unit-projects", "unit-yearly-reports"}

    assert _menu(org) == _opens(org) | {"needs"} == set(NEW_PAGES) | {"needs"}
    assert _menu(street) - {"needs"} == _opens(street) == cobuilding | {"need_stats"}
    assert _menu(community) - {"needs"} == _opens(community) == cobuilding | {"need_stats"}
    # A unit admin neither answers nor reads residents' needs, nor keeps bodies or detachments.
    assert _menu(unit) == _opens(unit) == cobuilding
    for browser in (street, community, unit):
        assert browser.get("/console/list/bodies").status_code == 404
        assert browser.get("/console/list/detachments").status_code == 404
        assert browser.get("/console/body").status_code == 404


def test_a_report_in_and_a_yearly_report_open_only_in_scope(
    app: Flask,
    scene: Scene,  # noqa: F811
) -> None:
    report_in_id = scene.admitted()
    report = scene.client.post(
        f"/api/v1/units/{scene.place.unit.id}/yearly-reports",
        json={"year": 2026, "text": "全年开展义诊十二次"},
        headers=scene.unit_admin,
    )
    assert report.status_code == 201, report.json
    pages = (
        f"/console/unit-report-ins/{report_in_id}",
        f"/console/unit-yearly-reports/{report.json['id']}",
    )
    readers = [scene.community_admin, scene.street_admin, scene.org_admin, scene.unit_admin]
    strangers = [scene.neighbour_admin, scene.other_unit_admin]

    for headers in readers:
        browser = _browser(app, scene.client, headers)
        assert [browser.get(page).status_code for page in pages] == [200, 200]
    opened = _browser(app, scene.client, scene.community_admin).get(pages[0])
    assert f'data-report-in="{report_in_id}"' in opened.get_data(as_text=True)
    for headers in strangers:
        browser = _browser(app, scene.client, headers)
        refused = browser.get(pages[0])
        assert refused.status_code == 404 and "不在您的管辖范围内" in refused.get_data(as_text=True)
        assert browser.get(pages[1]).status_code == 404
    own = _browser(app, scene.client, scene.unit_admin)
    assert own.get("/console/unit-report-ins/999999").status_code == 404
    assert own.get("/console/unit-yearly-reports/999999").status_code == 404


def test_a_body_admin_sees_their_scope_and_starts_at_their_bodys_page(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    centre = add_body(place.city, "新时代文明实践中心")
    station = add_body(place.city, "城区实践站")
    body_admin = _browser(app, client, admin(Role.BODY_ADMIN, centre))
    org = _browser(app, client, admin(Role.ORG_ADMIN, place.city))
    secretary = _browser(app, client, admin(Role.COMMUNITY_ADMIN, place.community))
    other_city = make_city("汾阳市")
    other_org = _browser(app, client, admin(Role.ORG_ADMIN, other_city.city))

    start = body_admin.get("/console/")
    assert start.status_code == 302 and start.location.endswith("/console/body")
    to_body = body_admin.get("/console/body")
    assert to_body.status_code == 302 and to_body.location.endswith(f"/console/bodies/{centre.id}")
    page = body_admin.get(f"/console/bodies/{centre.id}").get_data(as_text=True)
    assert "机构管理员 · 新时代文明实践中心" in page
    assert f'data-body="{centre.id}"' in page and 'data-page="body"' in page
    assert 'data-page="bodies"' not in page and 'data-page="needs"' not in page
    # Another body of the city, the organization department's list: not the body admin's.
    assert body_admin.get(f"/console/bodies/{station.id}").status_code == 404
    assert body_admin.get("/console/list/bodies").status_code == 404
    assert body_admin.get("/console/need-stats").status_code == 404
    # The organization department reads every body of its city, from its list.
    assert org.get(f"/console/bodies/{station.id}").status_code == 200
    assert org.get("/console/").status_code == 200  # its dashboard, not a body's page
    for browser in (secretary, other_org):
        assert browser.get(f"/console/bodies/{centre.id}").status_code == 404
    assert org.get("/console/bodies/999999").status_code == 404


def test_a_detachments_page_is_the_organization_departments_of_its_city(
    app: Flask,
    scene: Scene,  # noqa: F811
) -> None:
    made = scene.client.post(
        f"/api/v1/cities/{scene.place.city.id}/detachments",
        json={"name": "党员先锋支队", "member_ids": scene.member_ids[:2]},
        headers=scene.org_admin,
    )
    assert made.status_code == 201, made.json
    page = f"/console/detachments/{made.json['id']}"
    other_org = admin(Role.ORG_ADMIN, make_city("介休市").city)

    opened = _browser(app, scene.client, scene.org_admin).get(page)
    assert opened.status_code == 200
    assert f'data-detachment="{made.json["id"]}"' in opened.get_data(as_text=True)
    for headers in (other_org, scene.street_admin, scene.community_admin):
        assert _browser(app, scene.client, headers).get(page).status_code == 404
