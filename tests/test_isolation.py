"""Canary pair: whichever runs second proves the first one's commit was rolled back."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat


@pytest.mark.parametrize("run", ["first", "second"])
def test_committed_login_is_invisible_to_the_next_test(
    run: str, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    canary = select(func.count()).select_from(Account).where(Account.openid == "o-canary")
    assert db.session.scalar(canary) == 0
    response = client.post("/api/v1/auth/login", json={"code": fake_wechat.issue_code("o-canary")})
    assert response.status_code == 200
    assert db.session.scalar(canary) == 1
