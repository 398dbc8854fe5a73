"""Residents' input: submissions are limited per account (NEED_SUBMIT_RATE_LIMIT, default 5 an
hour and 20 a day: any WeChat account may post, each with a photo of up to 2 MB), and a blank
rating comment is no comment."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.needs.models import Need
from sunshine.security.models import SecurityEvent
from tests.builders import City
from tests.needs.test_wishes import resident, submit

Headers = dict[str, str]


def _needs_of(headers: Headers, client: FlaskClient) -> int:
    return len(client.get("/api/v1/me/needs", headers=headers).json["items"])


def test_a_sixth_submission_in_an_hour_is_429_and_writes_nothing(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, _ = secretary
    me, neighbour = resident(), resident()

    answers = [submit(client, me, place.community.id) for _ in range(6)]

    assert [a.status_code for a in answers] == [201] * 5 + [429]
    limited = answers[-1]
    assert limited.json["code"] == "rate_limited" and limited.json["message"]
    assert int(limited.headers["Retry-After"]) > 0
    assert _needs_of(me, client) == 5
    assert db.session.scalar(select(func.count(Need.id))) == 5
    # Per account, not per address: a neighbour on the same network still submits.
    assert submit(client, neighbour, place.community.id).status_code == 201
    events = db.session.scalars(
        select(SecurityEvent).where(
            SecurityEvent.action == "need.submit", SecurityEvent.reason == "rate_limited"
        )
    ).all()
    assert [(e.outcome, e.detail["per"]) for e in events] == [("failure", "account")]


def test_the_limit_is_configurable_and_a_refused_body_counts(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    secretary: tuple[City, Headers],
    app: Flask,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    place, _ = secretary
    monkeypatch.setitem(app.config, "NEED_SUBMIT_RATE_LIMIT", "100 per hour;3 per day")
    me = resident()

    bad = submit(client, me, place.community.id, content="")
    good = [submit(client, me, place.community.id).status_code for _ in range(3)]

    assert bad.status_code == 422  # counted before the body is read
    assert good == [201, 201, 429]
    assert _needs_of(me, client) == 2


def test_a_blank_rating_comment_is_no_comment(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, secretary_headers = secretary
    me = resident()
    need_id = submit(client, me, place.community.id).json["id"]
    client.post(f"/api/v1/needs/{need_id}/accept", headers=secretary_headers)
    client.patch(f"/api/v1/needs/{need_id}", json={"status": "done"}, headers=secretary_headers)

    rated = client.post(
        f"/api/v1/me/needs/{need_id}/rating",
        json={"rating": "satisfied", "comment": " \n　 "},
        headers=me,
    )

    assert rated.status_code == 201, rated.json
    assert rated.json["rating_comment"] is None
    assert not any("　" in str(body) for body in fake_wechat.state.checked_texts)  # nothing checked
