"""Detachments over HTTP: the org department creates them, names the leader, keeps the roster;
the leader and the department read it; everyone else is refused."""

from __future__ import annotations

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.detachments.models import Detachment, DetachmentMember
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from sunshine.security.models import SecurityEvent
from tests.builders import City, add_reported_members, count, make_city, token_for
from tests.detachments.conftest import Headers, Team, city_members, create, members_in
from tests.steps import login_as


def _roster(team: Team, headers: Headers | None = None) -> list[int]:
    response = team.client.get(team.url, headers=headers or team.org_admin)
    assert response.status_code == 200, response.json
    return [line["member_id"] for line in response.json["members"]]


def test_org_admin_creates_a_detachment_of_members_from_many_communities(team: Team) -> None:
    shown = team.client.get(team.url, headers=team.org_admin).json

    assert shown["name"] == "第一志愿服务支队" and shown["active"] is True
    assert shown["leader"]["member_id"] == team.leader_id
    assert shown["member_count"] == 8
    assert sorted(line["member_id"] for line in shown["members"]) == sorted(team.member_ids)
    assert len({line["community"] for line in shown["members"]}) == 3
    assert len({line["unit"] for line in shown["members"]}) == 2
    leaders = [line["member_id"] for line in shown["members"] if line["is_leader"]]
    assert leaders == [team.leader_id]


def test_the_city_list_and_a_member_s_own_list(team: Team) -> None:
    listed = team.client.get(
        f"/api/v1/cities/{team.place.city.id}/detachments", headers=team.org_admin
    )
    mine = team.client.get("/api/v1/me/detachments", headers=team.headers[team.member_ids[3]])
    led = team.client.get("/api/v1/me/detachments", headers=team.leader)

    assert listed.status_code == 200
    assert [(d["id"], d["member_count"]) for d in listed.json] == [(team.detachment_id, 8)]
    assert [(d["id"], d["is_leader"]) for d in mine.json] == [(team.detachment_id, False)]
    assert [(d["id"], d["is_leader"]) for d in led.json] == [(team.detachment_id, True)]


def test_the_leader_reads_the_roster_and_a_plain_member_is_refused(team: Team) -> None:
    plain = team.client.get(team.url, headers=team.headers[team.member_ids[1]])
    hours = team.client.get(f"{team.url}/hours", headers=team.headers[team.member_ids[1]])

    assert sorted(_roster(team, team.leader)) == sorted(team.member_ids)
    assert plain.status_code == hours.status_code == 403
    assert plain.json["code"] == "detachment.leader_only"
    logged = db.session.scalars(
        select(SecurityEvent.action).where(SecurityEvent.reason == "detachment.leader_only")
    ).all()
    assert sorted(logged) == ["detachment.hours", "detachment.read"]


def test_an_account_without_a_member_has_no_detachments(
    team: Team, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    _, headers = login_as(client, fake_wechat, None)

    mine = client.get("/api/v1/me/detachments", headers=headers)

    assert mine.status_code == 200 and mine.json == []


def test_another_city_s_org_admin_gets_404_as_for_an_unknown_detachment(
    team: Team, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    other = make_city("介休市")
    _, headers = login_as(client, fake_wechat, Role.ORG_ADMIN, other.city)
    read = client.get(team.url, headers=headers)
    renamed = client.patch(team.url, json={"name": "改名"}, headers=headers)
    unknown = client.get("/api/v1/detachments/999999", headers=headers)
    listed = client.get(f"/api/v1/cities/{team.place.city.id}/detachments", headers=headers)

    assert read.status_code == renamed.status_code == 404
    assert read.json["code"] == renamed.json["code"] == "detachment.not_found"
    assert {k: v for k, v in read.json.items() if k != "request_id"} == {
        k: v for k, v in unknown.json.items() if k != "request_id"
    }
    assert listed.status_code == 403


def test_other_roles_and_outsiders_are_refused(
    team: Team, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, team.place.community)
    stranger = token_for(add_reported_members(team.place, team.place.community, 1)[0])
    made = create(client, secretary, team.place.city.id, name="社区支队")
    read_by_secretary = client.get(team.url, headers=secretary)
    read_by_stranger = client.get(team.url, headers=stranger)

    assert made.status_code == 403 and made.json["code"] == "auth.forbidden"
    assert read_by_secretary.status_code == read_by_stranger.status_code == 404


def test_rename_leader_and_roster_changes(team: Team) -> None:
    client, admin = team.client, team.org_admin
    newcomer = city_members(team.place, {"community": 1})[0]
    described = {"name": "第二支队", "description": "助老"}
    renamed = client.patch(team.url, json=described, headers=admin)
    new_leader = client.patch(team.url, json={"leader_member_id": newcomer}, headers=admin)
    old_leader_gone = client.delete(f"{team.url}/members/{team.leader_id}", headers=admin)
    leader_stays = client.delete(f"{team.url}/members/{newcomer}", headers=admin)
    again = client.delete(f"{team.url}/members/{team.leader_id}", headers=admin)
    back = client.post(f"{team.url}/members", json={"member_ids": [team.leader_id]}, headers=admin)

    assert renamed.status_code == 200 and renamed.json["description"] == "助老"
    assert new_leader.status_code == 200
    assert new_leader.json["leader"]["member_id"] == newcomer
    assert new_leader.json["member_count"] == 9  # the new leader joined
    assert old_leader_gone.status_code == 200 and old_leader_gone.json["member_count"] == 8
    assert leader_stays.status_code == 409
    assert leader_stays.json["code"] == "detachment.leader_cannot_leave"
    assert again.status_code == 404 and again.json["code"] == "detachment.member_not_found"
    assert back.status_code == 200 and back.json["member_count"] == 9
    # The old leader is a plain member again: no longer reads the roster.
    assert client.get(team.url, headers=team.leader).status_code == 403
    assert count(DetachmentMember) == 10  # the old leader's first membership stays, ended
    assert sorted(_roster(team)) == sorted([*team.member_ids, newcomer])


def test_a_duplicate_name_is_409_and_a_blank_one_422(team: Team) -> None:
    city_id = team.place.city.id
    again = create(team.client, team.org_admin, city_id, name="第一志愿服务支队")
    blank = create(team.client, team.org_admin, city_id, name="  ")

    assert again.status_code == 409 and again.json["code"] == "detachment.duplicate"
    assert blank.status_code == 422 and "name" in blank.json["fields"]


def test_members_of_another_city_unknown_or_unverified_are_refused_whole(
    team: Team, other_city: City
) -> None:
    (outsider,) = members_in(other_city, other_city.community)
    (pending,) = members_in(team.place, team.place.community, verified=False)
    (fine,) = city_members(team.place, {"community": 1})
    before = count(DetachmentMember)
    added = team.client.post(
        f"{team.url}/members",
        json={"member_ids": [fine, outsider, pending, 999999]},
        headers=team.org_admin,
    )
    made = create(
        team.client,
        team.org_admin,
        team.place.city.id,
        name="第三支队",
        leader_member_id=outsider,
    )

    assert added.status_code == 422 and added.json["code"] == "detachment.members_invalid"
    problems = added.json["fields"]["member_ids"]
    assert len(problems) == 3
    # Another city's member is answered as an unknown id: by id, never by name.
    outsider_name = db.session.get_one(Member, outsider).name
    assert f"{outsider}：不是本市的党员或不存在" in problems
    assert "999999：不是本市的党员或不存在" in problems
    assert not any(outsider_name in p for p in problems)
    assert any(str(pending) in p and "认证" in p for p in problems)
    assert count(DetachmentMember) == before  # not even the fine one
    assert made.status_code == 422 and "leader_member_id" in made.json["fields"]
    assert count(Detachment) == 1


def test_a_member_of_a_unit_of_the_city_living_elsewhere_may_join(
    team: Team, other_city: City
) -> None:
    """A member counts for the city where they live or where their unit is."""
    commuter_place = City(
        other_city.city,
        other_city.street,
        other_city.community,
        other_city.other_community,
        team.place.unit,
    )
    (commuter,) = members_in(commuter_place, other_city.community)

    added = team.client.post(
        f"{team.url}/members", json={"member_ids": [commuter]}, headers=team.org_admin
    )

    assert added.status_code == 200 and added.json["member_count"] == 9
