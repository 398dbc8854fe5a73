"""Binding the phone number WeChat vouches for (getPhoneNumber code, exchanged server-side)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.security.models import SecurityEvent
from tests.builders import auth
from tests.steps import login

PHONE_API = "/wxa/business/getuserphonenumber"


def _account(openid: str) -> Account:
    db.session.expire_all()
    account = db.session.scalar(select(Account).where(Account.openid == openid))
    assert account is not None
    return account


def test_bind_phone_stores_the_number_wechat_vouches_for_with_one_call(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    headers = auth(login(client, fake_wechat, "o-phone-ok"))

    bound = client.post(
        "/api/v1/me/phone",
        json={"code": fake_wechat.issue_phone_code("13800000001")},
        headers=headers,
    )

    assert bound.status_code == 200
    assert bound.json == {"phone": "13800000001"}
    assert fake_wechat.calls_to(PHONE_API) == 1
    account = _account("o-phone-ok")
    assert account.phone == "13800000001" and account.phone_bound_at is not None
    actions = db.session.scalars(
        select(SecurityEvent.action).where(SecurityEvent.account_id == account.id)
    ).all()
    assert "phone.bind" in actions


def test_bind_phone_with_a_code_wechat_rejects_is_422_and_binds_nothing(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    headers = auth(login(client, fake_wechat, "o-phone-bad"))

    refused = client.post("/api/v1/me/phone", json={"code": "not-a-real-code"}, headers=headers)

    assert refused.status_code == 422
    assert refused.json["code"] == "phone.invalid_code"
    assert "code" in refused.json["fields"]
    assert _account("o-phone-bad").phone is None


def test_bind_phone_with_a_code_already_used_is_422_and_keeps_the_first_number(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    headers = auth(login(client, fake_wechat, "o-phone-reuse"))
    code = fake_wechat.issue_phone_code("13800000002")
    assert client.post("/api/v1/me/phone", json={"code": code}, headers=headers).status_code == 200

    reused = client.post("/api/v1/me/phone", json={"code": code}, headers=headers)

    assert reused.status_code == 422
    assert reused.json["code"] == "phone.invalid_code"
    assert _account("o-phone-reuse").phone == "13800000002"


@pytest.mark.parametrize(
    ("break_wechat", "code"),
    [
        (lambda fake: fake.outage(502), "wechat.unavailable"),
        (lambda fake: fake.fail(PHONE_API, -1, "system busy"), "wechat.busy"),
        (lambda fake: fake.fail(PHONE_API, 1400001, "quota"), "wechat.quota_exhausted"),
    ],
    ids=["unreachable", "busy", "quota_exhausted"],
)
def test_bind_phone_when_wechat_cannot_answer_is_503_and_binds_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    break_wechat: Callable[[FakeWeChat], None],
    code: str,
) -> None:
    headers = auth(login(client, fake_wechat, "o-phone-down"))
    phone_code = fake_wechat.issue_phone_code("13800000003")
    break_wechat(fake_wechat)

    refused = client.post("/api/v1/me/phone", json={"code": phone_code}, headers=headers)

    assert refused.status_code == 503
    assert refused.json["code"] == code
    assert _account("o-phone-down").phone is None


def test_bind_phone_with_an_empty_code_is_422_without_calling_wechat(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    headers = auth(login(client, fake_wechat, "o-phone-empty"))

    refused = client.post("/api/v1/me/phone", json={"code": ""}, headers=headers)

    assert refused.status_code == 422
    assert refused.json["code"] == "request.invalid"
    assert fake_wechat.calls_to(PHONE_API) == 0


def test_bind_phone_without_logging_in_is_401(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    refused = client.post(
        "/api/v1/me/phone", json={"code": fake_wechat.issue_phone_code("13800000004")}
    )

    assert refused.status_code == 401
    assert fake_wechat.calls_to(PHONE_API) == 0
