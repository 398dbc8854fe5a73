"""Who reads a statement: its holder (only their own), the admins of the issuing
organisation and those above it; nobody else, and an unknown id is 404."""

from __future__ import annotations

from typing import Any

import pytest
from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.org.models import AreaLevel
from sunshine.security.models import SecurityEvent
from tests.builders import add_area, reported_headers
from tests.statements.conftest import Scene, days_ago


@pytest.fixture
def issued(scene: Scene) -> dict[str, Any]:
    scene.confirmed(days_ago(10))
    return scene.issue(days_ago(30), days_ago(1))


def test_another_members_statement_is_404_under_me(scene: Scene, issued: dict[str, Any]) -> None:
    stranger = reported_headers(scene.place, scene.place.community)
    sid = issued["id"]

    for url in (f"/api/v1/me/statements/{sid}", f"/api/v1/me/statements/{sid}/pdf"):
        response = scene.get(url, headers=stranger)
        assert response.status_code == 404 and response.json["code"] == "statement.not_found"
    assert scene.get("/api/v1/me/statements", headers=stranger).json["items"] == []


def test_another_member_without_a_grant_is_404_as_if_unknown_and_logged(
    scene: Scene, issued: dict[str, Any]
) -> None:
    stranger = reported_headers(scene.place, scene.place.community)

    for url in (f"/api/v1/statements/{issued['id']}", f"/api/v1/statements/{issued['id']}/pdf"):
        response = scene.get(url, headers=stranger)
        assert (response.status_code, response.json["code"]) == (404, "statement.not_found")
    refused = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.action == "statement.read")
    ).all()
    assert [(e.outcome, e.object_id) for e in refused] == [("failure", str(issued["id"]))] * 2


@pytest.mark.parametrize("url", ["/api/v1/me/statements/{}", "/api/v1/statements/{}"])
def test_an_unknown_statement_is_404(scene: Scene, url: str) -> None:
    response = scene.get(url.format(987654), headers=scene.member)
    assert response.status_code == 404 and response.json["code"] == "statement.not_found"


def test_the_holder_reads_it_under_both_addresses(scene: Scene, issued: dict[str, Any]) -> None:
    mine = scene.get(f"/api/v1/me/statements/{issued['id']}").json
    same = scene.get(f"/api/v1/statements/{issued['id']}").json
    assert mine == same == issued
    (listed,) = scene.get("/api/v1/me/statements").json["items"]
    assert listed["number"] == issued["number"] and "verification_code" not in listed


@pytest.mark.parametrize(
    ("role", "scope", "allowed"),
    [
        (Role.COMMUNITY_ADMIN, "community", True),
        (Role.STREET_ADMIN, "street", True),
        (Role.ORG_ADMIN, "city", True),
        (Role.COMMUNITY_ADMIN, "other_community", False),
        (Role.STREET_ADMIN, "other_street", False),
        (Role.UNIT_ADMIN, "unit", False),
    ],
)
def test_admins_read_the_statements_issued_in_their_scope(
    scene: Scene, issued: dict[str, Any], role: Role, scope: str, allowed: bool
) -> None:
    place = scene.place
    areas = {
        "community": place.community,
        "other_community": place.other_community,
        "street": place.street,
        "other_street": add_area(place.city, AreaLevel.STREET),
        "city": place.city,
        "unit": place.unit,
    }
    admin = scene.admin(role, areas[scope])

    detail = scene.get(f"/api/v1/statements/{issued['id']}", headers=admin)
    pdf = scene.get(f"/api/v1/statements/{issued['id']}/pdf", headers=admin)
    listing = scene.get("/api/v1/statements", headers=admin)

    if allowed:
        assert detail.status_code == 200
        assert detail.json["verification_code"] == issued["verification_code"]
        assert pdf.status_code == 200 and pdf.mimetype == "application/pdf"
        assert [s["id"] for s in listing.json["items"]] == [issued["id"]]
    else:
        # Outside the admin's scope a statement is as unknown as a missing one.
        assert (detail.status_code, pdf.status_code) == (404, 404)
        assert listing.status_code == 403 or listing.json["items"] == []


def test_the_listing_filters_by_issuing_area(scene: Scene) -> None:
    place = scene.place
    scene.confirmed(days_ago(10), community=place.community)
    scene.confirmed(days_ago(9), community=place.other_community)
    scene.request(days_ago(30), days_ago(1))
    street_admin = scene.admin(Role.STREET_ADMIN, place.street)

    both = scene.get("/api/v1/statements", headers=street_admin).json["items"]
    one = scene.get(
        f"/api/v1/statements?area_id={place.other_community.id}", headers=street_admin
    ).json["items"]
    page = scene.get("/api/v1/statements?limit=1", headers=street_admin).json

    assert len(both) == 2
    assert [s["issuer"]["id"] for s in one] == [place.other_community.id]
    assert len(page["items"]) == 1 and page["next_cursor"] == page["items"][0]["id"]


def test_a_code_that_can_no_longer_be_read_is_said_so(
    scene: Scene, issued: dict[str, Any], app: Flask, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(app.config, "SECRET_KEY", "another key " * 6)

    mine = scene.get(f"/api/v1/me/statements/{issued['id']}").json
    pdf = scene.get(f"/api/v1/me/statements/{issued['id']}/pdf")
    again = scene.request(days_ago(30), days_ago(1))
    check = scene.client.get(
        "/api/v1/statements/verify",
        query_string={"number": issued["number"], "code": issued["verification_code"]},
    )

    assert (mine["verification_code"], mine["verify_url"]) == (None, None)
    assert pdf.status_code == 409 and pdf.json["code"] == "statement.code_unreadable"
    assert again.status_code == 201 and again.json["items"][0]["number"] != issued["number"]
    assert check.json["valid"] is True  # the stored hash still checks the code
