"""Team signups (POST /shifts/{id}/team-signups): all the named members confirmed, or none;
each judged by the signup rules; refusals by role and by city; bad input."""

from __future__ import annotations

from datetime import timedelta

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.database import utcnow
from sunshine.detachments.models import DetachmentSignup
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from sunshine.notify.models import Message
from sunshine.tasks.models import Shift, Signup
from tests.builders import count, make_city, set_shift_times, token_for
from tests.detachments.conftest import Team, members_in
from tests.steps import login_as, post_shift, post_task, publish


def _confirmed(shift_id: int) -> int:
    db.session.expire_all()
    return db.session.get_one(Shift, shift_id).confirmed_count


def _nothing_written(shift_id: int, signups: int = 0, messages: int = 0) -> None:
    assert _confirmed(shift_id) == signups
    assert count(Signup) == signups and count(DetachmentSignup) == signups
    assert count(Message) == messages


def test_the_leader_signs_up_five_members_for_five_places(team: Team) -> None:
    shift_id = team.shift(capacity=5, starts_in=timedelta(days=3))
    five = team.member_ids[:5]

    response = team.sign_up(shift_id, five)

    assert response.status_code == 201, response.json
    assert response.json["detachment_id"] == team.detachment_id
    assert [s["member_id"] for s in response.json["signups"]] == five
    assert {s["status"] for s in response.json["signups"]} == {"confirmed"}
    assert _confirmed(shift_id) == 5
    assert count(DetachmentSignup) == 5
    for member_id in five:  # each is told, as a member signing up alone is
        inbox = team.client.get("/api/v1/me/messages", headers=team.headers[member_id])
        assert [m["event"] for m in inbox.json["items"]] == ["signup_confirmed"]
    mine = team.client.get("/api/v1/me/signups", headers=team.headers[five[4]]).json["items"]
    assert [s["shift"]["id"] for s in mine] == [shift_id]


def test_a_team_of_six_for_five_places_signs_up_nobody(team: Team) -> None:
    shift_id = team.shift(capacity=5, starts_in=timedelta(days=3))

    response = team.sign_up(shift_id, team.member_ids[:6])

    assert response.status_code == 409 and response.json["code"] == "team_signup.too_many"
    assert response.json["fields"] == {"free_places": 5, "requested": 6}
    _nothing_written(shift_id)


def test_the_places_left_count_not_the_capacity(team: Team) -> None:
    shift_id = team.shift(capacity=5, starts_in=timedelta(days=3))
    alone = team.client.post(
        f"/api/v1/shifts/{shift_id}/signups", headers=team.headers[team.member_ids[7]]
    )
    assert alone.status_code == 201

    refused = team.sign_up(shift_id, team.member_ids[:5])
    fits = team.sign_up(shift_id, team.member_ids[:4])

    assert refused.status_code == 409 and refused.json["fields"]["free_places"] == 4
    assert fits.status_code == 201 and _confirmed(shift_id) == 5
    assert count(DetachmentSignup) == 4  # the member who signed up alone came through no team


def test_the_org_admin_may_sign_a_team_up_too(team: Team) -> None:
    shift_id = team.shift(starts_in=timedelta(days=3))

    response = team.sign_up(shift_id, team.member_ids[2:4], headers=team.org_admin)

    assert response.status_code == 201 and _confirmed(shift_id) == 2


def test_a_member_with_a_clash_refuses_the_whole_team_naming_them(team: Team) -> None:
    busy = team.member_ids[2]
    other = team.shift(starts_in=timedelta(days=3))
    assert (
        team.client.post(f"/api/v1/shifts/{other}/signups", headers=team.headers[busy]).status_code
        == 201
    )
    overlapping = team.shift(starts_in=timedelta(days=3, hours=1))
    already = team.shift(starts_in=timedelta(days=5))
    assert team.sign_up(already, [team.member_ids[3]]).status_code == 201

    clash = team.sign_up(overlapping, team.member_ids[:4])
    twice = team.sign_up(already, team.member_ids[3:5])

    assert clash.status_code == 409 and clash.json["code"] == "team_signup.members_refused"
    (failure,) = clash.json["fields"]["members"]
    assert (failure["member_id"], failure["code"]) == (busy, "signup.overlap")
    assert failure["member_name"] in clash.json["message"]
    assert twice.status_code == 409
    assert [(f["member_id"], f["code"]) for f in twice.json["fields"]["members"]] == [
        (team.member_ids[3], "team_signup.already_signed_up")
    ]
    assert _confirmed(overlapping) == 0 and _confirmed(already) == 1


def test_members_the_task_is_not_for_are_named(team: Team) -> None:
    """A community task: the members reported in elsewhere are not eligible."""
    task_id = post_task(team.client, team.org_admin, team.place.community)
    shift_id = post_shift(team.client, team.org_admin, task_id, starts_in=timedelta(days=4))
    publish(team.client, team.org_admin, task_id)

    response = team.sign_up(shift_id, team.member_ids)

    assert response.status_code == 409
    refused = {f["member_id"]: f["code"] for f in response.json["fields"]["members"]}
    assert refused == {m: "signup.not_eligible" for m in team.member_ids[3:]}
    assert _confirmed(shift_id) == 0


def test_past_the_deadline_the_shift_answers_once(team: Team) -> None:
    shift_id = team.shift(starts_in=timedelta(days=3))
    set_shift_times(shift_id, signup_deadline=utcnow() - timedelta(minutes=1))

    response = team.sign_up(shift_id, team.member_ids[:3])

    assert response.status_code == 409 and response.json["code"] == "shift.signup_closed"
    assert "fields" not in response.json
    _nothing_written(shift_id)


def test_a_deactivated_detachment_signs_no_one_up(team: Team) -> None:
    shift_id = team.shift(starts_in=timedelta(days=3))
    team.client.patch(team.url, json={"active": False}, headers=team.org_admin)

    response = team.sign_up(shift_id, team.member_ids[:2])

    assert response.status_code == 409 and response.json["code"] == "detachment.inactive"
    _nothing_written(shift_id)


@pytest.mark.parametrize(
    ("member_ids", "code"),
    [
        ([], "request.invalid"),
        (list(range(1, 52)), "request.invalid"),
        ("dup", "team_signup.duplicate_members"),
        ("outsider", "team_signup.not_in_detachment"),
    ],
)
def test_bad_team_lists_are_422_and_write_nothing(
    team: Team, member_ids: list[int] | str, code: str
) -> None:
    shift_id = team.shift(starts_in=timedelta(days=3))
    if member_ids == "dup":
        member_ids = [team.member_ids[0], team.member_ids[1], team.member_ids[0]]
    elif member_ids == "outsider":
        member_ids = [*team.member_ids[:2], *members_in(team.place, team.place.community)]

    response = team.sign_up(shift_id, list(member_ids))

    assert response.status_code == 422 and response.json["code"] == code
    assert "member_ids" in response.json["fields"]
    _nothing_written(shift_id)


def test_a_removed_member_can_no_longer_be_signed_up(team: Team) -> None:
    shift_id = team.shift(starts_in=timedelta(days=3))
    gone = team.member_ids[5]
    team.client.delete(f"{team.url}/members/{gone}", headers=team.org_admin)

    response = team.sign_up(shift_id, [gone])

    assert response.status_code == 422 and response.json["code"] == "team_signup.not_in_detachment"


def test_unknown_shift_is_404(team: Team) -> None:
    response = team.sign_up(999999, team.member_ids[:2])

    assert response.status_code == 404 and response.json["code"] == "shift.not_found"


def test_who_may_sign_a_team_up(team: Team, client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    shift_id = team.shift(starts_in=timedelta(days=3))
    other = make_city("介休市")
    _, other_org = login_as(client, fake_wechat, Role.ORG_ADMIN, other.city)
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, team.place.community)
    (outsider,) = members_in(team.place, team.place.community)
    stranger = token_for(db.session.get_one(Member, outsider).account_id)
    plain_member = team.headers[team.member_ids[1]]

    answers = {
        "plain member": team.sign_up(shift_id, team.member_ids[1:3], headers=plain_member),
        "other city's org admin": team.sign_up(shift_id, team.member_ids[:2], headers=other_org),
        "secretary": team.sign_up(shift_id, team.member_ids[:2], headers=secretary),
        "stranger": team.sign_up(shift_id, team.member_ids[:2], headers=stranger),
    }

    assert answers["plain member"].status_code == 403
    assert answers["plain member"].json["code"] == "detachment.leader_only"
    for who in ("other city's org admin", "secretary", "stranger"):
        assert answers[who].status_code == 404, who
        assert answers[who].json["code"] == "detachment.not_found", who
    _nothing_written(shift_id)
