"""A community with its secretary, members reported to it and a published shift, with a
subscribe-message template configured for every event (tests/notify)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.notify.events import EVENTS, Event
from sunshine.notify.models import Message
from tests.builders import City, add_reported_members, make_city, member_id_of, token_for
from tests.steps import login_as, published_shift

Headers = dict[str, str]

# One template per event; the shift events share one, as a real mini-program might.
TEMPLATES = {
    event.value: {
        "template_id": "TPL_SHIFT" if "task" in values else f"TPL_{event.value.upper()}",
        "page": "pages/shift/index?id={shift_id}" if "shift_id" in values else None,
        "data": {
            key: name
            for key, name in [
                ("thing1", "task"),
                ("time2", "starts_at"),
                ("thing3", "place"),
                ("phrase4", "status"),
                ("phrase5", "result"),
                ("thing6", "reason"),
                ("thing7", "community"),
            ]
            if name in values
        },
    }
    for event, values in ((e, EVENTS[e].values) for e in Event)
}


@pytest.fixture
def templates(app: Flask, monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    monkeypatch.setitem(app.config, "NOTIFY_TEMPLATES", json.dumps(TEMPLATES))
    return TEMPLATES


@dataclass
class Scene:
    client: FlaskClient
    fake: FakeWeChat
    place: City
    secretary: Headers
    shift_id: int
    task_id: int

    def member(self) -> tuple[int, str, Headers]:
        """A verified member reported to the community: (member id, openid, headers)."""
        (account_id,) = add_reported_members(self.place, self.place.community, 1)
        openid = db.session.scalar(select(Account.openid).where(Account.id == account_id))
        assert openid is not None
        return member_id_of(account_id), openid, token_for(account_id)

    def sign_up(self, headers: Headers, shift_id: int | None = None) -> Any:
        response = self.client.post(
            f"/api/v1/shifts/{shift_id or self.shift_id}/signups", headers=headers
        )
        assert response.status_code in (200, 201), response.json
        return response.json

    def accept(self, headers: Headers, *template_ids: str) -> Any:
        response = self.client.post(
            "/api/v1/me/subscriptions",
            json={"results": {tid: "accept" for tid in template_ids}},
            headers=headers,
        )
        assert response.status_code == 200, response.json
        return response.json

    def inbox(self, headers: Headers) -> list[dict[str, Any]]:
        response = self.client.get("/api/v1/me/messages", headers=headers)
        assert response.status_code == 200, response.json
        items: list[dict[str, Any]] = response.json["items"]
        return items


def messages(event: Event | None = None) -> list[Message]:
    db.session.expire_all()
    query = select(Message).order_by(Message.id)
    if event is not None:
        query = query.where(Message.event == event.value)
    return list(db.session.scalars(query))


@pytest.fixture
def scene(client: FlaskClient, fake_wechat: FakeWeChat, templates: dict[str, Any]) -> Scene:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    task_id, shift_id = published_shift(client, secretary, place.community)
    return Scene(client, fake_wechat, place, secretary, shift_id, task_id)
