"""One city where a work unit reports in: its admins, the community's, the street's, the org
department's, a second unit of the city, and members of both units."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.org.models import Area, PartyOrg, WorkUnit
from tests.builders import (
    City,
    add_reported_members,
    add_unit,
    grant,
    make_account,
    make_city,
    make_party_org,
    member_id_of,
    token_for,
)

Headers = dict[str, str]


def admin(role: Role, scope: Area | WorkUnit) -> Headers:
    account = make_account()
    grant(account, role, scope)
    return token_for(account.id)


@dataclass
class Scene:
    client: FlaskClient
    place: City
    party_org: PartyOrg
    other_unit: WorkUnit
    other_party_org: PartyOrg
    unit_admin: Headers
    other_unit_admin: Headers
    community_admin: Headers
    neighbour_admin: Headers  # the admin of the city's other community
    street_admin: Headers
    org_admin: Headers
    member_ids: list[int] = field(default_factory=list)  # verified members of the unit
    other_member_id: int = 0  # a verified member of the other unit

    def report_in(self, community: Area | None = None, **body: Any) -> Any:
        payload = {
            "unit_id": self.place.unit.id,
            "party_org_id": self.party_org.id,
            "community_id": (community or self.place.community).id,
            **body,
        }
        return self.client.post("/api/v1/unit-report-ins", json=payload, headers=self.unit_admin)

    def admitted(self) -> int:
        """A report-in of the unit to the first community, approved: its id."""
        made = self.report_in()
        assert made.status_code == 201, made.json
        url = f"/api/v1/unit-report-ins/{made.json['id']}/approve"
        approved = self.client.post(url, json={}, headers=self.community_admin)
        assert approved.status_code == 200, approved.json
        return int(made.json["id"])

    def project(self, report_in_id: int, **body: Any) -> Any:
        payload = {
            "title": "周末义诊",
            "description": "每月第一个周六在社区广场义诊",
            "planned_from": "2026-12-05",
            "planned_to": "2026-12-31",
            **body,
        }
        url = f"/api/v1/unit-report-ins/{report_in_id}/projects"
        return self.client.post(url, json=payload, headers=self.unit_admin)


@pytest.fixture
def scene(client: FlaskClient) -> Scene:
    place = make_city()
    other_unit = add_unit(place.city)
    accounts = add_reported_members(place, place.community, 3)
    other_place = City(place.city, place.street, place.community, place.other_community, other_unit)
    (other_account,) = add_reported_members(other_place, place.community, 1)
    return Scene(
        client=client,
        place=place,
        party_org=make_party_org(place.unit, "人民医院党委", "committee"),
        other_unit=other_unit,
        other_party_org=make_party_org(other_unit, "第二中学党支部"),
        unit_admin=admin(Role.UNIT_ADMIN, place.unit),
        other_unit_admin=admin(Role.UNIT_ADMIN, other_unit),
        community_admin=admin(Role.COMMUNITY_ADMIN, place.community),
        neighbour_admin=admin(Role.COMMUNITY_ADMIN, place.other_community),
        street_admin=admin(Role.STREET_ADMIN, place.street),
        org_admin=admin(Role.ORG_ADMIN, place.city),
        member_ids=[member_id_of(a) for a in accounts],
        other_member_id=member_id_of(other_account),
    )
