"""Detachment tests: a city whose org department runs a detachment of members from three
communities and two units, with a leader; shifts of a city-visible task to sign up for."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org.models import Area, AreaLevel
from tests.builders import (
    City,
    add_area,
    add_reported_members,
    add_unit,
    member_id_of,
    token_for,
)
from tests.steps import post_shift, post_task, publish

Headers = dict[str, str]


@dataclass
class Team:
    client: FlaskClient
    place: City
    org_admin: Headers
    detachment_id: int
    leader_id: int
    leader: Headers
    member_ids: list[int]  # the leader first, then the others: three communities, two units
    headers: dict[int, Headers] = field(default_factory=dict)  # member id → headers
    task_id: int = 0

    @property
    def url(self) -> str:
        return f"/api/v1/detachments/{self.detachment_id}"

    def shift(self, capacity: int = 5, **shift: Any) -> int:
        """A new shift of the city-visible task (``shift`` as for ``steps.shift_body``)."""
        return post_shift(self.client, self.org_admin, self.task_id, capacity=capacity, **shift)

    def sign_up(
        self, shift_id: int, member_ids: list[int], headers: Headers | None = None, **body: Any
    ) -> Any:
        return self.client.post(
            f"/api/v1/shifts/{shift_id}/team-signups",
            json={"detachment_id": self.detachment_id, "member_ids": member_ids, **body},
            headers=self.leader if headers is None else headers,
        )


def members_in(place: City, community: Area, n: int = 1, **options: Any) -> list[int]:
    """``add_reported_members``, as member ids."""
    return [member_id_of(a) for a in add_reported_members(place, community, n, **options)]


def city_members(place: City, counts: dict[str, int]) -> list[int]:
    """Verified members reported in to ``place``'s communities: ``counts`` by community key
    (community, other_community, third); those of "third" work at another unit. Member ids."""
    third = add_area(place.street, AreaLevel.COMMUNITY)
    other_unit = replace(place, unit=add_unit(place.city))
    where = {
        "community": (place, place.community),
        "other_community": (place, place.other_community),
        "third": (other_unit, third),
    }
    accounts: list[int] = []
    for key, n in counts.items():
        city, community = where[key]
        accounts += add_reported_members(city, community, n)
    return [member_id_of(a) for a in accounts]


def create(client: FlaskClient, headers: Headers, city_id: int, **body: Any) -> Any:
    return client.post(f"/api/v1/cities/{city_id}/detachments", json=body, headers=headers)


@pytest.fixture
def team(client: FlaskClient, org_admin: tuple[City, Headers]) -> Team:
    """A detachment of eight: three members of each of the first two communities and two of
    a third (at another unit); the first is its leader. A published city-visible task."""
    place, admin = org_admin
    member_ids = city_members(place, {"community": 3, "other_community": 3, "third": 2})
    made = create(
        client,
        admin,
        place.city.id,
        name="第一志愿服务支队",
        leader_member_id=member_ids[0],
        member_ids=member_ids[1:],
    )
    assert made.status_code == 201, made.json
    headers = {m: token_for(db.session.get_one(Member, m).account_id) for m in member_ids}
    task_id = post_task(client, admin, place.community, visibility="city")
    post_shift(client, admin, task_id)  # publishing needs a shift
    publish(client, admin, task_id)
    return Team(
        client=client,
        place=place,
        org_admin=admin,
        detachment_id=made.json["id"],
        leader_id=member_ids[0],
        leader=headers[member_ids[0]],
        member_ids=member_ids,
        headers=headers,
        task_id=task_id,
    )
