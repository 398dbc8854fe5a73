"""A city whose two communities each ran a task; a member (张三明) with service in both,
their secretaries, and records confirmed through the API as the communities confirm them."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine import clock
from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from sunshine.org.models import Area
from tests.builders import City, add_member, add_service_record, add_shifts, make_city, token_for
from tests.steps import login_as, published_shift

Headers = dict[str, str]


def days_ago(n: int) -> date:
    return clock.today() - timedelta(days=n)


@dataclass
class Scene:
    client: FlaskClient
    fake: FakeWeChat
    place: City
    secretary: Headers  # of place.community
    other_secretary: Headers  # of place.other_community
    member_id: int
    member: Headers
    tasks: dict[int, int] = field(default_factory=dict)  # community id → task id

    def admin(self, role: Role, scope: Any = None) -> Headers:
        _, headers = login_as(self.client, self.fake, role, scope)
        return headers

    def secretary_of(self, community: Area) -> Headers:
        return self.secretary if community.id == self.place.community.id else self.other_secretary

    def record(
        self, day: date, *, minutes: int = 120, community: Area | None = None, member_id: int = 0
    ) -> int:
        """A pending record of the member on ``day`` in ``community`` (default: the first)."""
        community = community or self.place.community
        (shift_id,) = add_shifts(self.tasks[community.id], 1)
        return add_service_record(
            member_id or self.member_id, shift_id, minutes=minutes, service_date=day
        )

    def confirmed(self, day: date, *, minutes: int = 120, community: Area | None = None) -> int:
        """A record of the member confirmed by its community's secretary through the API."""
        community = community or self.place.community
        record_id = self.record(day, minutes=minutes, community=community)
        response = self.client.post(
            f"/api/v1/service-records/{record_id}/confirm", headers=self.secretary_of(community)
        )
        assert response.status_code == 200, response.json
        return record_id

    def request(self, starts_on: date, ends_on: date, headers: Headers | None = None) -> Any:
        return self.client.post(
            "/api/v1/me/statements",
            json={"from": starts_on.isoformat(), "to": ends_on.isoformat()},
            headers=self.member if headers is None else headers,
        )

    def issue(self, starts_on: date, ends_on: date) -> dict[str, Any]:
        """The one statement the member gets for the period."""
        response = self.request(starts_on, ends_on)
        assert response.status_code == 201, response.json
        (statement,) = response.json["items"]
        return dict(statement)

    def get(self, url: str, headers: Headers | None = None) -> Any:
        return self.client.get(url, headers=self.member if headers is None else headers)

    def post(self, url: str, headers: Headers | None = None, **body: Any) -> Any:
        return self.client.post(
            url, json=body, headers=self.secretary if headers is None else headers
        )


@pytest.fixture
def scene(client: FlaskClient, fake_wechat: FakeWeChat) -> Scene:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, other_secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    tasks = {
        place.community.id: published_shift(client, secretary, place.community)[0],
        place.other_community.id: published_shift(client, other_secretary, place.other_community)[
            0
        ],
    }
    member_id = add_member(
        name="张三明",
        phone="13900000123",
        unit=place.unit,
        residence=place.community,
        verified=True,
    )
    member = db.session.get(Member, member_id)
    assert member is not None
    return Scene(
        client=client,
        fake=fake_wechat,
        place=place,
        secretary=secretary,
        other_secretary=other_secretary,
        member_id=member_id,
        member=token_for(member.account_id),
        tasks=tasks,
    )
