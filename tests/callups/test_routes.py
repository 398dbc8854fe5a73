"""Call-ups over HTTP: create, propose, adjust, confirm, decline; who may, and what is refused."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Role
from sunshine.callups.models import CallUp
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member, MemberStatus
from sunshine.org.models import AreaLevel
from sunshine.security.models import SecurityEvent
from sunshine.tasks.models import Invitation, Signup, SignupStatus
from tests.builders import City, add_area, count, make_city, shanghai_day, token_for
from tests.bulk import MemberSpec, add_members_in_bulk
from tests.steps import day_shift, login_as

CALLUPS = "/api/v1/call-ups"


def member_headers(member_id: int) -> dict[str, str]:
    account_id = db.session.scalar(select(Member.account_id).where(Member.id == member_id))
    assert account_id is not None
    return token_for(account_id)


def create(
    client: FlaskClient, headers: dict[str, str], area_id: int, day: Any, posts: list[Any]
) -> Any:
    return client.post(
        CALLUPS,
        headers=headers,
        json={
            "area_id": area_id,
            "title": "文明城市迎检",
            "day": day.isoformat(),
            "posts": [{"shift_id": s, "places": n} for s, n in posts],
        },
    )


def created(client: FlaskClient, headers: dict[str, str], area_id: int, day: Any, posts: list[Any]):
    response = create(client, headers, area_id, day, posts)
    assert response.status_code == 201, response.json
    return response.json


def by_post(body: dict[str, Any]) -> dict[int, list[dict[str, Any]]]:
    grouped: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for a in body["assignments"]:
        grouped[a["post_id"]].append(a)
    return grouped


def roster(client: FlaskClient, headers: dict[str, str], shift_id: int) -> dict[int, str]:
    response = client.get(f"/api/v1/shifts/{shift_id}/signups", headers=headers)
    assert response.status_code == 200, response.json
    return {s["member_id"]: s["status"] for s in response.json}


def test_org_admin_creates_proposes_adjusts_and_confirms_a_call_up(
    client: FlaskClient, fake_wechat: FakeWeChat, org_admin: tuple[City, dict[str, str]]
) -> None:
    place, org = org_admin
    day = shanghai_day(3)
    street_wide = day_shift(client, org, place.community, day, visibility="street", capacity=5)
    own_only = day_shift(client, org, place.other_community, day, hour=14, capacity=3)
    near = add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 4)
    far = add_members_in_bulk(place.unit, [MemberSpec(place.other_community)] * 2)

    body = created(client, org, place.street.id, day, [(street_wide, 3), (own_only, 1)])

    assert body["status"] == "draft" and body["totals"] == {"posts": 2, "places": 4, "filled": 0}
    post_of = {p["shift"]["id"]: p["id"] for p in body["posts"]}
    proposed = client.post(f"{CALLUPS}/{body['id']}/proposal", headers=org)
    assert proposed.status_code == 200, proposed.json
    assert proposed.json["status"] == "proposed"
    assert proposed.json["totals"]["filled"] == 4
    placed = by_post(proposed.json)
    # The street-wide post takes the task's own community first; the other post is
    # visible to its own community only.
    assert {a["member"]["id"] for a in placed[post_of[street_wide]]} < set(near)
    assert all(a["reasons"][0] == "本社区" for a in placed[post_of[street_wide]])
    assert all("本年度还差 24 小时" in a["reasons"] for a in proposed.json["assignments"])
    (only,) = placed[post_of[own_only]]
    assert only["member"]["id"] in far
    assert all(a["community"]["id"] == place.community.id for a in placed[post_of[street_wide]])
    assert {p["id"]: p["filled"] for p in proposed.json["posts"]} == {
        post_of[street_wide]: 3,
        post_of[own_only]: 1,
    }

    dropped = placed[post_of[street_wide]][0]
    left_out = (set(near) - {a["member"]["id"] for a in placed[post_of[street_wide]]}).pop()
    removed = client.delete(f"{CALLUPS}/{body['id']}/assignments/{dropped['id']}", headers=org)
    assert removed.status_code == 204
    added = client.post(
        f"{CALLUPS}/{body['id']}/assignments",
        headers=org,
        json={"post_id": post_of[street_wide], "member_id": left_out},
    )
    assert added.status_code == 201, added.json
    assert added.json["source"] == "manual" and added.json["reasons"][0] == "本社区"
    assert added.json["member"]["id"] == left_out

    again = client.post(f"{CALLUPS}/{body['id']}/proposal", headers=org).json
    kept = [a for a in again["assignments"] if a["source"] == "manual"]
    assert [a["member"]["id"] for a in kept] == [left_out]
    assert again["totals"]["filled"] == 4
    assert len({a["member"]["id"] for a in again["assignments"]}) == 4

    confirmed = client.post(f"{CALLUPS}/{body['id']}/confirm", headers=org)

    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["status"] == "confirmed"
    assert {a["answer"] for a in confirmed.json["assignments"]} == {"pending"}
    logged = db.session.scalars(
        select(SecurityEvent).where(
            SecurityEvent.action == "callup.confirm", SecurityEvent.object_id == str(body["id"])
        )
    ).all()
    assert [(e.outcome, e.detail) for e in logged] == [("success", {"places": 4, "shifts": 2})]
    final = by_post(confirmed.json)
    for shift_id in (street_wide, own_only):
        on_post = {a["member"]["id"] for a in final[post_of[shift_id]]}
        assert roster(client, org, shift_id) == dict.fromkeys(on_post, "confirmed")
    chosen = final[post_of[street_wide]][0]["member"]["id"]
    invitations = client.get("/api/v1/me/invitations", headers=member_headers(chosen)).json["items"]
    assert [(i["shift"]["id"], i["call_up_id"]) for i in invitations] == [(street_wide, body["id"])]
    accepted = client.post(
        f"/api/v1/invitations/{invitations[0]['id']}/accept", headers=member_headers(chosen)
    )
    assert accepted.status_code == 200 and accepted.json["status"] == "confirmed"
    assert roster(client, org, street_wide)[chosen] == "confirmed"
    answers = client.get(f"{CALLUPS}/{body['id']}", headers=org).json["assignments"]
    assert {a["member"]["id"]: a["answer"] for a in answers}[chosen] == "accepted"


def test_declining_a_call_up_invitation_gives_the_place_to_the_waitlist(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, street = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    day = shanghai_day(4)
    shift_id = day_shift(client, street, place.community, day, visibility="street", capacity=2)
    assigned = add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 2)
    (waiting,) = add_members_in_bulk(place.unit, [MemberSpec(place.other_community)])
    body = created(client, street, place.street.id, day, [(shift_id, 2)])
    proposed = client.post(f"{CALLUPS}/{body['id']}/proposal", headers=street).json
    assert {a["member"]["id"] for a in proposed["assignments"]} == set(assigned)  # 本社区 first
    assert client.post(f"{CALLUPS}/{body['id']}/confirm", headers=street).status_code == 200
    joined = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member_headers(waiting))
    assert joined.status_code == 201 and joined.json["status"] == "waitlisted"

    decliner, stayer = assigned
    invitation = client.get("/api/v1/me/invitations", headers=member_headers(decliner)).json[
        "items"
    ][0]
    declined = client.post(
        f"/api/v1/invitations/{invitation['id']}/decline", headers=member_headers(decliner)
    )

    assert declined.status_code == 200 and declined.json["status"] == "declined"
    assert roster(client, street, shift_id) == {
        decliner: "cancelled",
        stayer: "confirmed",
        waiting: "confirmed",
    }
    promoted = db.session.scalar(
        select(Signup).where(Signup.member_id == waiting, Signup.shift_id == shift_id)
    )
    assert promoted is not None and promoted.promoted_at is not None
    answers = client.get(f"{CALLUPS}/{body['id']}", headers=street).json["assignments"]
    assert {a["member"]["id"]: a["answer"] for a in answers} == {
        decliner: "declined",
        stayer: "pending",
    }


@pytest.mark.parametrize("role", [Role.COMMUNITY_ADMIN, Role.UNIT_ADMIN, None])
def test_call_ups_are_403_to_community_admins_unit_admins_and_members(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    role: Role | None,
    org_admin: tuple[City, dict[str, str]],
) -> None:
    place, org = org_admin
    scopes = {Role.COMMUNITY_ADMIN: place.community, Role.UNIT_ADMIN: place.unit}
    _, caller = login_as(client, fake_wechat, role, scopes[role] if role else None)
    day = shanghai_day(3)
    shift_id = day_shift(client, org, place.community, day)
    body = created(client, org, place.street.id, day, [(shift_id, 1)])

    assert create(client, caller, place.street.id, day, [(shift_id, 1)]).status_code == 403
    assert client.get(CALLUPS, headers=caller).status_code == 403
    assert client.get(f"{CALLUPS}/{body['id']}", headers=caller).status_code == 403
    assert client.post(f"{CALLUPS}/{body['id']}/proposal", headers=caller).status_code == 403
    assert client.post(f"{CALLUPS}/{body['id']}/confirm", headers=caller).status_code == 403


def test_admins_outside_the_call_ups_area_are_refused_and_see_only_their_own(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    elsewhere = make_city()
    other_street = add_area(place.city, AreaLevel.STREET)
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, street = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    _, neighbour = login_as(client, fake_wechat, Role.STREET_ADMIN, other_street)
    _, other_org = login_as(client, fake_wechat, Role.ORG_ADMIN, elsewhere.city)
    day = shanghai_day(3)
    shift_id = day_shift(client, org, place.community, day, capacity=10)
    street_call = created(client, street, place.street.id, day, [(shift_id, 1)])
    city_call = created(client, org, place.city.id, day, [(shift_id, 2)])

    assert create(client, street, place.city.id, day, [(shift_id, 1)]).status_code == 403
    assert create(client, neighbour, place.street.id, day, [(shift_id, 1)]).status_code == 403
    for outsider in (neighbour, other_org):
        for call in (street_call, city_call):
            # Someone else's call-up answers as an unknown one.
            assert client.get(f"{CALLUPS}/{call['id']}", headers=outsider).status_code == 404
            proposal = client.post(f"{CALLUPS}/{call['id']}/proposal", headers=outsider)
            assert proposal.status_code == 404
    assert client.get(f"{CALLUPS}/{city_call['id']}", headers=street).status_code == 404
    assert [c["id"] for c in client.get(CALLUPS, headers=street).json["items"]] == [
        street_call["id"]
    ]
    assert client.get(CALLUPS, headers=neighbour).json == {"items": [], "next_cursor": None}
    first = client.get(f"{CALLUPS}?limit=1", headers=org).json
    assert [c["id"] for c in first["items"]] == [city_call["id"]]
    assert first["items"][0]["totals"] == {"posts": 1, "places": 2, "filled": 0}
    second = client.get(f"{CALLUPS}?limit=1&cursor={first['next_cursor']}", headers=org).json
    assert [c["id"] for c in second["items"]] == [street_call["id"]]
    assert second["next_cursor"] is None


def test_bad_posts_are_refused_with_a_field_error_each_and_nothing_is_written(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    other_street = add_area(place.city, AreaLevel.STREET)
    beyond = add_area(other_street, AreaLevel.COMMUNITY)
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    day = shanghai_day(3)
    good = day_shift(client, org, place.community, day, capacity=3)
    other_area = day_shift(client, org, beyond, day)
    other_day = day_shift(client, org, place.community, shanghai_day(4))
    cancelled = day_shift(client, org, place.community, day, hour=15)
    client.post(f"/api/v1/shifts/{cancelled}/cancel", headers=org, json={"reason": "下雨"})
    before = count(CallUp)

    refused = create(
        client,
        org,
        place.street.id,
        day,
        [(good, 1), (other_area, 1), (other_day, 1), (cancelled, 1), (good, 2)],
    )
    too_many = create(client, org, place.street.id, day, [(good, 4)])
    community_wide = create(client, org, place.community.id, day, [(good, 1)])
    yesterday = create(client, org, place.street.id, shanghai_day(-1), [(good, 1)])

    assert refused.status_code == 422 and refused.json["code"] == "callup.bad_posts"
    assert set(refused.json["fields"]["posts"]) == {"1", "2", "3", "4"}
    assert refused.json["fields"]["posts"]["4"] == {"shift_id": ["班次重复"]}
    assert too_many.status_code == 422
    assert too_many.json["fields"]["posts"]["0"] == {"places": ["不能超过班次空余名额（3）"]}
    assert community_wide.status_code == 422 and community_wide.json["code"] == "callup.bad_area"
    assert yesterday.status_code == 422 and yesterday.json["code"] == "callup.bad_day"
    empty = client.post(
        CALLUPS,
        headers=org,
        json={"area_id": place.street.id, "title": "空", "day": day.isoformat(), "posts": []},
    )
    assert empty.status_code == 422 and "posts" in empty.json["fields"]
    assert count(CallUp) == before


def _one_post_call_up(
    client: FlaskClient, fake: FakeWeChat, places: int = 1, **shift: Any
) -> tuple[City, dict[str, str], Any, int, dict[str, Any]]:
    """A city with its org admin, and a call-up of its street with one post: the shift of a
    task of ``place.community`` on a day ahead."""
    place = make_city()
    _, org = login_as(client, fake, Role.ORG_ADMIN, place.city)
    day = shanghai_day(5)
    shift_id = day_shift(client, org, place.community, day, **{"capacity": 2, **shift})
    body = created(client, org, place.street.id, day, [(shift_id, places)])
    return place, org, day, shift_id, body


def test_manual_assignment_refuses_the_ineligible_the_busy_the_assigned_and_a_full_post(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place, org, day, _, body = _one_post_call_up(client, fake_wechat)
    url, post_id = f"{CALLUPS}/{body['id']}/assignments", body["posts"][0]["id"]
    (outsider,) = add_members_in_bulk(place.unit, [MemberSpec(place.other_community)])
    (busy, first, second, unverified) = add_members_in_bulk(
        place.unit, [MemberSpec(place.community)] * 4
    )
    db.session.get(Member, unverified).status = MemberStatus.PENDING  # type: ignore[union-attr]
    db.session.commit()
    clashing = day_shift(client, org, place.community, day, hour=10)
    assert (
        client.post(f"/api/v1/shifts/{clashing}/signups", headers=member_headers(busy)).status_code
        == 201
    )

    def assign(member_id: int) -> Any:
        return client.post(url, headers=org, json={"post_id": post_id, "member_id": member_id})

    assert assign(outsider).status_code == 422
    assert assign(outsider).json["code"] == "callup.member_not_eligible"
    assert assign(unverified).json["code"] == "callup.member_not_eligible"
    assert assign(busy).status_code == 409 and assign(busy).json["code"] == "callup.member_busy"
    assert assign(first).status_code == 201
    assert assign(first).json["code"] == "callup.already_assigned"
    assert assign(second).status_code == 409 and assign(second).json["code"] == "callup.post_full"
    stranger = client.post(url, headers=org, json={"post_id": post_id + 999, "member_id": second})
    assert stranger.status_code == 422 and stranger.json["code"] == "callup.post_not_found"


def test_confirm_after_the_shift_filled_meanwhile_is_409_naming_them_and_writes_nothing(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place, org, day, shift_id, body = _one_post_call_up(
        client, fake_wechat, places=2, visibility="street"
    )
    first, second = add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 2)
    self_starters = add_members_in_bulk(place.unit, [MemberSpec(place.other_community)] * 2)
    proposed = client.post(f"{CALLUPS}/{body['id']}/proposal", headers=org).json
    assert {a["member"]["id"] for a in proposed["assignments"]} == {first, second}
    names = {a["member"]["id"]: a["member"]["name"] for a in proposed["assignments"]}
    # Meanwhile two members sign up themselves and fill the shift, and one of the assigned
    # takes a clashing shift.
    for member_id in self_starters:
        joined = client.post(
            f"/api/v1/shifts/{shift_id}/signups", headers=member_headers(member_id)
        )
        assert joined.status_code == 201 and joined.json["status"] == "confirmed"
    clashing = day_shift(client, org, place.community, day, hour=11)
    taken = client.post(f"/api/v1/shifts/{clashing}/signups", headers=member_headers(second))
    assert taken.status_code == 201

    refused = client.post(f"{CALLUPS}/{body['id']}/confirm", headers=org)

    assert refused.status_code == 409 and refused.json["code"] == "callup.assignments_invalid"
    failures = {f["member_id"]: f["code"] for f in refused.json["fields"]["assignments"]}
    assert failures == {first: "shift.full", second: "signup.overlap"}
    assert names[first] in refused.json["message"] and names[second] in refused.json["message"]
    assert roster(client, org, shift_id) == dict.fromkeys(self_starters, "confirmed")
    invited = (
        select(func.count()).select_from(Invitation).where(Invitation.call_up_id == body["id"])
    )
    assert db.session.scalar(invited) == 0
    assert client.get(f"{CALLUPS}/{body['id']}", headers=org).json["status"] == "proposed"


def test_a_confirmed_or_cancelled_call_up_cannot_be_changed(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place, org, day, shift_id, body = _one_post_call_up(client, fake_wechat)
    (member,) = add_members_in_bulk(place.unit, [MemberSpec(place.community)])
    url = f"{CALLUPS}/{body['id']}"
    assert client.post(f"{url}/confirm", headers=org).json["code"] == "callup.empty"
    assignment = client.post(url + "/proposal", headers=org).json["assignments"][0]
    assert client.post(f"{url}/confirm", headers=org).status_code == 200

    attempts = [
        client.post(f"{url}/proposal", headers=org),
        client.post(
            f"{url}/assignments",
            headers=org,
            json={"post_id": body["posts"][0]["id"], "member_id": member},
        ),
        client.delete(f"{url}/assignments/{assignment['id']}", headers=org),
        client.post(f"{url}/confirm", headers=org),
        client.post(f"{url}/cancel", headers=org, json={"reason": "改期"}),
    ]

    assert [(r.status_code, r.json["code"]) for r in attempts] == [(409, "callup.not_editable")] * 5
    assert (
        db.session.scalar(
            select(func.count())
            .select_from(Signup)
            .where(Signup.shift_id == shift_id, Signup.status == SignupStatus.CONFIRMED)
        )
        == 1
    )
    other = created(
        client,
        org,
        place.street.id,
        day,
        [(day_shift(client, org, place.community, day, hour=15), 1)],
    )
    cancelled = client.post(f"{CALLUPS}/{other['id']}/cancel", headers=org, json={"reason": "改期"})
    assert cancelled.status_code == 200 and cancelled.json["status"] == "cancelled"
    assert cancelled.json["cancel_reason"] == "改期"
    late = client.post(f"{CALLUPS}/{other['id']}/proposal", headers=org)
    assert late.status_code == 409 and late.json["code"] == "callup.not_editable"


def test_a_proposal_fills_only_the_places_still_free_and_keeps_manual_ones(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place, org, _, shift_id, body = _one_post_call_up(
        client, fake_wechat, places=3, capacity=3, visibility="street"
    )
    url = f"{CALLUPS}/{body['id']}"
    (keen,) = add_members_in_bulk(place.unit, [MemberSpec(place.other_community)])
    (chosen,) = add_members_in_bulk(place.unit, [MemberSpec(place.other_community)])
    others = add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 5)
    assert (
        client.post(f"/api/v1/shifts/{shift_id}/signups", headers=member_headers(keen)).json[
            "status"
        ]
        == "confirmed"
    )
    manual = client.post(
        f"{url}/assignments",
        headers=org,
        json={"post_id": body["posts"][0]["id"], "member_id": chosen},
    )
    assert manual.status_code == 201 and manual.json["reasons"][0] == "本街道"

    proposed = client.post(f"{url}/proposal", headers=org).json

    # Three places, one taken by a member meanwhile, one by hand: one left to propose.
    assert proposed["totals"] == {"posts": 1, "places": 3, "filled": 2}
    by_source = {a["source"]: a["member"]["id"] for a in proposed["assignments"]}
    assert by_source["manual"] == chosen and by_source["proposed"] in others


def test_two_call_ups_of_one_day_never_count_on_the_same_member(
    client: FlaskClient, fake_wechat: FakeWeChat, org_admin: tuple[City, dict[str, str]]
) -> None:
    place, org = org_admin
    day = shanghai_day(3)
    morning = day_shift(client, org, place.community, day, hour=9, capacity=3)
    overlapping = day_shift(client, org, place.community, day, hour=10, capacity=3)
    evening = day_shift(client, org, place.community, day, hour=18, capacity=3)
    members = set(add_members_in_bulk(place.unit, [MemberSpec(place.community)] * 4))
    first = created(client, org, place.street.id, day, [(morning, 3)])
    second = created(client, org, place.street.id, day, [(overlapping, 3), (evening, 3)])
    post_of = {p["shift"]["id"]: p["id"] for p in second["posts"]}

    taken = client.post(f"{CALLUPS}/{first['id']}/proposal", headers=org).json
    in_first = {a["member"]["id"] for a in taken["assignments"]}
    by_hand = client.post(
        f"{CALLUPS}/{second['id']}/assignments",
        headers=org,
        json={"post_id": post_of[overlapping], "member_id": min(in_first)},
    )
    placed = by_post(client.post(f"{CALLUPS}/{second['id']}/proposal", headers=org).json)

    assert len(in_first) == 3
    # The overlapping post gets only the member the first call-up left; the evening is free.
    assert {a["member"]["id"] for a in placed[post_of[overlapping]]} == members - in_first
    assert len(placed[post_of[evening]]) == 3
    assert (by_hand.status_code, by_hand.json["code"]) == (409, "callup.member_busy")
    # Once the first call-up is cancelled, its members are free for the second again.
    cancel = client.post(f"{CALLUPS}/{first['id']}/cancel", headers=org, json={"reason": "改期"})
    assert cancel.status_code == 200, cancel.json
    again = client.post(f"{CALLUPS}/{second['id']}/proposal", headers=org).json
    assert len(by_post(again)[post_of[overlapping]]) == 3
