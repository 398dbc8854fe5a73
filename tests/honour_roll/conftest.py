"""The compliance tests' city (tests/audit/compliance_world.py) with the public-ranking
consent given through the API by a, b, c, f and h (c has no confirmed service, so is on no
board). Figures of the year, by hand:

| member | placed | services | minutes | consent |
|---|---|---|---|---|
| a | C1 (S1) | 3 | 360 | yes |
| b | C1 (S1) | 1 | 180 | yes |
| c | C1 (S1) | 0 | 0 | yes |
| e | C1 (S1) | 2 | 210 | no |
| f | C2 (S1) | 2 | 300 | yes |
| g | C3 (S2) | 2 | 200 | no |
| h | C3 (S2) | 3 | 300 | yes |
| j | C3 (S2) | 1 | 240 | no |
"""

from __future__ import annotations

from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.fake_wechat import FakeWeChat
from tests.audit.compliance_world import World, build_world

CONSENTING = ("a", "b", "c", "f", "h")


def rank_consent(world: World, label: str, granted: bool) -> None:
    response = world.client.post(
        "/api/v1/me/consents",
        json={"kind": "public_ranking", "granted": granted, "notice_version": world.notice},
        headers=world.headers[label],
    )
    assert response.status_code == 200, response.json


def board(world: World, headers: dict[str, str] | None = None, **query: Any) -> Any:
    return world.get(f"/periods/{world.period_id}/rankings", headers, **query)


def lines(world: World, headers: dict[str, str] | None = None, **query: Any) -> list[tuple]:
    """(rank, masked name, services, minutes) of every line of a board."""
    body = world.ok(board(world, headers, **query))
    return [(i["rank"], i["name"], i["services"], i["minutes"]) for i in body["items"]]


@pytest.fixture
def world(client: FlaskClient, fake_wechat: FakeWeChat) -> World:
    built = build_world(client, fake_wechat)
    for label in CONSENTING:
        rank_consent(built, label, True)
    return built
