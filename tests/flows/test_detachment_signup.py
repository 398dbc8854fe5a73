"""Issue 17 item 4's detachments over HTTP: the org department forms a detachment of members
from three communities and names its leader; the leader signs five of them up for a shift in
one call (and nobody when a sixth would overfill another); after the shift the detachment's
hours are the five members' own confirmed hours."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from sunshine.tasks.models import Shift, Signup
from tests.builders import City, count, token_for
from tests.conftest import Clock
from tests.detachments.conftest import city_members
from tests.steps import login_as, post_shift, post_task, publish

Headers = dict[str, str]


def test_a_detachment_signs_up_five_in_one_call_and_its_hours_are_theirs(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    org_admin: tuple[City, Headers],
    clock: Clock,
) -> None:
    place, org = org_admin
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    members = city_members(place, {"community": 2, "other_community": 2, "third": 3})
    headers = {m: token_for(db.session.get_one(Member, m).account_id) for m in members}

    # The org department forms the detachment and names its leader (who joins it).
    leader = members[0]
    made = client.post(
        f"/api/v1/cities/{place.city.id}/detachments",
        json={"name": "城区志愿服务支队", "member_ids": members[1:], "leader_member_id": leader},
        headers=org,
    )
    assert made.status_code == 201, made.json
    detachment_id = made.json["id"]
    roster = client.get(f"/api/v1/detachments/{detachment_id}", headers=headers[leader]).json
    assert len({line["community"] for line in roster["members"]}) == 3

    # A city-wide task posted by the department, two shifts of five places.
    task_id = post_task(client, org, place.community, visibility="city")
    first = post_shift(client, org, task_id, capacity=5)
    second = post_shift(client, org, task_id, capacity=5, starts_in=timedelta(days=4))
    publish(client, org, task_id)
    five = [members[0], members[2], members[3], members[4], members[6]]  # three communities

    signed = client.post(
        f"/api/v1/shifts/{first}/team-signups",
        json={"detachment_id": detachment_id, "member_ids": five},
        headers=headers[leader],
    )
    assert signed.status_code == 201, signed.json
    assert [s["status"] for s in signed.json["signups"]] == ["confirmed"] * 5
    six = client.post(
        f"/api/v1/shifts/{second}/team-signups",
        json={"detachment_id": detachment_id, "member_ids": members[:6]},
        headers=headers[leader],
    )
    assert six.status_code == 409 and six.json["code"] == "team_signup.too_many"
    assert db.session.get_one(Shift, second).confirmed_count == 0
    assert count(Signup) == 5

    # The shift: everyone checks in with the rotating code and out 100 minutes later.
    starts_at = db.session.get_one(Shift, first).starts_at
    code_url = f"/api/v1/shifts/{first}/checkin-code"
    for direction, minutes in (("in", -5), ("out", 100)):
        clock.set(starts_at + timedelta(minutes=minutes))
        code = client.get(code_url, headers=secretary).json["code"]
        for member_id in five:
            punched = client.post(
                "/api/v1/punches",
                json={"code": code, "direction": direction},
                headers=headers[member_id],
            )
            assert punched.status_code == 201, punched.json

    # The community confirms the records; the detachment's hours are the members' hours.
    pending = client.get(
        f"/api/v1/service-records?shift_id={first}&status=pending", headers=secretary
    ).json["items"]
    assert len(pending) == 5
    confirmed = client.post(
        "/api/v1/service-records/confirm",
        json={"ids": [r["id"] for r in pending]},
        headers=secretary,
    )
    assert confirmed.status_code == 200, confirmed.json
    minutes = {r["member"]["id"]: r["credited_minutes"] for r in confirmed.json}

    hours = client.get(f"/api/v1/detachments/{detachment_id}/hours", headers=headers[leader])
    assert hours.status_code == 200, hours.json
    assert hours.json["team_records"] == 5
    assert hours.json["team_minutes"] == sum(minutes.values()) == 5 * 90  # on the quarter hour
    by_member = {m["member_id"]: m for m in hours.json["members"]}
    assert set(by_member) == set(members)  # the whole roster, with or without hours
    for member_id in five:
        assert by_member[member_id]["team_minutes"] == minutes[member_id]
        own = client.get("/api/v1/me/hours", headers=headers[member_id]).json
        assert by_member[member_id]["all_minutes"] == own["confirmed_minutes"]
    assert by_member[members[1]]["team_minutes"] == 0
    same = client.get(f"/api/v1/detachments/{detachment_id}/hours", headers=org).json
    assert same["team_minutes"] == hours.json["team_minutes"]
