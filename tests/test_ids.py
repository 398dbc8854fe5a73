"""Ids larger than their columns hold are a miss (404) or bad input (422), never a 500.

PostgreSQL answers ``WHERE id = 99999999999`` on an INTEGER column with an error; the path
converters and the ``ID`` validators stop such numbers before any query.
"""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.builders import make_city
from tests.steps import login_as

TOO_BIG = 99_999_999_999  # > 2**31 - 1
WAY_TOO_BIG = 2**63  # > any BIGINT


@pytest.mark.parametrize(
    "url",
    [
        f"/api/v1/tasks/{TOO_BIG}",
        f"/api/v1/shifts/{TOO_BIG}/signups",
        f"/api/v1/needs/{TOO_BIG}",
        f"/api/v1/areas/{TOO_BIG}",
        f"/api/v1/service-records/{WAY_TOO_BIG}",
        "/api/v1/tasks/0",
    ],
)
def test_path_ids_beyond_their_column_are_not_found(
    client: FlaskClient, fake_wechat: FakeWeChat, url: str
) -> None:
    place = make_city()
    _, admin = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)

    response = client.get(url, headers=admin)

    assert response.status_code == 404 and response.json["code"] == "not_found"


def test_a_bigint_path_id_beyond_integer_range_is_a_plain_miss(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, admin = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)

    response = client.get(f"/api/v1/service-records/{TOO_BIG}", headers=admin)

    assert response.status_code == 404 and response.json["code"] == "record.not_found"


@pytest.mark.parametrize(
    ("url", "body"),
    [
        ("/api/v1/tasks", {"area_id": TOO_BIG}),
        ("/api/v1/me/report-ins", {"community_id": TOO_BIG}),
    ],
)
def test_body_ids_beyond_their_column_are_bad_input(
    client: FlaskClient, fake_wechat: FakeWeChat, url: str, body: dict
) -> None:
    place = make_city()
    _, admin = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)

    response = client.post(url, json=body, headers=admin)

    assert response.status_code == 422 and response.json["code"] == "request.invalid"
    assert next(iter(body)) in response.json["fields"]


def test_query_ids_beyond_their_column_are_bad_input(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, admin = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)

    response = client.get(f"/api/v1/tasks?cursor={TOO_BIG}", headers=admin)

    assert response.status_code == 422 and "cursor" in response.json["fields"]


@pytest.mark.parametrize(
    ("url", "body", "field"),
    [
        ("/api/v1/call-ups", {"area_id": TOO_BIG}, "area_id"),
        ("/api/v1/call-ups", {"posts": [{"shift_id": TOO_BIG, "places": 1}]}, "posts"),
        ("/api/v1/call-ups/1/assignments", {"post_id": TOO_BIG, "member_id": 1}, "post_id"),
        ("/api/v1/call-ups/1/assignments", {"post_id": 1, "member_id": TOO_BIG}, "member_id"),
    ],
)
def test_call_up_ids_beyond_their_column_are_bad_input(
    client: FlaskClient, fake_wechat: FakeWeChat, url: str, body: dict, field: str
) -> None:
    """Found by the fuzz run (docs/fuzzing.md): these ids were bounded only by BIGINT."""
    place = make_city()
    _, admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)

    response = client.post(url, json=body, headers=admin)

    assert response.status_code == 422 and field in response.json["fields"]


@pytest.mark.parametrize("query", [f"cursor={TOO_BIG}", f"area_id={TOO_BIG}"])
def test_call_up_listing_ids_beyond_their_column_are_bad_input(
    client: FlaskClient, fake_wechat: FakeWeChat, query: str
) -> None:
    place = make_city()
    _, admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)

    response = client.get(f"/api/v1/call-ups?{query}", headers=admin)

    assert response.status_code == 422 and query.split("=")[0] in response.json["fields"]
