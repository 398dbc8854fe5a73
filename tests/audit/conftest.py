"""A city with two streets, their admins, the organization department and a member in each
street; a city-wide task so both members' feeds show a shift."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine import clock
from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area, AreaLevel
from tests.builders import City, add_area, make_city, reported_headers
from tests.steps import login_as, published_shift

Headers = dict[str, str]


@dataclass
class Audit:
    client: FlaskClient
    fake: FakeWeChat
    place: City
    other_street: Area
    org_admin: Headers
    org_admin_id: int
    street_admin: Headers
    street_admin_id: int
    member: Headers  # in place.street
    other_member: Headers  # in other_street

    def admin(self, role: Role, scope: Any = None) -> Headers:
        _, headers = login_as(self.client, self.fake, role, scope)
        return headers

    def year_period(self, headers: Headers | None = None) -> int:
        year = clock.today().year
        response = self.client.post(
            f"/api/v1/cities/{self.place.city.id}/periods",
            json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
            headers=headers or self.org_admin,
        )
        assert response.status_code == 201, response.json
        return int(response.json["id"])

    def put(self, url: str, headers: Headers | None = None, **body: Any) -> Any:
        return self.client.put(url, json=body, headers=headers or self.org_admin)

    def get(self, url: str, headers: Headers | None = None) -> Any:
        return self.client.get(url, headers=headers or self.org_admin)


@pytest.fixture
def audit(client: FlaskClient, fake_wechat: FakeWeChat) -> Audit:
    place = make_city()
    other_street = add_area(place.city, AreaLevel.STREET)
    other_community = add_area(other_street, AreaLevel.COMMUNITY)
    org_account, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    street_account, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    published_shift(client, org_admin, place.community, visibility="city")
    return Audit(
        client=client,
        fake=fake_wechat,
        place=place,
        other_street=other_street,
        org_admin=org_admin,
        org_admin_id=org_account.id,
        street_admin=street_admin,
        street_admin_id=street_account.id,
        member=reported_headers(place, place.community),
        other_member=reported_headers(place, other_community),
    )
