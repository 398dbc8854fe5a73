"""Invitation suggestions for a shift, invitations sent, and members answering them."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from tests.builders import add_reported_members, make_city, token_for
from tests.steps import login_as, published_shift


def _member_id(account_id: int) -> int:
    member_id = db.session.scalar(select(Member.id).where(Member.account_id == account_id))
    assert member_id is not None
    return member_id


def test_secretary_invites_the_best_suited_and_the_member_accepts(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = published_shift(client, secretary, place.community, visibility="street")
    near, far, joined = (
        add_reported_members(place, place.community, 1)[0],
        add_reported_members(place, place.other_community, 1)[0],
        add_reported_members(place, place.community, 1)[0],
    )
    assert (
        client.post(f"/api/v1/shifts/{shift_id}/signups", headers=token_for(joined)).status_code
        == 201
    )

    suggested = client.get(f"/api/v1/shifts/{shift_id}/suggestions", headers=secretary).json

    assert [s["member"]["id"] for s in suggested] == [_member_id(near), _member_id(far)]
    assert suggested[0]["reasons"][0] == "本社区" and suggested[1]["reasons"][0] == "本街道"
    refused = client.post(
        f"/api/v1/shifts/{shift_id}/invitations",
        headers=secretary,
        json={"member_ids": [_member_id(near), _member_id(joined)]},
    )
    assert refused.status_code == 422 and refused.json["code"] == "invitation.not_eligible"
    assert refused.json["fields"]["member_ids"] == [_member_id(joined)]
    sent = client.post(
        f"/api/v1/shifts/{shift_id}/invitations",
        headers=secretary,
        json={"member_ids": [_member_id(near), _member_id(far)]},
    )
    assert sent.status_code == 201 and len(sent.json) == 2

    mine = client.get("/api/v1/me/invitations", headers=token_for(near)).json["items"]
    accepted = client.post(f"/api/v1/invitations/{mine[0]['id']}/accept", headers=token_for(near))
    twice = client.post(f"/api/v1/invitations/{mine[0]['id']}/accept", headers=token_for(near))
    far_id = client.get("/api/v1/me/invitations", headers=token_for(far)).json["items"][0]["id"]
    declined = client.post(f"/api/v1/invitations/{far_id}/decline", headers=token_for(far))

    assert accepted.status_code == 200 and accepted.json["status"] == "confirmed"
    assert twice.status_code == 409 and twice.json["code"] == "invitation.answered"
    assert declined.status_code == 200 and declined.json["status"] == "declined"
    assert client.get("/api/v1/me/invitations", headers=token_for(far)).json["items"] == []
    again = client.get(f"/api/v1/shifts/{shift_id}/suggestions", headers=secretary).json
    assert _member_id(near) not in [s["member"]["id"] for s in again]


def test_invitations_are_refused_outside_the_task_and_to_others(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, outsider = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    _, shift_id = published_shift(client, secretary, place.community)
    member = add_reported_members(place, place.community, 1)[0]
    other = add_reported_members(place, place.community, 1)[0]

    # Another community's shift answers as an unknown one.
    assert client.get(f"/api/v1/shifts/{shift_id}/suggestions", headers=outsider).status_code == 404
    assert (
        client.post(
            f"/api/v1/shifts/{shift_id}/invitations",
            headers=outsider,
            json={"member_ids": [_member_id(member)]},
        ).status_code
        == 404
    )
    sent = client.post(
        f"/api/v1/shifts/{shift_id}/invitations",
        headers=secretary,
        json={"member_ids": [_member_id(member)]},
    ).json
    stolen = client.post(f"/api/v1/invitations/{sent[0]['id']}/accept", headers=token_for(other))
    assert stolen.status_code == 404 and stolen.json["code"] == "invitation.not_found"
    empty = client.post(
        f"/api/v1/shifts/{shift_id}/invitations", headers=secretary, json={"member_ids": []}
    )
    assert empty.status_code == 422
