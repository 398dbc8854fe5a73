"""Records for auditors: the admin listing filtered by member, unit, area, dates, status and
flag, and its totals (records, claimed and credited minutes, by status) for the same filter
and scope; bad filters are 422."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import pytest
from sqlalchemy import update

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.hours.models import ServiceRecord
from tests.builders import add_member, add_unit
from tests.hours.conftest import Scene
from tests.steps import published_shift

Headers = dict[str, str]


@dataclass
class Book:
    """Records of two members of different units in the community, and one of another
    community of the street; ``rows`` holds each record's (id, status, claimed, credited)."""

    scene: Scene
    org: Headers
    member_a: int
    member_b: int
    other_unit: int
    rows: dict[str, tuple[int, str, int, int]]

    def get(self, url: str, headers: Headers | None = None) -> Any:
        return self.scene.get(url, headers or self.org)


def _decide(scene: Scene, record_id: int, path: str, **body: Any) -> None:
    response = scene.post(f"/api/v1/service-records/{record_id}/{path}", **body)
    assert response.status_code == 200, response.json


@pytest.fixture
def book(scene: Scene) -> Book:
    unit = add_unit(scene.place.city)
    member_b = add_member(
        name="李四",
        phone="13800000042",
        unit=unit,
        residence=scene.place.community,
        verified=True,
    )
    a1 = scene.record(minutes=120, service_date=date(2025, 11, 5))
    _decide(scene, a1, "confirm")
    a2 = scene.record(minutes=60, service_date=date(2026, 1, 10), flags=("walk_in",))
    b1 = scene.record(member_b, minutes=90, service_date=date(2025, 3, 1))
    _decide(scene, b1, "reject", reason="未到岗")
    b2 = scene.record(member_b, minutes=45, service_date=date(2025, 12, 31))
    _decide(scene, b2, "confirm")
    scene.post(f"/api/v1/service-records/{b2}/adjustments", minutes=-15, reason="早退")
    b3 = scene.record(
        member_b, minutes=30, service_date=date(2025, 6, 1), flags=("low_accuracy", "walk_in")
    )
    db.session.execute(update(ServiceRecord).where(ServiceRecord.id == b3).values(overdue=True))
    db.session.commit()
    other_secretary = scene.admin(Role.COMMUNITY_ADMIN, scene.place.other_community)
    task_id, _ = published_shift(scene.client, other_secretary, scene.place.other_community)
    member_c, _ = scene.new_member(scene.place.other_community)
    c1 = Scene(**{**scene.__dict__, "task_id": task_id}).record(
        member_c, minutes=75, service_date=date(2025, 11, 5)
    )
    return Book(
        scene=scene,
        org=scene.admin(Role.ORG_ADMIN, scene.place.city),
        member_a=scene.member_id,
        member_b=member_b,
        other_unit=unit.id,
        rows={
            "a1": (a1, "confirmed", 120, 120),
            "a2": (a2, "pending", 60, 0),
            "b1": (b1, "rejected", 90, 0),
            "b2": (b2, "confirmed", 45, 30),
            "b3": (b3, "pending", 30, 0),
            "c1": (c1, "pending", 75, 0),
        },
    )


def _ids(response: Any) -> set[int]:
    assert response.status_code == 200, response.json
    return {item["id"] for item in response.json["items"]}


def _expected_totals(book: Book, keys: set[str]) -> dict[str, Any]:
    by_status = {
        s: {"count": 0, "minutes": 0, "credited_minutes": 0}
        for s in ("pending", "confirmed", "rejected", "voided")
    }
    for key in keys:
        _, status, claimed, credited = book.rows[key]
        by_status[status]["count"] += 1
        by_status[status]["minutes"] += claimed
        by_status[status]["credited_minutes"] += credited
    return {
        "count": len(keys),
        "minutes": sum(book.rows[k][2] for k in keys),
        "credited_minutes": sum(book.rows[k][3] for k in keys),
        "by_status": by_status,
    }


FILTERS: list[tuple[str, set[str]]] = [
    ("", {"a1", "a2", "b1", "b2", "b3", "c1"}),
    ("member_id={member_b}", {"b1", "b2", "b3"}),
    ("unit_id={other_unit}", {"b1", "b2", "b3"}),
    ("area_id={community}", {"a1", "a2", "b1", "b2", "b3"}),
    ("area_id={other_community}", {"c1"}),
    ("area_id={street}", {"a1", "a2", "b1", "b2", "b3", "c1"}),
    ("from=2025-11-05&to=2025-12-31", {"a1", "b2", "c1"}),
    ("from=2025-11-06", {"a2", "b2"}),
    ("to=2025-06-01", {"b1", "b3"}),
    ("from=2025-11-05&to=2025-11-05", {"a1", "c1"}),
    ("status=pending", {"a2", "b3", "c1"}),
    ("flag=walk_in", {"a2", "b3"}),
    ("flag=low_accuracy", {"b3"}),
    ("flag=forgot_checkout", set()),
    ("flag=overdue", {"b3"}),
    ("status=pending&flag=walk_in&unit_id={other_unit}", {"b3"}),
    ("member_id={member_a}&from=2026-01-01&to=2026-12-31", {"a2"}),
    ("member_id=999999", set()),
]


@pytest.mark.parametrize(("query", "keys"), FILTERS, ids=[q or "none" for q, _ in FILTERS])
def test_each_filter_narrows_the_listing_and_its_totals_alike(
    book: Book, query: str, keys: set[str]
) -> None:
    place = book.scene.place
    query = query.format(
        member_a=book.member_a,
        member_b=book.member_b,
        other_unit=book.other_unit,
        community=place.community.id,
        other_community=place.other_community.id,
        street=place.street.id,
    )

    listed = book.get(f"/api/v1/service-records?limit=100&{query}")
    totals = book.get(f"/api/v1/service-records/totals?{query}")

    assert _ids(listed) == {book.rows[k][0] for k in keys}
    assert totals.status_code == 200, totals.json
    assert totals.json == _expected_totals(book, keys)


def test_totals_are_those_of_the_callers_scope(book: Book) -> None:
    secretary = book.get("/api/v1/service-records/totals", book.scene.secretary).json
    other = book.scene.admin(Role.COMMUNITY_ADMIN, book.scene.place.other_community)
    theirs = book.get("/api/v1/service-records/totals", other).json
    street = book.scene.admin(Role.STREET_ADMIN, book.scene.place.street)
    everything = book.get("/api/v1/service-records/totals", street).json

    assert secretary == _expected_totals(book, {"a1", "a2", "b1", "b2", "b3"})
    assert theirs == _expected_totals(book, {"c1"})
    assert everything == _expected_totals(book, set(book.rows))
    # Narrowing to an area outside one's scope finds nothing, as the listing does.
    outside = book.get(
        f"/api/v1/service-records/totals?area_id={book.scene.place.other_community.id}",
        book.scene.secretary,
    ).json
    assert outside == _expected_totals(book, set())


def test_pages_of_a_filtered_listing_add_up_to_its_totals(book: Book) -> None:
    query = "status=pending"
    seen: list[int] = []
    cursor = None
    while True:
        url = f"/api/v1/service-records?limit=1&{query}" + (f"&cursor={cursor}" if cursor else "")
        page = book.get(url).json
        seen += [item["id"] for item in page["items"]]
        cursor = page["next_cursor"]
        if cursor is None:
            break

    assert seen == sorted(seen, reverse=True)
    assert len(seen) == book.get(f"/api/v1/service-records/totals?{query}").json["count"] == 3


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2025-12-31&to=2025-01-01", "to"),
        ("flag=late", "flag"),
        ("flag=", "flag"),
        ("from=2025-13-01", "from"),
        ("to=yesterday", "to"),
        ("member_id=0", "member_id"),
        ("unit_id=x", "unit_id"),
        ("status=done", "status"),
    ],
)
@pytest.mark.parametrize("path", ["/api/v1/service-records", "/api/v1/service-records/totals"])
def test_bad_filters_are_422_naming_the_field(
    scene: Scene, path: str, query: str, field: str
) -> None:
    response = scene.get(f"{path}?{query}")

    assert (response.status_code, response.json["code"]) == (422, "request.invalid")
    assert field in response.json["fields"]


def test_members_and_unit_admins_get_no_totals(scene: Scene) -> None:
    scene.record()
    unit_admin = scene.admin(Role.UNIT_ADMIN, scene.place.unit)
    for headers in (scene.member, unit_admin):
        response = scene.get("/api/v1/service-records/totals", headers)
        assert (response.status_code, response.json["code"]) == (403, "auth.forbidden")


def test_totals_of_an_unknown_area_are_404(scene: Scene) -> None:
    response = scene.get("/api/v1/service-records/totals?area_id=999999")
    assert (response.status_code, response.json["code"]) == (404, "area.not_found")
