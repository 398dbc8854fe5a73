"""Campaign tests: a compliance world (tests/audit/compliance_world.py) with a campaign of its
city and a task of C1 tagged with it; exports written to a temporary directory."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from tests.audit.compliance_world import World, build_world
from tests.builders import add_service_record, add_shifts, make_city
from tests.exports.conftest import export_dir as export_dir  # a fixture, autouse there
from tests.steps import post_task

Headers = dict[str, str]


@dataclass
class Tagged:
    world: World
    campaign_id: int
    task_id: int  # a task of C1 tagged with the campaign

    def served(self, label: str, minutes: int, *, confirm: bool = True) -> int:
        """A record of ``minutes`` on a new shift of the tagged task, dated in the period."""
        (shift_id,) = add_shifts(self.task_id, 1)
        day = date(self.world.year, 7, 1)
        record_id = add_service_record(
            self.world.members[label], shift_id, minutes=minutes, service_date=day
        )
        if confirm:
            self.world.confirm(record_id)
        return record_id


def campaign(client: FlaskClient, headers: Headers, city_id: int, name: str) -> Any:
    return client.post(f"/api/v1/cities/{city_id}/campaigns", json={"name": name}, headers=headers)


@pytest.fixture
def world(client: FlaskClient, fake_wechat: FakeWeChat) -> World:
    world = build_world(client, fake_wechat)
    return world


@pytest.fixture
def tagged(world: World) -> Tagged:
    response = campaign(world.client, world.org_admin, world.place.city.id, "创城")
    assert response.status_code == 201, response.json
    campaign_id = response.json["id"]
    task_id = post_task(world.client, world.secretary, world.c1, campaign_ids=[campaign_id])
    return Tagged(world, campaign_id, task_id)


@pytest.fixture
def other_city_org_admin(world: World) -> tuple[int, Headers]:
    """The org department of another city: (its city id, headers)."""
    other = make_city("介休市")
    return other.city.id, world.admin(Role.ORG_ADMIN, other.city)
