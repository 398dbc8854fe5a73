"""The security log: who may read it, what logins leave in it, and that it is append-only."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select, text
from sqlalchemy.exc import DBAPIError

from sunshine.access.models import Role
from sunshine.database import AppendOnlyError, utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.security import service as security
from sunshine.security.models import SecurityEvent
from tests.builders import City, make_account
from tests.steps import login, login_as

EVENTS = "/api/v1/security-events"
BEIJING = timezone(timedelta(hours=8))


def listed(client: FlaskClient, headers: dict[str, str], **query: Any) -> list[dict[str, Any]]:
    response = client.get(EVENTS, headers=headers, query_string={"limit": 100, **query})
    assert response.status_code == 200, response.json
    items: list[dict[str, Any]] = response.json["items"]
    return items


def fresh_event() -> SecurityEvent:
    event = security.record(action="test.event", detail={"n": 1})
    db.session.flush()
    return event


def action_of(event_id: int) -> str | None:
    return db.session.scalar(select(SecurityEvent.action).where(SecurityEvent.id == event_id))


# --- reading --------------------------------------------------------------------------------


def test_sys_admin_lists_login_events_newest_first(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    first, second = make_account(), make_account()
    login(client, fake_wechat, first.openid)
    login(client, fake_wechat, second.openid)

    items = listed(client, headers, action="login")

    assert [item["account_id"] for item in items] == [second.id, first.id, admin.id]
    assert [item["id"] for item in items] == sorted((item["id"] for item in items), reverse=True)
    assert all(item["outcome"] == "success" for item in items)
    assert items[0]["object_type"] == "account"
    assert items[0]["object_id"] == str(second.id)
    occurred = [datetime.fromisoformat(item["occurred_at"]) for item in items]
    assert all(moment.utcoffset() == timedelta(0) for moment in occurred)
    assert occurred == sorted(occurred, reverse=True)


def test_failed_login_is_logged_as_failure_without_an_account(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)

    refused = client.post("/api/v1/auth/login", json={"code": "nope"})
    assert refused.status_code == 401
    assert refused.json["code"] == "auth.invalid_code"

    [failure] = listed(client, headers, outcome="failure")
    assert failure["action"] == "login"
    assert failure["reason"] == "auth.invalid_code"
    assert failure["account_id"] is None
    assert failure["request_id"] == refused.headers["X-Request-ID"]


def test_security_events_filter_by_action_account_and_outcome(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    other = make_account()
    login(client, fake_wechat, other.openid)
    client.post("/api/v1/auth/login", json={"code": "nope"})

    assert {item["account_id"] for item in listed(client, headers, account_id=other.id)} == {
        other.id
    }
    assert {item["action"] for item in listed(client, headers, action="login")} == {"login"}
    assert [item["reason"] for item in listed(client, headers, outcome="failure")] == [
        "auth.invalid_code"
    ]
    successes = listed(client, headers, action="login", outcome="success")
    assert [item["account_id"] for item in successes] == [other.id, admin.id]
    assert listed(client, headers, action="no.such.action") == []


def test_security_events_since_and_until_take_any_utc_offset(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    later = make_account()
    between = datetime.now(UTC)
    login(client, fake_wechat, later.openid)
    between_in_beijing = between.astimezone(BEIJING).isoformat()

    since = listed(client, headers, action="login", since=between_in_beijing)
    until = listed(client, headers, action="login", until=between_in_beijing)

    assert [item["account_id"] for item in since] == [later.id]
    assert [item["account_id"] for item in until] == [admin.id]


@pytest.mark.parametrize(
    ("name", "value"),
    [("since", "2026-01-01T00:00:00"), ("until", "2026-01-01T08:00:00"), ("since", "yesterday")],
)
def test_security_events_time_filter_without_an_offset_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, name: str, value: str
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)

    response = client.get(EVENTS, headers=headers, query_string={name: value})

    assert response.status_code == 422
    assert response.json["code"] == "request.invalid"
    assert list(response.json["fields"]) == [name]


# Unknown query parameters are ignored, not refused: webargs excludes them for the query
# location so that the pagination parameters (parsed by their own schema) can pass.
@pytest.mark.parametrize("query", [{"outcome": "maybe"}, {"account_id": 0}, {"action": "x" * 41}])
def test_security_events_bad_filters_are_422(
    client: FlaskClient, fake_wechat: FakeWeChat, query: dict[str, Any]
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)

    response = client.get(EVENTS, headers=headers, query_string=query)

    assert response.status_code == 422
    assert response.json["code"] == "request.invalid"
    assert list(response.json["fields"]) == list(query)


@pytest.mark.parametrize(
    ("role", "scope"),
    [
        (Role.ORG_ADMIN, "city"),
        (Role.STREET_ADMIN, "street"),
        (Role.COMMUNITY_ADMIN, "community"),
        (Role.UNIT_ADMIN, "unit"),
        (None, None),
    ],
)
def test_security_log_for_anyone_but_sys_admin_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, city: City, role: Role | None, scope: str | None
) -> None:
    _, headers = login_as(client, fake_wechat, role, getattr(city, scope) if scope else None)

    response = client.get(EVENTS, headers=headers)

    assert response.status_code == 403
    assert response.json["code"] == "auth.forbidden"


def test_security_log_without_a_token_is_401(client: FlaskClient) -> None:
    response = client.get(EVENTS)

    assert response.status_code == 401
    assert response.json["code"] == "auth.unauthenticated"


# --- append-only ----------------------------------------------------------------------------


def test_changing_an_event_through_the_orm_raises_append_only_error(app: Any) -> None:
    event = fresh_event()

    with pytest.raises(AppendOnlyError), db.session.begin_nested():
        event.action = "x"
        db.session.flush()

    assert action_of(event.id) == "test.event"


def test_deleting_an_event_through_the_orm_raises_append_only_error(app: Any) -> None:
    event = fresh_event()

    with pytest.raises(AppendOnlyError), db.session.begin_nested():
        db.session.delete(event)
        db.session.flush()

    assert action_of(event.id) == "test.event"


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE security_event SET action = 'x'",
        "UPDATE security_event SET outcome = 'success' WHERE id = :id",
        "DELETE FROM security_event WHERE id = :id",
    ],
)
def test_the_database_refuses_raw_changes_to_a_fresh_event(app: Any, statement: str) -> None:
    event = fresh_event()

    with pytest.raises(DBAPIError), db.session.begin_nested():
        db.session.execute(text(statement), {"id": event.id})

    assert action_of(event.id) == "test.event"


def test_the_database_allows_deleting_an_event_past_retention(app: Any) -> None:
    old = SecurityEvent(action="test.old", outcome="success", occurred_at=utcnow() - timedelta(200))
    db.session.add(old)
    db.session.flush()

    db.session.execute(text("DELETE FROM security_event WHERE id = :id"), {"id": old.id})

    remaining = select(func.count()).select_from(SecurityEvent).where(SecurityEvent.id == old.id)
    assert db.session.scalar(remaining) == 0
