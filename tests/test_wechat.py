"""sunshine/wechat: shared access tokens, timeouts and the fake server, via real wechatpy."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask

from sunshine import wechat
from sunshine.errors import UpstreamUnavailable
from sunshine.fake_wechat import FakeWeChat


@pytest.fixture
def redis_client() -> Iterator[Any]:
    """A real Redis when TEST_REDIS_URL is set (CI), otherwise an in-process fakeredis."""
    url = os.environ.get("TEST_REDIS_URL")
    if url:
        import redis

        client = redis.Redis.from_url(url)
    else:
        import fakeredis

        client = fakeredis.FakeRedis()
    yield client
    client.close()


def _client(fake: FakeWeChat, redis_client: Any, prefix: str, timeout: float = 2.0) -> Any:
    return wechat.build_client(
        appid=fake.appid,
        secret=fake.secret,
        api_base=fake.url,
        timeout=timeout,
        redis_client=redis_client,
        redis_prefix=prefix,
    )


def test_workers_share_one_access_token_through_redis(
    fake_wechat: FakeWeChat, redis_client: Any
) -> None:
    prefix = f"test:{secrets.token_hex(4)}"
    worker_a, worker_b = (_client(fake_wechat, redis_client, prefix) for _ in range(2))

    worker_a.wxa.code_to_session(fake_wechat.issue_code("o-a"))
    worker_b.wxa.code_to_session(fake_wechat.issue_code("o-b"))

    assert fake_wechat.calls_to("/cgi-bin/stable_token") == 1
    ttl = redis_client.ttl(f"{prefix}:{fake_wechat.appid}_access_token")
    assert 0 < ttl <= 7200 - 300  # refreshed before WeChat expires it
    redis_client.delete(f"{prefix}:{fake_wechat.appid}_access_token")


def test_without_redis_each_process_keeps_its_own_token(fake_wechat: FakeWeChat) -> None:
    for openid in ("o-c", "o-d"):
        _client(fake_wechat, None, "unused").wxa.code_to_session(fake_wechat.issue_code(openid))
    assert fake_wechat.calls_to("/cgi-bin/stable_token") == 2


def test_app_client_uses_redis_when_configured(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "REDIS_URL", "redis://127.0.0.1:6379/15")
    built = wechat.client()
    assert type(built.session._inner).__name__ == "RedisStorage"
    assert wechat.client() is built  # one client per process


def test_official_host_is_rewritten_to_the_configured_base(fake_wechat: FakeWeChat) -> None:
    client = _client(fake_wechat, None, "unused")
    session = client.wxa.code_to_session(fake_wechat.issue_code("o-rewrite"))
    assert session["openid"] == "o-rewrite"
    assert fake_wechat.calls_to("/sns/jscode2session") == 1


def test_code_to_session_hides_session_key_from_repr(app: Flask, fake_wechat: FakeWeChat) -> None:
    result = wechat.code_to_session(fake_wechat.issue_code("o-repr", unionid="u-1"))
    assert (result.openid, result.unionid) == ("o-repr", "u-1")
    assert result.session_key not in repr(result)


def test_missing_credentials_are_a_clear_error(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "WECHAT_SECRET", None)
    with pytest.raises(UpstreamUnavailable) as caught:
        wechat.code_to_session("whatever")
    assert caught.value.code == "wechat.misconfigured"


def test_fake_serves_the_other_endpoints_wechat_documents(fake_wechat: FakeWeChat) -> None:
    import requests

    token = requests.get(
        f"{fake_wechat.url}/cgi-bin/token",
        params={
            "grant_type": "client_credential",
            "appid": fake_wechat.appid,
            "secret": fake_wechat.secret,
        },
        timeout=5,
    ).json()["access_token"]
    stable = requests.post(
        f"{fake_wechat.url}/cgi-bin/stable_token",
        json={
            "grant_type": "client_credential",
            "appid": fake_wechat.appid,
            "secret": fake_wechat.secret,
        },
        timeout=5,
    ).json()
    assert 0 < stable["expires_in"] <= 7200  # the same token while it is valid
    q = {"access_token": token}
    phone = requests.post(
        f"{fake_wechat.url}/wxa/business/getuserphonenumber",
        params=q,
        json={"code": fake_wechat.issue_phone_code("13912345678")},
        timeout=5,
    ).json()
    assert phone["phone_info"]["purePhoneNumber"] == "13912345678"
    image = requests.post(
        f"{fake_wechat.url}/wxa/getwxacodeunlimit", params=q, json={"scene": "s=12"}, timeout=5
    )
    assert image.headers["Content-Type"] == "image/png" and image.content.startswith(b"\x89PNG")
    bad_scene = requests.post(
        f"{fake_wechat.url}/wxa/getwxacodeunlimit", params=q, json={"scene": "签到"}, timeout=5
    ).json()
    assert bad_scene["errcode"] == 40169
    sent = requests.post(
        f"{fake_wechat.url}/cgi-bin/message/subscribe/send",
        params=q,
        json={"touser": "o-x", "template_id": "t", "data": {"thing1": {"value": "x" * 21}}},
        timeout=5,
    ).json()
    assert sent["errcode"] == 47003
    check = requests.post(
        f"{fake_wechat.url}/wxa/msg_sec_check",
        params=q,
        json={"content": "含有违规内容", "version": 2, "scene": 1, "openid": "o-x"},
        timeout=5,
    ).json()
    assert check["result"]["suggest"] == "risky"
    expired = requests.post(
        f"{fake_wechat.url}/wxa/msg_sec_check", params={"access_token": "nope"}, json={}, timeout=5
    ).json()
    assert expired["errcode"] == 40001


def test_workers_racing_for_an_expired_token_fetch_it_once(
    fake_wechat: FakeWeChat, redis_client: Any
) -> None:
    import threading

    prefix = f"test:{secrets.token_hex(4)}"
    workers = [_client(fake_wechat, redis_client, prefix) for _ in range(4)]
    fake_wechat.delay(0.3, "/cgi-bin/stable_token")  # a slow fetch: the others must wait for it
    tokens: list[str] = []
    start = threading.Barrier(len(workers), timeout=10)

    def fetch(worker: Any) -> None:
        start.wait()
        tokens.append(worker.access_token)

    threads = [threading.Thread(target=fetch, args=(w,)) for w in workers]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert fake_wechat.calls_to("/cgi-bin/stable_token") == 1
    assert len(tokens) == len(workers) and len(set(tokens)) == 1
    redis_client.delete(f"{prefix}:{fake_wechat.appid}_access_token")


def test_a_token_refused_with_40001_is_refreshed_once_and_the_call_retried(
    fake_wechat: FakeWeChat, redis_client: Any
) -> None:
    prefix = f"test:{secrets.token_hex(4)}"
    client = _client(fake_wechat, redis_client, prefix)
    body = {"content": "你好", "version": 2, "scene": 1, "openid": "o-x"}
    client.wxa._post("wxa/msg_sec_check", data=body)
    fake_wechat.revoke_tokens()  # as a forced refresh by another system would

    checked = client.wxa._post("wxa/msg_sec_check", data=body)

    assert checked["result"]["suggest"] == "pass"
    assert fake_wechat.calls_to("/cgi-bin/stable_token") == 2
    assert fake_wechat.calls_to("/wxa/msg_sec_check") == 3  # ok, refused 40001, ok
    redis_client.delete(f"{prefix}:{fake_wechat.appid}_access_token")
