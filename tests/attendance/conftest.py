"""A published shift with signed-up members, for check-in tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.tasks.models import Shift
from tests.builders import City, make_city, reported_headers
from tests.steps import login_as, post_shift, post_task, publish


@dataclass
class Site:
    place: City
    admin: dict[str, str]
    task_id: int
    shift_id: int
    starts_at: datetime
    ends_at: datetime
    members: list[dict[str, str]] = field(default_factory=list)

    def at(self, minutes: float) -> datetime:
        """A moment ``minutes`` after the shift's start (negative: before)."""
        return self.starts_at + timedelta(minutes=minutes)


def open_site(
    client: FlaskClient,
    fake: FakeWeChat,
    *,
    members: int = 1,
    capacity: int = 5,
    **task: object,
) -> Site:
    """A community's published two-hour shift in two days, ``members`` of them signed up."""
    place = make_city()
    _, admin = login_as(client, fake, Role.COMMUNITY_ADMIN, place.community)
    task_id = post_task(client, admin, place.community, **task)
    shift_id = post_shift(client, admin, task_id, capacity=capacity)
    publish(client, admin, task_id)
    shift = db.session.get(Shift, shift_id)
    assert shift is not None
    site = Site(place, admin, task_id, shift_id, shift.starts_at, shift.ends_at)
    db.session.commit()
    for _ in range(members):
        headers = reported_headers(place, place.community)
        response = client.post(f"/api/v1/shifts/{shift_id}/signups", headers=headers)
        assert response.status_code == 201, response.json
        site.members.append(headers)
    return site
