"""GET /me/feed: what a member may join, ranked, with reasons; others see nothing of it."""

from __future__ import annotations

from datetime import timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member, Skill
from sunshine.org import service as org
from sunshine.org.models import AreaLevel
from tests.builders import make_city, reported_headers, set_shift_times
from tests.bulk import add_service_history
from tests.steps import login_as, own_member_id, published_shift

FEED = "/api/v1/me/feed"


def test_feed_ranks_own_community_first_and_explains_why(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    member = reported_headers(place, place.community)
    _, own = published_shift(client, street_admin, place.community, starts_in=timedelta(days=3))
    _, sibling = published_shift(
        client,
        street_admin,
        place.other_community,
        visibility="street",
        starts_in=timedelta(days=1),
    )
    _, hidden = published_shift(client, street_admin, place.other_community, visibility="community")

    body = client.get(FEED, headers=member).json

    ids = [item["shift"]["id"] for item in body["items"]]
    assert ids == [own, sibling]  # own community outranks the sooner street-wide shift
    assert hidden not in ids
    assert body["items"][0]["reasons"][0] == "本社区"
    assert body["items"][1]["reasons"][0] == "本街道"
    assert body["next_cursor"] is None


def test_feed_shows_skill_match_and_drops_joined_and_clashing_shifts(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = reported_headers(place, place.community)
    law = db.session.scalar(select(Skill).where(Skill.name == "法律咨询"))
    assert law is not None
    law_id = law.id
    record = db.session.scalars(select(Member).order_by(Member.id.desc())).first()
    assert record is not None
    record.skills = [law]
    db.session.commit()
    _, lawyering = published_shift(client, secretary, place.community, starts_in=timedelta(days=5))
    client.patch(
        f"/api/v1/tasks/{_task_of(lawyering)}", headers=secretary, json={"skill_ids": [law_id]}
    )
    _, joined = published_shift(client, secretary, place.community, starts_in=timedelta(days=2))
    _, clashing = published_shift(
        client, secretary, place.community, starts_in=timedelta(days=2, hours=1)
    )
    assert client.post(f"/api/v1/shifts/{joined}/signups", headers=member).status_code == 201

    items = client.get(FEED, headers=member).json["items"]

    assert [i["shift"]["id"] for i in items] == [lawyering]  # not joined, not clashing
    assert {joined, clashing}.isdisjoint(i["shift"]["id"] for i in items)
    assert "技能匹配：法律咨询" in items[0]["reasons"]


def test_feed_pages_with_an_offset_cursor_and_filters_by_kind(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = reported_headers(place, place.community)
    shifts = [
        published_shift(client, secretary, place.community, starts_in=timedelta(days=d))[1]
        for d in (1, 2, 3)
    ]

    first = client.get(f"{FEED}?limit=2", headers=member).json
    second = client.get(f"{FEED}?limit=2&cursor={first['next_cursor']}", headers=member).json
    posts = client.get(f"{FEED}?kind=post", headers=member).json

    assert [i["shift"]["id"] for i in first["items"] + second["items"]] == shifts
    assert second["next_cursor"] is None
    assert posts["items"] == []


def test_feed_leaves_out_shifts_past_their_deadline(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    from sunshine.database import utcnow

    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = reported_headers(place, place.community)
    _, closed = published_shift(client, secretary, place.community)
    set_shift_times(closed, signup_deadline=utcnow() - timedelta(minutes=1))
    db.session.commit()

    assert client.get(FEED, headers=member).json["items"] == []


def test_feed_needs_an_active_report_in(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    member = reported_headers(place, place.community, report_in=None)

    response = client.get(FEED, headers=member)

    assert response.status_code == 409 and response.json["code"] == "feed.no_report_in"


def test_city_wide_task_reaches_another_street_but_not_another_city(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    other = make_city()
    far_street = org.create_area(name="振兴街道", level=AreaLevel.STREET, parent=place.city)
    far = org.create_area(name="振兴社区", level=AreaLevel.COMMUNITY, parent=far_street)
    db.session.commit()
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, citywide = published_shift(client, org_admin, place.community, visibility="city")
    near = reported_headers(place, far)
    stranger = reported_headers(other, other.community)

    near_items = client.get(FEED, headers=near).json["items"]
    stranger_items = client.get(FEED, headers=stranger).json["items"]

    assert [(i["shift"]["id"], i["reasons"][0]) for i in near_items] == [(citywide, "全市")]
    assert stranger_items == []


def test_changing_a_tasks_visibility_moves_its_shifts_in_and_out_of_feeds(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    _, shift_id = published_shift(client, street_admin, place.community, visibility="community")
    neighbour = reported_headers(place, place.other_community)
    task_url = f"/api/v1/tasks/{_task_of(shift_id)}"

    hidden = client.get(FEED, headers=neighbour).json["items"]
    widened = client.patch(task_url, json={"visibility": "street"}, headers=street_admin)
    shown = client.get(FEED, headers=neighbour).json["items"]
    narrowed = client.patch(task_url, json={"visibility": "community"}, headers=street_admin)
    hidden_again = client.get(FEED, headers=neighbour).json["items"]

    assert widened.status_code == 200 and narrowed.status_code == 200
    assert hidden == [] and hidden_again == []
    assert [(i["shift"]["id"], i["reasons"][0]) for i in shown] == [(shift_id, "本街道")]


def test_changing_a_tasks_kind_or_category_moves_its_shifts_between_filtered_feeds(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    from sunshine.tasks.models import TaskCategory

    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, shift_id = published_shift(client, secretary, place.community)  # an activity
    member = reported_headers(place, place.community)
    task_url = f"/api/v1/tasks/{_task_of(shift_id)}"
    first, other = db.session.scalars(
        select(TaskCategory.id).where(TaskCategory.active).order_by(TaskCategory.id).limit(2)
    ).all()
    db.session.commit()

    def shown(query: str) -> list[int]:
        return [
            i["shift"]["id"] for i in client.get(f"{FEED}?{query}", headers=member).json["items"]
        ]

    before = (shown("kind=post"), shown(f"category_id={first}"), shown(f"category_id={other}"))
    changed = client.patch(task_url, json={"kind": "post", "category_id": other}, headers=secretary)
    after = (shown("kind=post"), shown(f"category_id={first}"), shown(f"category_id={other}"))

    assert changed.status_code == 200
    assert before == ([], [shift_id], [])
    assert after == ([shift_id], [], [shift_id])


def _task_of(shift_id: int) -> int:
    from sunshine.tasks.models import Shift

    task_id = db.session.scalar(select(Shift.task_id).where(Shift.id == shift_id))
    assert task_id is not None
    return task_id


def test_feed_tells_members_how_far_behind_the_yearly_requirement_they_are(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    published_shift(client, secretary, place.community)
    idle = reported_headers(place, place.community)
    halfway = reported_headers(place, place.community)
    done = reported_headers(place, place.community)
    add_service_history(
        place.community, {own_member_id(client, halfway): 690, own_member_id(client, done): 1440}
    )

    reasons = {
        name: client.get(FEED, headers=headers).json["items"][0]["reasons"]
        for name, headers in (("idle", idle), ("halfway", halfway), ("done", done))
    }
    scores = {
        name: client.get(FEED, headers=headers).json["items"][0]["score"]
        for name, headers in (("idle", idle), ("halfway", halfway), ("done", done))
    }

    assert reasons["idle"][-1] == "本年度还差 24 小时"  # YEARLY_SERVICE_HOURS, default 24
    assert reasons["halfway"][-1] == "本年度还差 12.5 小时"
    assert not any(r.startswith("本年度还差") for r in reasons["done"])
    assert scores["idle"] - scores["done"] == 10 and scores["halfway"] - scores["done"] == 5
