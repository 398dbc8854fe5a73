"""Logging in to the console as a browser would: the login page, the mini-program's
confirmation through the API, the poll that turns the ticket into the session cookie."""

from __future__ import annotations

import re
from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from sunshine import clock
from sunshine.auth.current import SESSION_COOKIE

_TICKET = re.compile(r'data-ticket="([A-Za-z0-9]{24})"')
_CSRF = re.compile(r'<meta name="csrf-token" content="([0-9a-f]{64})">')


def open_login_page(browser: FlaskClient) -> str:
    """The login page in ``browser``: the ticket its code shows."""
    page = browser.get("/console/login")
    assert page.status_code == 200
    found = _TICKET.search(page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


def poll(browser: FlaskClient, ticket: str) -> tuple[int, dict[str, object]]:
    response = browser.post(f"/console/login/{ticket}/session")
    return response.status_code, response.json or {}


def confirm(client: FlaskClient, headers: dict[str, str], ticket: str) -> tuple[int, str | None]:
    response = client.post(f"/api/v1/console/tickets/{ticket}/confirm", headers=headers)
    body = response.json or {}
    return response.status_code, body.get("code")


def log_in(browser: FlaskClient, phone: FlaskClient, headers: dict[str, str]) -> str:
    """The whole login: the session is in ``browser``'s cookies; returns the page's CSRF
    token (read from the dashboard, as the page's script reads it)."""
    ticket = open_login_page(browser)
    assert confirm(phone, headers, ticket) == (200, None)
    status, body = poll(browser, ticket)
    assert status == 200, body
    assert browser.get_cookie(SESSION_COOKIE) is not None
    return csrf_of(browser)


def csrf_of(browser: FlaskClient) -> str:
    page = browser.get("/console/")
    assert page.status_code == 200, page.status_code
    found = _CSRF.search(page.get_data(as_text=True))
    assert found is not None
    return found.group(1)


class Later:
    """``sunshine.clock.now`` moved forward by a chosen amount (tickets and sessions age)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.offset = timedelta()
        real = clock.now
        monkeypatch.setattr("sunshine.clock.now", lambda: real() + self.offset)

    def by(self, **delta: float) -> None:
        self.offset += timedelta(**delta)


@pytest.fixture
def later(monkeypatch: pytest.MonkeyPatch) -> Later:
    return Later(monkeypatch)
