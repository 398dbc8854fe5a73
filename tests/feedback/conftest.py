"""A city whose work units hear back about last year (an ended period, so it can be locked).

Built on the compliance tests' ``World`` (tests/audit/compliance_world.py): streets ``S1``
(communities ``C1``, ``C2``) and ``S2`` (``C3``); units ``U1`` and ``U2``; last year's
period with the city's rule of 2 services and 240 minutes. Records are confirmed through the
API by ``C1``'s secretary, who also grades ``a`` 优秀 and ``b`` 合格.

| member | placed | unit | consent to unit feedback | last year's services | status |
|---|---|---|---|---|---|
| a | C1 | U1 | given | 120, 120, 120 | compliant: 3, 360 |
| b | C1 | U1 | given | 180 | behind: 1, 180 |
| c | C1 | U1 | given, then withdrawn | 120, 120 | compliant (未授权) |
| d | C1 | U1 | never | — | zero (未授权) |
| e | C2 | U1 | given | — (no report-in) | not_reported |
| f | C3 | U2 | given | 150, 150 | compliant: 2, 300 |
"""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine import clock
from sunshine.access.models import Role
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import AreaLevel
from tests.audit.compliance_world import CITY_RULE, World
from tests.builders import (
    add_area,
    add_secretary,
    add_unit,
    make_city,
    make_party_org,
    publish_notice,
    token_for,
)
from tests.steps import login_as, published_shift

Headers = dict[str, str]


class FeedbackWorld(World):
    """The compliance world with the feedback endpoints."""

    def issue(self, headers: Headers | None = None, **body: Any) -> Any:
        return self.client.post(
            f"/api/v1/periods/{self.period_id}/unit-feedback",
            json=body,
            headers=headers or self.org_admin,
        )

    def issued(self, **body: Any) -> dict[int, dict[str, Any]]:
        """Issue as the org_admin: each version by its unit's id."""
        response = self.issue(**body)
        assert response.status_code == 201, response.json
        return {item["unit"]["id"]: item for item in response.json["items"]}

    def feedback(self, feedback_id: int, headers: Headers, suffix: str = "") -> Any:
        return self.client.get(f"/api/v1/unit-feedback/{feedback_id}{suffix}", headers=headers)

    def lines(self, feedback_id: int, headers: Headers) -> dict[str, dict[str, Any]]:
        """Every line of a version by member label (all pages of 2)."""
        found: dict[str, dict[str, Any]] = {}
        cursor = None
        while True:
            query = {"limit": 2, **({"cursor": cursor} if cursor else {})}
            response = self.client.get(
                f"/api/v1/unit-feedback/{feedback_id}/lines", query_string=query, headers=headers
            )
            page = self.ok(response)
            found.update({self.label_of(line["member_id"]): line for line in page["items"]})
            cursor = page["next_cursor"]
            if cursor is None:
                return found

    def grade(self, label: str, grade: str) -> None:
        response = self.client.put(
            f"/api/v1/periods/{self.period_id}/communities/{self.c1.id}/evaluations/"
            f"{self.members[label]}",
            json={"grade": grade},
            headers=self.secretary,
        )
        assert response.status_code == 200, response.json

    def other_city(self) -> Any:
        """Another city (with its own street, communities and unit)."""
        return make_city().city

    def other_city_unit(self) -> int:
        return make_city().unit.id

    def lock(self) -> Any:
        response = self.client.post(
            f"/api/v1/periods/{self.period_id}/lock", headers=self.org_admin
        )
        assert response.status_code == 200, response.json
        return response.json


@pytest.fixture
def world(client: FlaskClient, fake_wechat: FakeWeChat) -> FeedbackWorld:
    place = make_city()
    s2 = add_area(place.city, AreaLevel.STREET)
    c3 = add_area(s2, AreaLevel.COMMUNITY)
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    task_id, _ = published_shift(client, org_admin, place.community, visibility="city")
    year = clock.today().year - 1
    w = FeedbackWorld(
        client=client,
        fake=fake_wechat,
        place=place,
        s2=s2,
        c3=c3,
        u2=add_unit(place.city),
        p1=make_party_org(place.unit, "第一党支部"),
        org_admin=org_admin,
        secretary=token_for(add_secretary(place)),
        task_id=task_id,
        notice=publish_notice(f"f{year}.{place.city.id}"),
        year=year,
    )
    w.period_id = w.period("year", date(year, 1, 1), date(year, 12, 31))
    w.rule(w.period_id, **CITY_RULE)
    w.member("a", w.c1, w.u1)
    w.member("b", w.c1, w.u1)
    w.member("c", w.c1, w.u1)
    w.member("d", w.c1, w.u1)
    w.member("e", w.c2, w.u1, report_in=None)
    w.member("f", w.c3, w.u2)
    served = [
        *(("a", date(year, month, 10), 120) for month in (1, 2, 3)),
        ("b", date(year, 4, 1), 180),
        ("c", date(year, 5, 1), 120),
        ("c", date(year, 5, 2), 120),
        ("f", date(year, 6, 1), 150),
        ("f", date(year, 6, 2), 150),
    ]
    w.confirm(*(w.record(*row) for row in served))
    for label in ("a", "b", "c", "e", "f"):
        w.consent(label, True)
    w.consent("c", False)
    w.grade("a", "excellent")
    w.grade("b", "good")
    return w
