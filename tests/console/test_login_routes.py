"""Console login: a one-time ticket shown as a mini-program code, confirmed by an admin's
mini-program, exchanged once for a cookie session by the browser that asked for it; the
session's CSRF token, idle limit and logout."""

from __future__ import annotations

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.auth.current import CSRF_HEADER, SESSION_COOKIE
from sunshine.console.models import LoginTicket
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.security.models import SecurityEvent
from tests.builders import City
from tests.console.conftest import Later, confirm, log_in, open_login_page, poll
from tests.steps import login_as


def _events(action: str) -> list[tuple[str, str | None]]:
    rows = db.session.execute(
        select(SecurityEvent.outcome, SecurityEvent.reason)
        .where(SecurityEvent.action == action)
        .order_by(SecurityEvent.id)
    )
    return [(outcome, reason) for outcome, reason in rows]


def test_org_admin_logs_in_by_ticket_and_the_cookie_reads_the_api(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    account, phone_headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    browser = app.test_client()
    ticket = open_login_page(browser)
    assert poll(browser, ticket) == (202, {"status": "pending"})

    assert confirm(client, phone_headers, ticket) == (200, None)
    status, body = poll(browser, ticket)

    assert (status, body["next"]) == (200, "/console/")
    me = browser.get("/api/v1/me")
    assert me.status_code == 200
    assert me.json["account"]["id"] == account.id
    assert browser.get("/console/").status_code == 200
    assert _events("console_confirm") == [("success", None)]
    assert _events("console_login") == [("success", None)]


def test_login_code_is_a_mini_program_code_of_the_confirmation_page(
    app: Flask, fake_wechat: FakeWeChat, city: City
) -> None:
    browser = app.test_client()
    ticket = open_login_page(browser)

    image = browser.get(f"/console/login/{ticket}/code.png")

    assert image.status_code == 200
    assert image.mimetype.startswith("image/")
    assert image.data


def test_ticket_is_exchanged_once(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, phone_headers = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.community)
    browser = app.test_client()
    ticket = open_login_page(browser)
    assert confirm(client, phone_headers, ticket) == (200, None)
    assert poll(browser, ticket)[0] == 200

    # The nonce cookie went with the session: the page cannot ask again, and a copy of the
    # nonce finds the ticket used.
    assert poll(browser, ticket)[0] == 404
    assert confirm(client, phone_headers, ticket) == (409, "console.ticket_used")


def test_confirming_twice_is_refused(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, phone_headers = login_as(client, fake_wechat, Role.STREET_ADMIN, city.street)
    ticket = open_login_page(app.test_client())
    assert confirm(client, phone_headers, ticket) == (200, None)

    assert confirm(client, phone_headers, ticket) == (409, "console.ticket_used")


def test_member_without_admin_grant_cannot_confirm(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, member_headers = login_as(client, fake_wechat, None)
    browser = app.test_client()
    ticket = open_login_page(browser)

    assert confirm(client, member_headers, ticket) == (403, "console.not_admin")

    assert poll(browser, ticket) == (202, {"status": "pending"})
    row = db.session.scalar(select(LoginTicket).where(LoginTicket.ticket == ticket))
    assert row is not None and row.confirmed_by is None
    assert _events("console_confirm") == [("failure", "console.not_admin")]


def test_expired_ticket_is_refused_to_the_phone_and_the_browser(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City, later: Later
) -> None:
    _, phone_headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    browser = app.test_client()
    ticket = open_login_page(browser)
    later.by(minutes=2, seconds=1)

    assert confirm(client, phone_headers, ticket) == (410, "console.ticket_expired")
    status, body = poll(browser, ticket)
    assert (status, body["code"]) == (410, "console.ticket_expired")
    assert browser.get(f"/console/login/{ticket}/code.png").status_code == 410


def test_another_browser_cannot_take_the_session(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    """Whoever photographs the code learns the ticket, not the browser's nonce cookie."""
    _, phone_headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    ticket = open_login_page(app.test_client())
    assert confirm(client, phone_headers, ticket) == (200, None)
    stranger = app.test_client()
    open_login_page(stranger)  # a nonce of its own, for another ticket

    status, body = poll(stranger, ticket)

    assert (status, body["code"]) == (404, "console.ticket_unknown")
    assert stranger.get_cookie(SESSION_COOKIE) is None


def test_unknown_ticket_is_404(app: Flask, client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    _, member_headers = login_as(client, fake_wechat, None)
    assert confirm(client, member_headers, "A" * 24)[0] in {403, 404}
    browser = app.test_client()
    open_login_page(browser)
    assert poll(browser, "B" * 24)[0] == 404


def test_change_with_cookie_needs_the_csrf_token(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, phone_headers = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, city.community)
    browser = app.test_client()
    csrf = log_in(browser, client, phone_headers)

    refused = browser.post("/console/logout")
    forged = browser.post("/console/logout", headers={CSRF_HEADER: "0" * 64})

    assert (refused.status_code, refused.json["code"]) == (403, "auth.csrf")
    assert (forged.status_code, forged.json["code"]) == (403, "auth.csrf")
    assert _events("console_request") == [("failure", "auth.csrf"), ("failure", "auth.csrf")]
    assert browser.get("/api/v1/me").status_code == 200  # still logged in
    ok = browser.post("/console/logout", headers={CSRF_HEADER: csrf})
    assert ok.status_code == 200


def test_logout_ends_the_session(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City
) -> None:
    _, phone_headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    browser = app.test_client()
    csrf = log_in(browser, client, phone_headers)
    raw = browser.get_cookie(SESSION_COOKIE)
    assert raw is not None

    assert browser.post("/console/logout", headers={CSRF_HEADER: csrf}).status_code == 200

    assert browser.get_cookie(SESSION_COOKIE) is None
    replay = app.test_client()
    replay.set_cookie(SESSION_COOKIE, raw.value)
    assert replay.get("/api/v1/me").json["code"] == "auth.invalid_token"
    assert replay.get("/console/").status_code == 302
    assert _events("console_logout") == [("success", None)]


def test_session_ends_after_30_idle_minutes_and_use_keeps_it(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat, city: City, later: Later
) -> None:
    _, phone_headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    browser = app.test_client()
    log_in(browser, client, phone_headers)

    later.by(minutes=25)
    assert browser.get("/api/v1/me").status_code == 200  # used: the idle clock restarts
    later.by(minutes=25)
    assert browser.get("/console/").status_code == 200
    later.by(minutes=30, seconds=1)

    expired = browser.get("/api/v1/me")
    assert (expired.status_code, expired.json["code"]) == (401, "auth.idle_timeout")
    page = browser.get("/console/")
    assert (page.status_code, page.headers["Location"]) == (302, "/console/login")


def test_bearer_token_is_not_bound_by_the_idle_limit(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, later: Later
) -> None:
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, city.city)
    later.by(hours=2)
    assert client.get("/api/v1/me", headers=headers).status_code == 200


def test_console_without_session_goes_to_login(app: Flask) -> None:
    page = app.test_client().get("/console/")
    assert (page.status_code, page.headers["Location"]) == (302, "/console/login")


def test_pages_load_nothing_from_outside(app: Flask, fake_wechat: FakeWeChat) -> None:
    page = app.test_client().get("/console/login")
    policy = page.headers["Content-Security-Policy"]
    assert "default-src 'self'" in policy and "frame-ancestors 'none'" in policy
    assert "http" not in page.get_data(as_text=True).split("<body", 1)[1].replace("http-equiv", "")
    cookie = page.headers["Set-Cookie"]
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie
