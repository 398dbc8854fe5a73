"""Periods and requirements over HTTP: the rule the org_admin sets reaches /me/hours and the
feed; a street tightens for its own members only; every refusal in the one error shape."""

from __future__ import annotations

from typing import Any

import pytest

from sunshine import clock
from sunshine.access.models import Role
from sunshine.audit.models import Requirement
from tests.audit.conftest import Audit
from tests.builders import count, make_city

FEED = "/api/v1/me/feed"
HOURS = "/api/v1/me/hours"


def _behind(audit: Audit, headers: dict[str, str]) -> str:
    reasons = audit.client.get(FEED, headers=headers).json["items"][0]["reasons"]
    return str(reasons[-1])


def test_the_city_rule_for_the_year_reaches_my_hours_and_the_feed(audit: Audit) -> None:
    period = audit.year_period()
    response = audit.put(
        f"/api/v1/periods/{period}/requirement", min_services=4, min_minutes=40 * 60
    )
    assert response.status_code == 200, response.json
    assert response.json["applies"] == {
        "source": "city",
        "min_services": 4,
        "min_minutes": 2400,
        "period_id": period,
        "area_id": audit.place.city.id,
    }

    hours = audit.get(HOURS, audit.member).json
    assert hours["required_minutes"] == 2400 and hours["remaining_minutes"] == 2400
    assert hours["required_services"] == 4 and hours["remaining_services"] == 4
    assert hours["confirmed_services"] == 0
    assert hours["rule"]["source"] == "city"
    assert _behind(audit, audit.member) == "本年度还差 40 小时"


def test_without_a_rule_the_default_applies(audit: Audit) -> None:
    hours = audit.get(HOURS, audit.member).json
    assert hours["rule"] == {
        "source": "default",
        "min_services": None,
        "min_minutes": 24 * 60,
        "period_id": None,
        "area_id": None,
    }
    assert _behind(audit, audit.member) == "本年度还差 24 小时"


def test_a_street_tightens_for_its_members_only(audit: Audit) -> None:
    period = audit.year_period()
    audit.put(f"/api/v1/periods/{period}/requirement", min_services=4, min_minutes=30 * 60)
    url = f"/api/v1/periods/{period}/streets/{audit.place.street.id}/requirement"

    response = audit.put(url, audit.street_admin, min_minutes=50 * 60)

    assert response.status_code == 200, response.json
    # The services the street did not name follow the city's.
    assert response.json["applies"]["min_services"] == 4
    assert response.json["applies"]["min_minutes"] == 3000
    assert response.json["applies"]["source"] == "street"
    assert audit.get(url, audit.street_admin).json["applies"]["min_minutes"] == 3000
    assert audit.get(HOURS, audit.member).json["required_minutes"] == 3000
    assert _behind(audit, audit.member) == "本年度还差 50 小时"
    assert audit.get(HOURS, audit.other_member).json["required_minutes"] == 1800
    assert _behind(audit, audit.other_member) == "本年度还差 30 小时"


def test_a_city_raised_above_a_street_rule_still_binds_the_street(audit: Audit) -> None:
    period = audit.year_period()
    audit.put(f"/api/v1/periods/{period}/requirement", min_minutes=30 * 60)
    street = f"/api/v1/periods/{period}/streets/{audit.place.street.id}/requirement"
    assert audit.put(street, audit.street_admin, min_minutes=35 * 60).status_code == 200
    audit.put(f"/api/v1/periods/{period}/requirement", min_minutes=45 * 60)

    assert audit.get(HOURS, audit.member).json["required_minutes"] == 45 * 60


def test_a_street_cannot_loosen_the_city_rule(audit: Audit) -> None:
    period = audit.year_period()
    audit.put(f"/api/v1/periods/{period}/requirement", min_services=4, min_minutes=1800)
    url = f"/api/v1/periods/{period}/streets/{audit.place.street.id}/requirement"
    before = count(Requirement)

    response = audit.put(url, audit.street_admin, min_services=2, min_minutes=3000)

    assert response.status_code == 409
    assert response.json["code"] == "requirement.looser"
    assert set(response.json["fields"]) == {"min_services"}
    assert count(Requirement) == before


def test_a_street_cannot_go_below_the_default_either(audit: Audit) -> None:
    period = audit.year_period()
    url = f"/api/v1/periods/{period}/streets/{audit.place.street.id}/requirement"
    response = audit.put(url, audit.street_admin, min_minutes=60)
    assert (response.status_code, response.json["code"]) == (409, "requirement.looser")


@pytest.mark.parametrize(
    ("body", "code"),
    [
        ({"min_minutes": -1}, "request.invalid"),
        ({"min_services": -3}, "request.invalid"),
        ({"min_minutes": 60_001}, "request.invalid"),
        ({"min_services": 100_000}, "request.invalid"),
        ({}, "requirement.empty"),
        ({"min_services": None, "min_minutes": None}, "requirement.empty"),
    ],
)
def test_negative_absurd_or_empty_requirements_are_refused(
    audit: Audit, body: dict[str, Any], code: str
) -> None:
    period = audit.year_period()
    response = audit.put(f"/api/v1/periods/{period}/requirement", **body)
    assert (response.status_code, response.json["code"]) == (422, code)
    assert count(Requirement) == 0


@pytest.mark.parametrize(
    ("existing", "new"),
    [
        (("quarter", "01-01", "03-31"), ("quarter", "03-01", "05-31")),
        (("half", "01-01", "06-30"), ("half", "06-30", "11-30")),
        (("year", "01-01", "12-31"), ("year", "01-01", "12-31")),
    ],
)
def test_overlapping_periods_of_one_kind_are_refused(
    audit: Audit, existing: tuple[str, str, str], new: tuple[str, str, str]
) -> None:
    year = clock.today().year
    url = f"/api/v1/cities/{audit.place.city.id}/periods"

    def body(kind: str, start: str, end: str) -> dict[str, str]:
        return {"kind": kind, "starts_on": f"{year}-{start}", "ends_on": f"{year}-{end}"}

    first = audit.client.post(url, json=body(*existing), headers=audit.org_admin)
    assert first.status_code == 201, first.json
    response = audit.client.post(url, json=body(*new), headers=audit.org_admin)
    assert (response.status_code, response.json["code"]) == (409, "period.overlap")
    # Another kind may span the same days.
    assert (
        audit.client.post(
            url,
            json=body("quarter" if new[0] != "quarter" else "half", "04-01", "06-30"),
            headers=audit.org_admin,
        ).status_code
        == 201
    )


@pytest.mark.parametrize(
    ("kind", "start", "end"),
    [
        ("year", "01-02", "12-31"),
        ("quarter", "01-01", "06-30"),
        ("half", "05-01", "04-01"),
    ],
)
def test_periods_with_bad_dates_are_refused(audit: Audit, kind: str, start: str, end: str) -> None:
    year = clock.today().year
    response = audit.client.post(
        f"/api/v1/cities/{audit.place.city.id}/periods",
        json={"kind": kind, "starts_on": f"{year}-{start}", "ends_on": f"{year}-{end}"},
        headers=audit.org_admin,
    )
    assert (response.status_code, response.json["code"]) == (422, "period.bad_dates")


def test_who_may_not_set_rules(audit: Audit) -> None:
    period = audit.year_period()
    city_rule = f"/api/v1/periods/{period}/requirement"
    street_rule = f"/api/v1/periods/{period}/streets/{audit.place.street.id}/requirement"
    other_city = make_city()
    elsewhere = audit.admin(Role.ORG_ADMIN, other_city.city)
    other_street_admin = audit.admin(Role.STREET_ADMIN, audit.other_street)
    periods = f"/api/v1/cities/{audit.place.city.id}/periods"
    year = clock.today().year
    quarter = {"kind": "quarter", "starts_on": f"{year}-01-01", "ends_on": f"{year}-03-31"}

    refused = [
        audit.put(city_rule, audit.street_admin, min_minutes=3000),  # a street setting the city's
        audit.put(city_rule, elsewhere, min_minutes=3000),  # another city's department
        audit.put(city_rule, audit.member, min_minutes=3000),  # a member
        audit.put(street_rule, other_street_admin, min_minutes=3000),  # another street's admin
        audit.put(street_rule, elsewhere, min_minutes=3000),
        audit.put(street_rule, audit.member, min_minutes=3000),
        audit.client.post(periods, json=quarter, headers=audit.street_admin),
        audit.client.post(periods, json=quarter, headers=elsewhere),
        audit.client.post(periods, json=quarter, headers=audit.member),
        audit.get(f"/api/v1/periods/{period}/requirement-history", elsewhere),
        audit.get(f"/api/v1/periods/{period}/requirement", audit.member),
        audit.get(periods, elsewhere),
    ]

    assert [(r.status_code, r.json["code"]) for r in refused] == [(403, "auth.forbidden")] * len(
        refused
    )
    assert count(Requirement) == 0


def test_a_street_of_another_city_or_an_unknown_period_is_refused(audit: Audit) -> None:
    period = audit.year_period()
    other = make_city()
    response = audit.put(
        f"/api/v1/periods/{period}/streets/{other.street.id}/requirement", min_minutes=3000
    )
    assert (response.status_code, response.json["code"]) == (422, "area.wrong_level")
    response = audit.put("/api/v1/periods/999999/requirement", min_minutes=3000)
    assert (response.status_code, response.json["code"]) == (404, "period.not_found")


def test_history_lists_every_version_with_who_and_when(audit: Audit) -> None:
    period = audit.year_period()
    audit.put(f"/api/v1/periods/{period}/requirement", min_minutes=1800)
    audit.put(f"/api/v1/periods/{period}/requirement", min_services=3, min_minutes=2400)
    street = f"/api/v1/periods/{period}/streets/{audit.place.street.id}/requirement"
    audit.put(street, audit.street_admin, min_minutes=3000)

    page = audit.get(f"/api/v1/periods/{period}/requirement-history?limit=2", audit.street_admin)
    assert page.status_code == 200, page.json
    rest = audit.get(
        f"/api/v1/periods/{period}/requirement-history?cursor={page.json['next_cursor']}"
    ).json
    versions = page.json["items"] + rest["items"]

    assert [
        (v["area_id"], v["min_services"], v["min_minutes"], v["created_by_id"]) for v in versions
    ] == [
        (audit.place.street.id, None, 3000, audit.street_admin_id),
        (audit.place.city.id, 3, 2400, audit.org_admin_id),
        (audit.place.city.id, None, 1800, audit.org_admin_id),
    ]
    assert all(v["effective_from"] for v in versions)
    assert rest["next_cursor"] is None
    # The first version is still what it was: versions are added, never rewritten.
    assert (
        audit.get(f"/api/v1/periods/{period}/requirement").json["city_rule"]["min_minutes"] == 2400
    )


def test_changes_are_in_the_security_log(audit: Audit) -> None:
    period = audit.year_period()
    audit.put(f"/api/v1/periods/{period}/requirement", min_minutes=1800)
    log = audit.get("/api/v1/security-events?action=audit.requirement", audit.admin(Role.SYS_ADMIN))
    assert log.status_code == 200, log.json
    [event] = [e for e in log.json["items"] if e["object_id"] == str(period)]
    assert event["account_id"] == audit.org_admin_id
    assert event["detail"]["min_minutes"] == 1800


def test_periods_are_listed_newest_first(audit: Audit) -> None:
    year_id = audit.year_period()
    year = clock.today().year
    url = f"/api/v1/cities/{audit.place.city.id}/periods"
    q1 = audit.client.post(
        url,
        json={"kind": "quarter", "starts_on": f"{year}-01-01", "ends_on": f"{year}-03-31"},
        headers=audit.org_admin,
    ).json["id"]
    listed = audit.get(url, audit.street_admin).json
    assert [p["id"] for p in listed["items"]] == [q1, year_id]
    assert [p["id"] for p in audit.get(url + "?kind=year").json["items"]] == [year_id]
