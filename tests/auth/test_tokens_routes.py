"""Bearer tokens: expiry, forgery, logout and disabled accounts take effect at once."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.auth.models import AuthToken
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.security.models import SecurityEvent
from tests.builders import auth, make_account
from tests.steps import login, login_as

ME = "/api/v1/me"


@pytest.mark.parametrize(
    ("headers", "code"),
    [
        ({}, "auth.unauthenticated"),
        ({"Authorization": ""}, "auth.unauthenticated"),
        ({"Authorization": "Bearer"}, "auth.unauthenticated"),
        ({"Authorization": "Basic dXNlcjpwYXNz"}, "auth.unauthenticated"),
        ({"Authorization": "Bearer forged-token-value"}, "auth.invalid_token"),
    ],
)
def test_missing_or_forged_token_is_401(
    client: FlaskClient, headers: dict[str, str], code: str
) -> None:
    response = client.get(ME, headers=headers)
    assert response.status_code == 401
    assert response.json["code"] == code


def test_expired_token_is_401_token_expired(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    token = login(client, fake_wechat, "o-expiring")
    stored = db.session.scalars(select(AuthToken)).one()
    stored.expires_at = utcnow() - timedelta(seconds=1)
    db.session.commit()

    response = client.get(ME, headers=auth(token))

    assert response.status_code == 401
    assert response.json["code"] == "auth.token_expired"


def test_logout_revokes_the_token_on_the_next_request(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    token = login(client, fake_wechat, "o-leaving")
    other_device = login(client, fake_wechat, "o-leaving")

    assert client.post("/api/v1/auth/logout", headers=auth(token)).status_code == 204

    again = client.get(ME, headers=auth(token))
    assert again.status_code == 401
    assert again.json["code"] == "auth.invalid_token"
    assert client.get(ME, headers=auth(other_device)).status_code == 200  # only that token
    assert (
        db.session.scalars(select(SecurityEvent).where(SecurityEvent.action == "logout"))
        .one()
        .outcome
        == "success"
    )


def test_logout_without_token_is_401(client: FlaskClient) -> None:
    assert client.post("/api/v1/auth/logout").status_code == 401


def test_disabling_an_account_locks_it_out_on_the_next_request(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    _, admin = login_as(client, fake_wechat, Role.SYS_ADMIN)
    target = make_account("o-to-disable")
    token = login(client, fake_wechat, "o-to-disable")
    assert client.get(ME, headers=auth(token)).status_code == 200

    response = client.post(
        f"/api/v1/accounts/{target.id}/disable", json={"reason": "调离本市"}, headers=admin
    )

    assert response.status_code == 200
    assert response.json["status"] == "disabled"
    assert response.json["disabled_reason"] == "调离本市"
    locked = client.get(ME, headers=auth(token))
    assert locked.status_code in (401, 403)
    relogin = client.post(
        "/api/v1/auth/login", json={"code": fake_wechat.issue_code("o-to-disable")}
    )
    assert relogin.status_code == 403
    assert relogin.json["code"] == "auth.account_disabled"

    enabled = client.post(f"/api/v1/accounts/{target.id}/enable", json={}, headers=admin)
    assert enabled.status_code == 200 and enabled.json["status"] == "active"
    assert (
        client.get(ME, headers=auth(login(client, fake_wechat, "o-to-disable"))).status_code == 200
    )
    actions = db.session.scalars(
        select(SecurityEvent.action).where(
            SecurityEvent.object_type == "account", SecurityEvent.object_id == str(target.id)
        )
    ).all()
    assert {"account.disable", "account.enable"} <= set(actions)


def test_sys_admin_cannot_disable_itself(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    admin, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    response = client.post(f"/api/v1/accounts/{admin.id}/disable", json={}, headers=headers)
    assert response.status_code == 409
    assert response.json["code"] == "account.cannot_disable_self"


@pytest.mark.parametrize(
    "role", [None, Role.ORG_ADMIN, Role.STREET_ADMIN, Role.COMMUNITY_ADMIN, Role.UNIT_ADMIN]
)
def test_only_sys_admin_manages_accounts(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role | None
) -> None:
    from tests.builders import make_city

    place = make_city()
    scope = {
        None: None,
        Role.ORG_ADMIN: place.city,
        Role.STREET_ADMIN: place.street,
        Role.COMMUNITY_ADMIN: place.community,
        Role.UNIT_ADMIN: place.unit,
    }[role]
    _, headers = login_as(client, fake_wechat, role, scope)
    target = make_account()

    for method, url in [
        ("get", "/api/v1/accounts"),
        ("get", f"/api/v1/accounts/{target.id}"),
        ("post", f"/api/v1/accounts/{target.id}/disable"),
        ("post", f"/api/v1/accounts/{target.id}/enable"),
    ]:
        kwargs = {"json": {}} if method == "post" else {}
        response = getattr(client, method)(url, headers=headers, **kwargs)
        assert response.status_code == 403, url
        assert response.json["code"] == "auth.forbidden"
    refused = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.action == "account.disable")
    ).one()
    assert refused.outcome == "failure"


def test_sys_admin_lists_accounts_newest_first_by_cursor(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    _, headers = login_as(client, fake_wechat, Role.SYS_ADMIN)
    for _ in range(3):
        make_account()

    response = client.get("/api/v1/accounts?limit=2", headers=headers)
    cursor = response.json["next_cursor"]
    rest = client.get(f"/api/v1/accounts?limit=2&cursor={cursor}", headers=headers)

    assert response.status_code == 200
    ids = [a["id"] for a in [*response.json["items"], *rest.json["items"]]]
    assert len(ids) == 4 and ids == sorted(ids, reverse=True)
    assert rest.json["next_cursor"] is None
    first = response.json["items"][0]
    assert "openid" not in first and "session_key" not in first
    missing = client.get("/api/v1/accounts/999999", headers=headers)
    assert missing.status_code == 404 and missing.json["code"] == "account.not_found"
