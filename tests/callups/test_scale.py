"""A call-up of 300 places from 3,000 members, over HTTP: valid, as full as eligibility
allows, and fair — checked against rules written out again here, not against the solver."""

from __future__ import annotations

import random
from collections import Counter, defaultdict
from dataclasses import dataclass
from datetime import datetime, time, timedelta
from typing import Any

import networkx as nx
import sqlalchemy as sa
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Role
from sunshine.clock import SHANGHAI
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area, AreaLevel
from sunshine.tasks.models import Invitation, Shift, Signup, SignupStatus
from tests.builders import add_area, add_skill, make_city, shanghai_day
from tests.bulk import MemberSpec, add_members_in_bulk, add_service_history
from tests.steps import day_shift, login_as

YEARLY = 24 * 60  # the default YEARLY_SERVICE_HOURS, in minutes
SLOTS = ("weekday_daytime", "evenings", "weekends")


@dataclass
class Person:
    id: int
    community: Area
    flags: dict[str, bool]
    skills: frozenset[int]
    served: int

    @property
    def gap(self) -> int:
        return max(0, YEARLY - self.served)


@dataclass
class Post:
    id: int
    shift_id: int
    places: int
    task_area: Area
    scope: str
    starts: datetime
    ends: datetime
    skills: frozenset[int]

    @property
    def slot(self) -> str:
        local = self.starts.astimezone(SHANGHAI)
        if local.weekday() >= 5:
            return "weekends"
        return "evenings" if local.hour >= 18 else "weekday_daytime"


def street_of(path: str) -> str:
    return "/" + "/".join(path.strip("/").split("/")[:2]) + "/"


def other_score(person: Person, post: Post) -> int:
    """The feed's points, written out again: where, skills (≤ 2 × 15), time."""
    if person.community.path == post.task_area.path:
        where = 30
    elif street_of(person.community.path) == street_of(post.task_area.path):
        where = 20
    else:
        where = 10
    skills = 15 * min(2, len(person.skills & post.skills))
    return where + skills + (10 if person.flags[post.slot] else 0)


def full_score(person: Person, post: Post) -> int:
    return other_score(person, post) + 10 * person.gap // YEARLY


def add_signups(area: Area, day: Any, hours: tuple[int, int], member_ids: list[int]) -> Shift:
    """Members already holding places on a shift of ``area`` that day (written directly)."""
    from sunshine.tasks.models import Task, TaskKind, TaskStatus, Visibility
    from tests.builders import first_category_id

    starts = datetime.combine(day, time(hours[0]), SHANGHAI)
    task = Task(
        area_id=area.id,
        area_path=area.path,
        kind=TaskKind.ACTIVITY,
        category_id=first_category_id(),
        title="已有安排",
        content="已有安排",
        address="社区",
        visibility=Visibility.COMMUNITY,
        contact_name="王书记",
        contact_phone="0358-7221234",
        status=TaskStatus.PUBLISHED,
    )
    shift = Shift(
        task=task,
        starts_at=starts,
        ends_at=starts + timedelta(hours=hours[1] - hours[0]),
        capacity=1000,
        signup_deadline=starts,
        confirmed_count=len(member_ids),
    )
    db.session.add(shift)
    db.session.flush()
    db.session.execute(
        sa.insert(Signup),
        [
            {"shift_id": shift.id, "member_id": m, "status": SignupStatus.CONFIRMED}
            for m in member_ids
        ],
    )
    db.session.commit()
    return shift


def test_call_up_of_300_places_from_3000_members_is_valid_full_and_fair(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    rng = random.Random(20261127)
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    streets = [
        place.street,
        add_area(place.city, AreaLevel.STREET),
        add_area(place.city, AreaLevel.STREET),
    ]
    communities = [place.community, place.other_community]
    communities += [add_area(place.street, AreaLevel.COMMUNITY) for _ in range(2)]
    for street in streets[1:]:
        communities += [add_area(street, AreaLevel.COMMUNITY) for _ in range(4)]
    hamlet = add_area(streets[2], AreaLevel.COMMUNITY)  # five members: a post it cannot fill
    skills = [add_skill() for _ in range(3)]
    day = shanghai_day(3)

    specs = [
        MemberSpec(
            hamlet if i < 5 else rng.choice(communities),
            weekday_daytime=rng.random() < 0.4,
            evenings=rng.random() < 0.5,
            weekends=rng.random() < 0.6,
            skill_ids=tuple(rng.sample(skills, rng.randint(1, 2))) if rng.random() < 0.3 else (),
        )
        for i in range(3000)
    ]
    ids = add_members_in_bulk(place.unit, specs)
    served = {
        m: rng.choice([0, 0, 0, 120, 360, 600, 900, 1200, 1440, 2000, 30 * rng.randrange(48)])
        for m in ids
    }
    add_service_history(place.community, served)
    people = {
        m: Person(
            m,
            spec.community,
            dict(zip(SLOTS, (spec.weekday_daytime, spec.evenings, spec.weekends), strict=True)),
            frozenset(spec.skill_ids),
            served[m],
        )
        for m, spec in zip(ids, specs, strict=True)
    }
    # Already busy that day: a morning shift and an evening one.
    morning = add_signups(communities[5], day, (8, 13), rng.sample(ids[5:], 150))
    evening = add_signups(communities[9], day, (18, 21), rng.sample(ids[5:], 100))

    shift_ids, owners = [], []
    for k in range(20):
        owner = streets[k % 3] if k % 5 == 0 else communities[k % len(communities)]
        visibility = rng.choice(["street", "city"] + ([] if owner in streets else ["community"]))
        if k == 19:
            owner, visibility = hamlet, "community"
        shift_ids.append(
            day_shift(
                client,
                org,
                owner,
                day,
                visibility=visibility,
                skill_ids=[skills[k % 3]] if k % 4 == 0 else None,
                hour=(9, 14, 19)[k % 3],
                hours=3 if k % 3 < 2 else 2,
                capacity=20,
            )
        )
        owners.append(owner)
    second = db.session.get(Shift, shift_ids[1])
    assert second is not None
    invited = rng.sample(
        [m for m in ids if people[m].community.path.startswith(second.scope_path)], 5
    )
    response = client.post(
        f"/api/v1/shifts/{shift_ids[1]}/invitations", headers=org, json={"member_ids": invited}
    )
    assert response.status_code == 201, response.json

    created = client.post(
        "/api/v1/call-ups",
        headers=org,
        json={
            "area_id": place.city.id,
            "title": "全国文明城市迎检",
            "day": day.isoformat(),
            "posts": [{"shift_id": s, "places": 15} for s in shift_ids],
        },
    )
    assert created.status_code == 201, created.json
    assert created.json["totals"]["places"] == 300

    proposed = client.post(f"/api/v1/call-ups/{created.json['id']}/proposal", headers=org)

    assert proposed.status_code == 200, proposed.json
    body = proposed.json
    shifts = {s.id: s for s in db.session.scalars(select(Shift).where(Shift.id.in_(shift_ids)))}
    posts = {
        p["id"]: Post(
            p["id"],
            p["shift"]["id"],
            p["places"],
            owner,
            shifts[p["shift"]["id"]].scope_path,
            shifts[p["shift"]["id"]].starts_at,
            shifts[p["shift"]["id"]].ends_at,
            frozenset(skill.id for skill in shifts[p["shift"]["id"]].task.skills),
        )
        for p, owner in zip(body["posts"], owners, strict=True)
    }
    clashes = {morning.id: morning, evening.id: evening}
    busy_on: dict[int, list[Shift]] = defaultdict(list)
    for shift_id, member_id in db.session.execute(
        select(Signup.shift_id, Signup.member_id).where(Signup.shift_id.in_(clashes))
    ):
        busy_on[member_id].append(clashes[shift_id])

    def eligible(person: Person, post: Post) -> bool:
        if not person.community.path.startswith(post.scope):
            return False
        if post.shift_id == shift_ids[1] and person.id in invited:
            return False
        return not any(
            s.starts_at < post.ends and s.ends_at > post.starts for s in busy_on[person.id]
        )

    chosen = {a["member"]["id"]: a for a in body["assignments"]}
    at_post: dict[int, set[int]] = defaultdict(set)
    for a in body["assignments"]:
        at_post[a["post_id"]].add(a["member"]["id"])

    # Valid: nobody twice, no post over its places, everyone eligible and free then.
    assert len(chosen) == len(body["assignments"])
    assert all(len(at_post[p]) <= posts[p].places for p in posts)
    assert all(eligible(people[m], posts[a["post_id"]]) for m, a in chosen.items())
    # As full as eligibility allows: the maximum flow of the eligibility graph, with members
    # who are eligible for the same posts pooled into one node (same value, far smaller).
    kinds = Counter(
        frozenset(p.id for p in posts.values() if eligible(person, p)) for person in people.values()
    )
    graph = nx.DiGraph()
    for post in posts.values():
        graph.add_edge(("post", post.id), "t", capacity=post.places)
    for kind, n in kinds.items():
        graph.add_edge("s", kind, capacity=n)
        for post_id in kind:
            graph.add_edge(kind, ("post", post_id))
    assert len(chosen) == nx.maximum_flow_value(graph, "s", "t") == 290
    assert len(at_post[next(p for p in posts.values() if p.task_area == hamlet).id]) == 5
    # Scores are the feed's points plus the gap term, with the reasons shown.
    for m, a in chosen.items():
        assert a["score"] == full_score(people[m], posts[a["post_id"]])
        if people[m].gap:
            assert f"本年度还差 {round(people[m].gap / 60, 1):g} 小时" in a["reasons"]
    # Best for each post: nobody left out would score higher there than someone chosen, and
    # at equal score the one further behind is chosen — so the task's own community, the
    # right skills and free time win places, and a member further behind is never left out
    # while one less behind with an equal or lower other score is chosen for the same post.
    left_out = [p for m, p in people.items() if m not in chosen]
    for post in posts.values():
        others = [o for o in left_out if eligible(o, post)]
        taken = [people[m] for m in at_post[post.id]]
        if not others:
            continue
        best_other = max((full_score(o, post), o.gap) for o in others)
        assert best_other <= min((full_score(t, post), t.gap) for t in taken)
        furthest: dict[int, int] = {}  # other score → the largest gap left out with it
        for o in others:
            points = other_score(o, post)
            furthest[points] = max(furthest.get(points, 0), o.gap)
        for t in taken:
            at_least = [gap for points, gap in furthest.items() if points >= other_score(t, post)]
            assert max(at_least, default=0) <= t.gap
    own = sum(1 for m, a in chosen.items() if people[m].community == posts[a["post_id"]].task_area)
    assert own > len(chosen) // 2  # most places go to the task's own community

    confirmed = client.post(f"/api/v1/call-ups/{created.json['id']}/confirm", headers=org)

    assert confirmed.status_code == 200, confirmed.json
    held = Counter(
        db.session.execute(
            select(Signup.member_id, Signup.shift_id).where(
                Signup.shift_id.in_(shift_ids), Signup.status == SignupStatus.CONFIRMED
            )
        ).all()
    )
    expected = Counter((m, posts[a["post_id"]].shift_id) for m, a in chosen.items())
    assert held == expected
    invitations = Counter(
        db.session.execute(
            select(Invitation.member_id, Invitation.shift_id).where(
                Invitation.call_up_id == created.json["id"]
            )
        ).all()
    )
    assert invitations == expected
    assert (
        db.session.scalar(select(func.sum(Shift.confirmed_count)).where(Shift.id.in_(shift_ids)))
        == 290
    )
