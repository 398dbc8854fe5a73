"""A city whose first community has three members reported in this year, its secretary,
the other community's secretary, the street admin and the organization department; this
year's period. Report-ins with a history (dated in the past) and a locked period are written
straight to the tables: the API cannot backdate, and locking is the period-lock domain's."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest
import sqlalchemy as sa
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sunshine import clock
from sunshine.access.models import Role
from sunshine.audit.models import Period
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area
from sunshine.reportin.models import ReportIn, ReportInStatus
from tests.builders import (
    City,
    add_reported_members,
    make_city,
    member_id_of,
    token_for,
)
from tests.steps import login_as

Headers = dict[str, str]


@dataclass
class Grading:
    client: FlaskClient
    fake: FakeWeChat
    place: City
    period: int  # this year's
    secretary: Headers  # community admin of place.community
    secretary_id: int
    other_secretary: Headers  # of place.other_community
    street_admin: Headers
    org_admin: Headers
    org_admin_id: int
    members: list[int]  # member ids, reported in to place.community
    member: Headers  # the first of them
    outsider: int  # a member reported in to place.other_community

    def admin(self, role: Role, scope: Any = None) -> Headers:
        _, headers = login_as(self.client, self.fake, role, scope)
        return headers

    def url(self, period: int | None = None, community: Area | None = None) -> str:
        community = community or self.place.community
        return f"/api/v1/periods/{period or self.period}/communities/{community.id}/evaluations"

    def grade(
        self,
        member_id: int,
        grade: str = "good",
        headers: Headers | None = None,
        *,
        period: int | None = None,
        community: Area | None = None,
        **body: Any,
    ) -> TestResponse:
        return self.client.put(
            f"{self.url(period, community)}/{member_id}",
            json={"grade": grade, **body},
            headers=headers or self.secretary,
        )

    def get(self, url: str, headers: Headers | None = None) -> TestResponse:
        return self.client.get(url, headers=headers or self.secretary)

    def make_period(self, kind: str, starts_on: str, ends_on: str) -> int:
        response = self.client.post(
            f"/api/v1/cities/{self.place.city.id}/periods",
            json={"kind": kind, "starts_on": starts_on, "ends_on": ends_on},
            headers=self.org_admin,
        )
        assert response.status_code == 201, response.json
        return int(response.json["id"])

    def set_cap(self, percent: int | None, period: int | None = None) -> None:
        response = self.client.put(
            f"/api/v1/periods/{period or self.period}/evaluation-settings",
            json={"excellent_cap_percent": percent},
            headers=self.org_admin,
        )
        assert response.status_code == 200, response.json


def lock(period_id: int) -> None:
    """Lock the period as the period-lock domain does (it owns the lock and unlock)."""
    db.session.execute(
        sa.update(Period).where(Period.id == period_id).values(locked_at=clock.now())
    )
    db.session.commit()


def moment(day: str) -> datetime:
    """Noon UTC of an ISO day (afternoon in Shanghai: the same day)."""
    return datetime.fromisoformat(f"{day}T04:00:00").replace(tzinfo=UTC)


def report_in(
    member_id: int,
    community: Area,
    *,
    began: str,
    ended: str | None = None,
) -> int:
    """A report-in of the member, active from ``began`` (and ended on ``ended``): its id."""
    row = ReportIn(
        member_id=member_id,
        community_id=community.id,
        status=ReportInStatus.ENDED if ended else ReportInStatus.ACTIVE,
        requested_at=moment(began),
        decided_at=moment(began),
        ended_at=moment(ended) if ended else None,
    )
    db.session.add(row)
    db.session.commit()
    return row.id


def unreported_member(place: City) -> int:
    """A verified member with no report-in: their member id."""
    (account_id,) = add_reported_members(place, place.community, 1, report_in=None)
    return member_id_of(account_id)


@pytest.fixture
def grading(client: FlaskClient, fake_wechat: FakeWeChat) -> Grading:
    place = make_city()
    secretary_account, secretary = login_as(
        client, fake_wechat, Role.COMMUNITY_ADMIN, place.community
    )
    _, other_secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    _, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    org_account, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    accounts = add_reported_members(place, place.community, 3)
    (outsider,) = add_reported_members(place, place.other_community, 1)
    year = clock.today().year
    period = client.post(
        f"/api/v1/cities/{place.city.id}/periods",
        json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
        headers=org_admin,
    )
    assert period.status_code == 201, period.json
    return Grading(
        client=client,
        fake=fake_wechat,
        place=place,
        period=int(period.json["id"]),
        secretary=secretary,
        secretary_id=secretary_account.id,
        other_secretary=other_secretary,
        street_admin=street_admin,
        org_admin=org_admin,
        org_admin_id=org_account.id,
        members=[member_id_of(a) for a in accounts],
        member=token_for(accounts[0]),
        outsider=member_id_of(outsider),
    )
