"""The figures of residents' needs: response time, completion, on-time and satisfaction rates
per community, rolled up to the street and the city, for admins in scope."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient

from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.needs.models import Need, NeedKind, NeedRating, NeedStatus
from sunshine.org.models import Area, AreaLevel
from tests.builders import City, add_area, make_account
from tests.steps import login_as

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai


def add_need(community: Area, *, hours: float | None, **fields: Any) -> None:
    """A resident's need submitted at T0 and answered ``hours`` later (None: not yet)."""
    answered = T0 + timedelta(hours=hours) if hours is not None else None
    values: dict[str, Any] = {
        "created_at": T0,
        "status": NeedStatus.OPEN if answered else NeedStatus.SUBMITTED,
        "resident_id": make_account().id,
        "answer_due_at": T0 + timedelta(days=3),
        "completion_due_at": T0 + timedelta(days=20) if answered else None,
    }
    values.update(fields)
    db.session.add(
        Need(
            community_id=community.id,
            area_path=community.path,
            kind=NeedKind.WISH,
            content="心愿",
            answered_at=answered,
            **values,
        )
    )
    db.session.commit()


def test_figures_roll_up_from_communities_to_the_street_and_the_city(
    client: FlaskClient, fake_wechat: FakeWeChat, org_admin: tuple[City, dict[str, str]]
) -> None:
    place, org = org_admin
    done, on_time = NeedStatus.DONE, T0 + timedelta(days=5)
    late = T0 + timedelta(days=30)
    add_need(place.community, hours=2, status=done, closed_at=on_time, rating=NeedRating.SATISFIED)
    add_need(
        place.community,
        hours=4,
        status=done,
        closed_at=late,
        rating=NeedRating.FAIRLY_SATISFIED,
    )
    add_need(place.community, hours=None)
    add_need(
        place.other_community,
        hours=9,
        status=done,
        closed_at=on_time,
        rating=NeedRating.DISSATISFIED,
    )
    add_need(place.other_community, hours=30, status=NeedStatus.DECLINED, completion_due_at=None)
    other_street = add_area(place.city, AreaLevel.STREET)
    far = add_area(other_street, AreaLevel.COMMUNITY)
    add_need(far, hours=1)
    add_need(place.community, hours=1, created_at=T0 - timedelta(days=400))  # before the period

    query = "from=2026-01-01&to=2026-12-31"
    city = client.get(f"/api/v1/needs/stats?area_id={place.city.id}&{query}", headers=org).json
    assert (city["submitted"], city["answered"], city["accepted"], city["done"]) == (6, 5, 4, 3)
    assert (city["rated"], city["satisfied"], city["fairly_satisfied"]) == (3, 1, 1)
    assert city["satisfaction_rate"] == round(2 / 3, 4)  # 满意 + 基本满意 over rated
    assert city["completion_rate"] == 0.75 and city["on_time_rate"] == round(2 / 3, 4)
    assert city["response_hours_median"] == 4.0  # of 1, 2, 4, 9, 30
    assert city["response_hours_average"] == 9.2
    streets = {c["area"]["id"]: c for c in city["children"]}
    assert set(streets) == {place.street.id, other_street.id}
    assert streets[place.street.id]["submitted"] == 5
    assert streets[other_street.id]["accepted"] == 1

    street = client.get(f"/api/v1/needs/stats?area_id={place.street.id}&{query}", headers=org).json
    communities = {c["area"]["id"]: c for c in street["children"]}
    mine = communities[place.community.id]
    assert (mine["submitted"], mine["done"], mine["completion_rate"]) == (3, 2, 1.0)
    assert mine["response_hours_median"] == 3.0 and mine["satisfaction_rate"] == 1.0
    other = communities[place.other_community.id]
    assert (other["accepted"], other["satisfaction_rate"], other["on_time_rate"]) == (1, 0.0, 1.0)

    empty = client.get(
        f"/api/v1/needs/stats?area_id={far.id}&from=2025-01-01&to=2025-01-31", headers=org
    ).json
    assert empty["submitted"] == 0 and empty["satisfaction_rate"] is None
    assert empty["response_hours_median"] is None


def test_figures_are_for_admins_in_scope_and_a_sound_period(
    client: FlaskClient, fake_wechat: FakeWeChat, secretary: tuple[City, dict[str, str]]
) -> None:
    place, secretary_headers = secretary
    own = client.get(f"/api/v1/needs/stats?area_id={place.community.id}", headers=secretary_headers)
    assert own.status_code == 200 and own.json["submitted"] == 0
    for area in (place.other_community, place.street, place.city):
        refused = client.get(f"/api/v1/needs/stats?area_id={area.id}", headers=secretary_headers)
        assert refused.status_code == 403
    _, member = login_as(client, fake_wechat, None)
    refused = client.get(f"/api/v1/needs/stats?area_id={place.community.id}", headers=member)
    assert refused.status_code == 403
    grid = add_area(place.community, AreaLevel.GRID)
    for query, code in (
        (f"area_id={grid.id}", "area.wrong_level"),
        (f"area_id={place.community.id}&from=2026-05-01&to=2026-04-01", "need.bad_period"),
        (f"area_id={place.community.id}&from=2020-01-01&to=2026-04-01", "need.bad_period"),
    ):
        bad = client.get(f"/api/v1/needs/stats?{query}", headers=secretary_headers)
        assert bad.status_code == 422 and bad.json["code"] == code
    missing = client.get("/api/v1/needs/stats?area_id=999999999", headers=secretary_headers)
    assert missing.status_code == 404 and missing.json["code"] == "area.not_found"
