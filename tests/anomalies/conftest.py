"""A city with two streets and their admins, the organisation department, a community's
secretary with a published task, and members reported to the community; records are made on
shifts of the task at chosen times, and the detectors run as the jobs runner runs them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.anomalies.models import Anomaly, AnomalyKind
from sunshine.auth.models import Account
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.jobs.runner import run_due
from sunshine.org.models import Area, AreaLevel
from tests.builders import (
    City,
    add_area,
    add_reported_members,
    add_service_record,
    add_shifts,
    grant,
    make_account,
    make_city,
    member_id_of,
    set_shift_times,
    token_for,
)
from tests.steps import published_shift

Headers = dict[str, str]
ANOMALIES = "/api/v1/anomalies"


def detect(job: str) -> dict[str, int]:
    """Run one detector as the jobs runner does, late enough that what the test just wrote
    has settled (``detectors.SETTLE``): what the job reports."""
    name = f"anomalies.{job}"
    result = run_due(now=utcnow() + timedelta(minutes=10), only=name)[name]
    assert isinstance(result, dict), result
    return result


@dataclass
class Scene:
    client: FlaskClient
    place: City
    other_street: Area
    other_community: Area
    org_admin: Headers
    org_admin_id: int
    street_admin: Headers
    street_admin_id: int
    other_street_admin: Headers
    secretary: Headers
    secretary_id: int
    task_id: int
    member_id: int
    member: Headers

    def new_member(self, community: Area | None = None) -> tuple[int, Headers]:
        """Another verified member reported to the community: (member id, headers)."""
        (account_id,) = add_reported_members(self.place, community or self.place.community, 1)
        return member_id_of(account_id), token_for(account_id)

    def member_admin(self) -> tuple[int, Headers]:
        """A member who is also the community's secretary: (member id, headers)."""
        (account_id,) = add_reported_members(self.place, self.place.community, 1)
        account = db.session.get(Account, account_id)
        assert account is not None
        grant(account, Role.COMMUNITY_ADMIN, self.place.community)
        return member_id_of(account_id), token_for(account_id)

    def admin(self, role: Role, scope: Any = None) -> Headers:
        return _admin(role, scope)[1]

    def record(
        self,
        member_id: int | None = None,
        *,
        day: date | None = None,
        start: time = time(9),
        minutes: int = 120,
        task_id: int | None = None,
        **options: Any,
    ) -> int:
        """A pending record of a member on a new shift of the task, from ``start`` o'clock
        Shanghai for ``minutes`` (the shift as long): its id."""
        (shift_id,) = add_shifts(task_id or self.task_id, 1)
        starts = clock.at_local(day or clock.today(), start)
        set_shift_times(
            shift_id,
            starts_at=starts,
            ends_at=starts + timedelta(minutes=minutes),
            signup_deadline=starts,
        )
        return add_service_record(member_id or self.member_id, shift_id, minutes=minutes, **options)

    def year_period(self) -> int:
        """This year's period of the city, defined by the org admin: its id."""
        year = clock.today().year
        response = self.client.post(
            f"/api/v1/cities/{self.place.city.id}/periods",
            json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
            headers=self.org_admin,
        )
        assert response.status_code == 201, response.json
        return int(response.json["id"])

    def confirm(self, *record_ids: int) -> None:
        response = self.client.post(
            "/api/v1/service-records/confirm",
            json={"ids": list(record_ids)},
            headers=self.secretary,
        )
        assert response.status_code == 200, response.json

    def anomalies(self, headers: Headers | None = None, **query: Any) -> Any:
        response = self.client.get(
            ANOMALIES, query_string=query, headers=self.street_admin if headers is None else headers
        )
        assert response.status_code == 200, response.json
        return response.json["items"]

    def review(self, anomaly_id: int, headers: Headers | None = None, **body: Any) -> Any:
        return self.client.post(
            f"{ANOMALIES}/{anomaly_id}/review",
            json=body,
            headers=self.street_admin if headers is None else headers,
        )

    def answer(self, anomaly_id: int, headers: Headers | None = None, **body: Any) -> Any:
        return self.client.post(
            f"{ANOMALIES}/{anomaly_id}/answer",
            json=body,
            headers=self.secretary if headers is None else headers,
        )

    def only(self, kind: AnomalyKind) -> Anomaly:
        """The one anomaly of ``kind`` in the table."""
        db.session.expire_all()
        (anomaly,) = db.session.scalars(select(Anomaly).where(Anomaly.kind == kind)).all()
        return anomaly


def shanghai(day: date, hour: int = 9) -> datetime:
    return clock.at_local(day, time(hour))


def _admin(role: Role, scope: Any) -> tuple[int, Headers]:
    """An account holding ``role`` on ``scope`` with a bearer token made in the table (no
    WeChat round trip, no login event): (account id, headers)."""
    account = make_account()
    grant(account, role, scope)
    return account.id, token_for(account.id)


@pytest.fixture
def scene(client: FlaskClient) -> Scene:
    place = make_city()
    other_street = add_area(place.city, AreaLevel.STREET)
    other_community = add_area(other_street, AreaLevel.COMMUNITY)
    org_id, org_admin = _admin(Role.ORG_ADMIN, place.city)
    street_id, street_admin = _admin(Role.STREET_ADMIN, place.street)
    _, other_street_admin = _admin(Role.STREET_ADMIN, other_street)
    secretary_id, secretary_headers = _admin(Role.COMMUNITY_ADMIN, place.community)
    task_id, _ = published_shift(client, secretary_headers, place.community)
    (member_account,) = add_reported_members(place, place.community, 1)
    return Scene(
        client=client,
        place=place,
        other_street=other_street,
        other_community=other_community,
        org_admin=org_admin,
        org_admin_id=org_id,
        street_admin=street_admin,
        street_admin_id=street_id,
        other_street_admin=other_street_admin,
        secretary=secretary_headers,
        secretary_id=secretary_id,
        task_id=task_id,
        member_id=member_id_of(member_account),
        member=token_for(member_account),
    )
