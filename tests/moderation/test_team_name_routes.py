"""A service team's name, read by any account, is checked (scene 1) before the team exists."""

from __future__ import annotations

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import TEXT_REVIEW, TEXT_RISKY, FakeWeChat
from tests.builders import City, reported_headers
from tests.steps import login_as

Headers = dict[str, str]


def _team_names(client: FlaskClient, headers: Headers, community_id: int) -> list[str]:
    response = client.get(f"/api/v1/communities/{community_id}/teams", headers=headers)
    assert response.status_code == 200, response.json
    return [team["name"] for team in response.json]


def test_a_passing_name_makes_the_team_and_is_checked_as_profile_text(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    url = f"/api/v1/communities/{place.community.id}/teams"

    response = client.post(url, json={"name": "法律服务队"}, headers=headers)

    assert (response.status_code, response.json["name"]) == (201, "法律服务队")
    (body,) = fake_wechat.state.checked_texts
    assert (body["scene"], body["content"]) == (1, "法律服务队")


def test_a_risky_name_is_refused_and_no_team_is_made(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    url = f"/api/v1/communities/{place.community.id}/teams"

    response = client.post(url, json={"name": f"{TEXT_RISKY}队"}, headers=headers)

    assert (response.status_code, response.json["code"]) == (422, "content.risky")
    assert list(response.json["fields"]) == ["name"]
    assert _team_names(client, headers, place.community.id) == []


def test_a_name_for_review_makes_the_team_only_once_approved(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    community_id = place.community.id
    member = reported_headers(place, place.community)
    street = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)[1]

    held = client.post(
        f"/api/v1/communities/{community_id}/teams",
        json={"name": f"{TEXT_REVIEW}队"},
        headers=headers,
    )

    assert held.status_code == 202, held.json
    assert (held.json["status"], held.json["held"]) == ("review", True)
    assert _team_names(client, member, community_id) == []

    approved = client.post(
        f"/api/v1/content-checks/{held.json['id']}/approve", json={}, headers=street
    )

    assert approved.status_code == 200, approved.json
    assert _team_names(client, member, community_id) == [f"{TEXT_REVIEW}队"]


def test_a_name_waits_while_wechat_is_down(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    fake_wechat.outage(503)

    held = client.post(
        f"/api/v1/communities/{place.community.id}/teams", json={"name": "助老队"}, headers=headers
    )

    assert (held.status_code, held.json["status"]) == (202, "pending")
    assert _team_names(client, headers, place.community.id) == []


def test_the_author_follows_a_held_name_but_another_community_admin_may_not_read_it(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, Headers]
) -> None:
    place, headers = secretary
    colleague = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)[1]
    held = client.post(
        f"/api/v1/communities/{place.community.id}/teams",
        json={"name": f"{TEXT_REVIEW}队"},
        headers=headers,
    )

    own = client.get(f"/api/v1/content-checks/{held.json['id']}", headers=headers)
    other = client.get(f"/api/v1/content-checks/{held.json['id']}", headers=colleague)
    decide = client.post(
        f"/api/v1/content-checks/{held.json['id']}/approve", json={}, headers=headers
    )

    assert (own.status_code, own.json["status"], own.json["texts"]) == (
        200,
        "review",
        {"name": f"{TEXT_REVIEW}队"},
    )
    assert (other.status_code, other.json["code"]) == (404, "content_check.not_found")
    assert (decide.status_code, decide.json["code"]) == (403, "auth.forbidden")
