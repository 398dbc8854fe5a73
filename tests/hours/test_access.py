"""Who may call each hours endpoint: one matrix over every admin endpoint, so a new one
cannot forget its check. Refused calls write nothing but their security-log event."""

from __future__ import annotations

from typing import Any

import pytest

from sunshine.access.models import Role
from sunshine.hours.models import ApprovalPolicy, Correction, Holiday, HoursEntry
from sunshine.security.models import SecurityEvent
from tests.builders import count
from tests.hours.conftest import Scene

# (method, url with {record}/{confirmed}/{correction}/{community}, body)
ADMIN_ENDPOINTS = [
    ("GET", "/api/v1/service-records", None),
    ("POST", "/api/v1/service-records/{record}/confirm", {}),
    ("POST", "/api/v1/service-records/confirm", {"ids": ["{record}"]}),
    ("POST", "/api/v1/service-records/{record}/reject", {"reason": "不认"}),
    ("POST", "/api/v1/service-records/{confirmed}/void", {"reason": "作废"}),
    ("POST", "/api/v1/service-records/{confirmed}/adjustments", {"minutes": 30, "reason": "补"}),
    ("GET", "/api/v1/corrections", None),
    ("POST", "/api/v1/corrections/{correction}/accept", {}),
    ("POST", "/api/v1/corrections/{correction}/reject", {"reason": "不认"}),
    ("GET", "/api/v1/communities/{community}/approval-policy", None),
    ("PUT", "/api/v1/communities/{community}/approval-policy", {"mode": "automatic"}),
]
CALENDAR_ENDPOINTS = [
    ("GET", "/api/v1/holidays", None),
    ("PUT", "/api/v1/holidays/2026-10-01", {"workday": False, "name": "国庆节"}),
    ("DELETE", "/api/v1/holidays/2026-10-01", None),
]
SCOPED = [
    e for e in ADMIN_ENDPOINTS if e[1] not in {"/api/v1/service-records", "/api/v1/corrections"}
]


@pytest.fixture
def ids(scene: Scene) -> dict[str, int]:
    record = scene.record()
    confirmed = scene.record()
    assert scene.post(f"/api/v1/service-records/{confirmed}/confirm").status_code == 200
    correction = scene.post(
        f"/api/v1/service-records/{confirmed}/corrections",
        scene.member,
        proposed_minutes=60,
        reason="少一小时",
    ).json["id"]
    return {
        "record": record,
        "confirmed": confirmed,
        "correction": correction,
        "community": scene.place.community.id,
    }


def _call(scene: Scene, method: str, url: str, body: Any, ids: dict[str, int], headers: Any) -> Any:
    url = url.format(**ids)
    if body is not None:
        body = {
            k: [int(str(x).format(**ids)) for x in v] if isinstance(v, list) else v
            for k, v in body.items()
        }
    return scene.client.open(url, method=method, json=body, headers=headers)


def _written() -> tuple[int, ...]:
    return (count(HoursEntry), count(Correction), count(ApprovalPolicy), count(Holiday))


# Where the object of the path is a record or a correction, another scope's answer is the
# object's unknown-id 404; a community (an area) is public, so its refusal stays 403.
OUT_OF_SCOPE = {
    "/api/v1/service-records/{record}/confirm": (404, "record.not_found"),
    "/api/v1/service-records/confirm": (404, "record.not_found"),
    "/api/v1/service-records/{record}/reject": (404, "record.not_found"),
    "/api/v1/service-records/{confirmed}/void": (404, "record.not_found"),
    "/api/v1/service-records/{confirmed}/adjustments": (404, "record.not_found"),
    "/api/v1/corrections/{correction}/accept": (404, "correction.not_found"),
    "/api/v1/corrections/{correction}/reject": (404, "correction.not_found"),
    "/api/v1/communities/{community}/approval-policy": (403, "auth.forbidden"),
}


@pytest.mark.parametrize(("method", "url", "body"), ADMIN_ENDPOINTS + CALENDAR_ENDPOINTS)
def test_member_calling_an_admin_endpoint_is_403(
    scene: Scene, ids: dict[str, int], method: str, url: str, body: Any
) -> None:
    before, events = _written(), count(SecurityEvent)
    response = _call(scene, method, url, body, ids, scene.member)
    assert (response.status_code, response.json["code"]) == (403, "auth.forbidden")
    assert _written() == before
    assert count(SecurityEvent) == events + 1


@pytest.mark.parametrize(("method", "url", "body"), ADMIN_ENDPOINTS + CALENDAR_ENDPOINTS)
def test_unit_admin_calling_an_hours_endpoint_is_403(
    scene: Scene, ids: dict[str, int], method: str, url: str, body: Any
) -> None:
    unit_admin = scene.admin(Role.UNIT_ADMIN, scene.place.unit)
    before, events = _written(), count(SecurityEvent)
    assert _call(scene, method, url, body, ids, unit_admin).status_code == 403
    assert _written() == before
    assert count(SecurityEvent) == events + 1


@pytest.mark.parametrize(("method", "url", "body"), SCOPED)
def test_admin_of_another_community_is_refused_as_if_the_object_were_unknown(
    scene: Scene, ids: dict[str, int], method: str, url: str, body: Any
) -> None:
    other = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    before, events = _written(), count(SecurityEvent)
    response = _call(scene, method, url, body, ids, other)
    assert (response.status_code, response.json["code"]) == OUT_OF_SCOPE[url]
    assert _written() == before
    assert count(SecurityEvent) == events + 1


@pytest.mark.parametrize(
    ("method", "url", "body"),
    ADMIN_ENDPOINTS
    + CALENDAR_ENDPOINTS
    + [
        ("GET", "/api/v1/service-records/{record}", None),
        ("GET", "/api/v1/me/service-records", None),
        ("GET", "/api/v1/me/hours", None),
        ("GET", "/api/v1/me/corrections", None),
        ("POST", "/api/v1/service-records/{confirmed}/corrections", {"proposed_minutes": 1}),
    ],
)
def test_without_a_token_every_endpoint_is_401(
    scene: Scene, ids: dict[str, int], method: str, url: str, body: Any
) -> None:
    response = _call(scene, method, url, body, ids, {})
    assert (response.status_code, response.json["code"]) == (401, "auth.unauthenticated")


@pytest.mark.parametrize(
    "url",
    [
        "/api/v1/service-records/{record}/reject",
        "/api/v1/service-records/{confirmed}/adjustments",
        "/api/v1/service-records/{confirmed}/corrections",
        "/api/v1/service-records/confirm",
        "/api/v1/corrections/{correction}/reject",
    ],
)
def test_a_body_that_is_not_json_is_400_in_the_one_shape(
    scene: Scene, ids: dict[str, int], url: str
) -> None:
    response = scene.client.post(
        url.format(**ids), data="{", content_type="application/json", headers=scene.secretary
    )
    assert (response.status_code, response.json["code"]) == (400, "request.bad_json")
    assert set(response.json) == {"status", "code", "message", "request_id"}
