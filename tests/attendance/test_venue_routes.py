"""Printed venue codes: generated once through (fake) WeChat, and only good on site."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.attendance.models import Punch
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from tests.attendance.conftest import Site, open_site
from tests.builders import count
from tests.conftest import Clock

SITE = (37.146, 111.781)  # the task's point, GCJ-02 (tests.steps.task_body)


def _venue_site(client: FlaskClient, fake: FakeWeChat, **task: object) -> tuple[Site, str]:
    site = open_site(client, fake, members=2, checkin_mode="venue", **task)
    response = client.post(f"/api/v1/tasks/{site.task_id}/venue-code", headers=site.admin)
    assert response.status_code == 200, response.json
    scene: str = response.json["scene"]
    return site, scene


def _punch(
    client: FlaskClient, headers: dict[str, str], scene: str, location: dict | None
) -> tuple[int, dict]:
    body: dict = {"code": scene, "direction": "in"}
    if location is not None:
        body["location"] = location
    response = client.post("/api/v1/punches", json=body, headers=headers)
    return response.status_code, response.json


def test_the_venue_code_is_generated_once_and_printable(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    site, scene = _venue_site(client, fake_wechat)

    again = client.post(f"/api/v1/tasks/{site.task_id}/venue-code", headers=site.admin)
    image = client.get(f"/api/v1/tasks/{site.task_id}/venue-code.png", headers=site.admin)
    by_member = client.get(f"/api/v1/tasks/{site.task_id}/venue-code.png", headers=site.members[0])

    assert again.json["scene"] == scene and len(scene) <= 32
    assert fake_wechat.calls_to("/wxa/getwxacodeunlimit") == 1
    assert image.status_code == 200 and image.mimetype == "image/png"
    assert image.data.startswith(b"\x89PNG")
    assert by_member.status_code == 403


def test_a_check_in_on_site_is_kept_as_a_distance_and_a_far_one_is_refused(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site, scene = _venue_site(client, fake_wechat)
    clock.set(site.at(-5))
    near = {"latitude": SITE[0] + 0.0005, "longitude": SITE[1], "system": "gcj02", "accuracy": 20}
    home = {"latitude": SITE[0] + 0.05, "longitude": SITE[1], "system": "gcj02", "accuracy": 10}

    on_site = _punch(client, site.members[0], scene, near)
    from_home = _punch(client, site.members[1], scene, home)
    without_location = _punch(client, site.members[1], scene, None)

    assert on_site[0] == 201
    assert on_site[1]["method"] == "venue" and 50 <= on_site[1]["distance_m"] <= 60
    assert on_site[1]["accuracy_m"] == 20 and on_site[1]["flags"] == []
    assert (from_home[0], from_home[1]["code"]) == (403, "punch.too_far")
    assert (without_location[0], without_location[1]["code"]) == (422, "punch.location_required")
    # Only the distance and the accuracy are kept: the punch has no coordinates to keep.
    columns = set(Punch.__table__.columns.keys())
    assert not columns & {"latitude", "longitude", "lat", "lng", "location"}
    assert len(db.session.scalars(select(Punch).where(Punch.shift_id == site.shift_id)).all()) == 1


def test_a_poor_accuracy_flags_the_punch(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site, scene = _venue_site(client, fake_wechat)
    clock.set(site.at(0))

    status, body = _punch(
        client,
        site.members[0],
        scene,
        {"latitude": SITE[0], "longitude": SITE[1], "system": "gcj02", "accuracy": 150},
    )

    assert status == 201 and body["flags"] == ["low_accuracy"]


def test_venue_codes_need_venue_mode_and_a_site(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    rotating = open_site(client, fake_wechat, members=0)
    no_site = open_site(client, fake_wechat, members=0, checkin_mode="venue", point=None)

    wrong_mode = client.post(f"/api/v1/tasks/{rotating.task_id}/venue-code", headers=rotating.admin)
    missing = client.post(f"/api/v1/tasks/{no_site.task_id}/venue-code", headers=no_site.admin)
    other_admin = client.post(f"/api/v1/tasks/{no_site.task_id}/venue-code", headers=rotating.admin)
    no_image = client.get(
        f"/api/v1/tasks/{rotating.task_id}/venue-code.png", headers=rotating.admin
    )

    assert (wrong_mode.status_code, wrong_mode.json["code"]) == (409, "task.not_venue_mode")
    assert (missing.status_code, missing.json["code"]) == (409, "task.no_site")
    assert (other_admin.status_code, other_admin.json["code"]) == (404, "task.not_found")
    assert no_image.status_code == 404
    assert fake_wechat.calls_to("/wxa/getwxacodeunlimit") == 0


def test_wechat_failures_leave_no_venue_code(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    site = open_site(client, fake_wechat, members=0, checkin_mode="venue")
    fake_wechat.outage(502)

    failed = client.post(f"/api/v1/tasks/{site.task_id}/venue-code", headers=site.admin)
    fake_wechat.outage(None)
    retried = client.post(f"/api/v1/tasks/{site.task_id}/venue-code", headers=site.admin)

    assert failed.status_code in (502, 503) and failed.json["code"] == "wechat.unavailable"
    assert retried.status_code == 200


def test_wechat_s_daily_limit_on_codes_is_a_429(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    site = open_site(client, fake_wechat, members=0, checkin_mode="venue")
    fake_wechat.fail("/wxa/getwxacodeunlimit", 45009, "reach max api daily quota limit")

    limited = client.post(f"/api/v1/tasks/{site.task_id}/venue-code", headers=site.admin)

    assert limited.status_code == 429 and limited.json["code"] == "wechat.rate_limited"


def test_an_unknown_scene_is_refused(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site, _ = _venue_site(client, fake_wechat)
    clock.set(site.at(0))

    status, body = _punch(
        client,
        site.members[0],
        "v" + "A" * 16,
        {"latitude": SITE[0], "longitude": SITE[1], "system": "gcj02"},
    )

    assert status == 422 and body["code"] == "punch.bad_code"


# Coordinate systems --------------------------------------------------------------------------

# One physical place in Xiaoyi, in both systems: WGS-84 as a GPS (and wx.getLocation()) reports
# it, GCJ-02 as a Tencent/WeChat map shows it, to 6 places. 37.146, 111.781 labelled GCJ-02
# would be another place, about 570 m away.
PLACE_WGS84 = (37.146, 111.781)
PLACE_GCJ02 = (37.146469, 111.787434)


def _located(where: tuple[float, float], system: str) -> dict:
    return {"latitude": where[0], "longitude": where[1], "system": system, "accuracy": 15}


def test_a_wgs84_punch_at_a_gcj02_venue_is_measured_in_one_system(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    venue = {"latitude": PLACE_GCJ02[0], "longitude": PLACE_GCJ02[1], "system": "gcj02"}
    site, scene = _venue_site(client, fake_wechat, point=venue)
    clock.set(site.at(-5))

    mislabelled = _punch(client, site.members[0], scene, _located(PLACE_WGS84, "gcj02"))
    gps = _punch(client, site.members[0], scene, _located(PLACE_WGS84, "wgs84"))
    map_point = _punch(client, site.members[1], scene, _located(PLACE_GCJ02, "gcj02"))

    assert (mislabelled[0], mislabelled[1]["code"]) == (403, "punch.too_far")
    assert "约 57" in mislabelled[1]["message"]  # the raw numbers are ~570 m from the venue
    assert gps[0] == 201 and gps[1]["distance_m"] <= 1
    assert map_point[0] == 201 and map_point[1]["distance_m"] == 0
    # Still only distances: nothing of either location is stored.
    rows = db.session.scalars(select(Punch).where(Punch.shift_id == site.shift_id)).all()
    assert sorted(p.distance_m for p in rows) == [0, gps[1]["distance_m"]]


def test_a_venue_point_given_in_wgs84_is_stored_and_returned_in_gcj02(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    venue = {"latitude": PLACE_WGS84[0], "longitude": PLACE_WGS84[1], "system": "wgs84"}
    site, scene = _venue_site(client, fake_wechat, point=venue)
    clock.set(site.at(0))

    task = client.get(f"/api/v1/tasks/{site.task_id}", headers=site.admin).json
    on_the_map = _punch(client, site.members[0], scene, _located(PLACE_GCJ02, "gcj02"))

    assert task["point"] == {
        "latitude": PLACE_GCJ02[0],
        "longitude": PLACE_GCJ02[1],
        "system": "gcj02",
    }
    assert on_the_map[0] == 201 and on_the_map[1]["distance_m"] == 0


@pytest.mark.parametrize(
    ("location", "field"),
    [
        ({"latitude": 37.146, "longitude": 111.781}, "system"),
        ({"latitude": 37.146, "longitude": 111.781, "system": None}, "system"),
        ({"latitude": 37.146, "longitude": 111.781, "system": "bd09"}, "system"),
        ({"latitude": 37.146, "longitude": 111.781, "system": "WGS84"}, "system"),
        ({"latitude": 90.5, "longitude": 111.781, "system": "wgs84"}, "latitude"),
        ({"latitude": 37.146, "longitude": -181, "system": "gcj02"}, "longitude"),
        ({"latitude": "north", "longitude": 111.781, "system": "gcj02"}, "latitude"),
    ],
)
def test_a_location_without_a_known_system_or_out_of_range_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock, location: dict, field: str
) -> None:
    site, scene = _venue_site(client, fake_wechat)
    clock.set(site.at(0))

    status, body = _punch(client, site.members[0], scene, location)

    assert (status, body["code"]) == (422, "request.invalid")
    assert list(body["fields"]["location"]) == [field]
    assert count(Punch) == 0
