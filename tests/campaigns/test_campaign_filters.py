"""Filtering by campaign: compliance, its member rows, the record listing and totals, and the
two exports count only the records of tasks tagged with the campaign.

The compliance world (tests/audit/compliance_world.py) has every record on an untagged task;
here a has 60 confirmed minutes and b 45 pending on the tagged task, so filtered by the
campaign a has one service of 60 minutes and everyone else none.
"""

from __future__ import annotations

import pytest

from tests.campaigns.conftest import Headers, Tagged, campaign
from tests.exports.conftest import ask, exported, rows


@pytest.fixture
def served(tagged: Tagged) -> dict[str, int]:
    return {"a": tagged.served("a", 60), "b": tagged.served("b", 45, confirm=False)}


def test_compliance_filtered_by_campaign_counts_only_its_records(
    tagged: Tagged, served: dict[str, int]
) -> None:
    world = tagged.world

    whole = world.ok(world.compliance(by="street"))["total"]
    only = world.ok(world.compliance(by="street", campaign_id=tagged.campaign_id))["total"]
    members = world.ok(world.rows(limit=100, campaign_id=tagged.campaign_id))["items"]

    assert (only["services"], only["total_minutes"]) == (1, 60)
    assert whole["services"] > only["services"] and whole["total_minutes"] > 60
    assert only["members"] == whole["members"]  # the members counted are the same
    figures = {world.label_of(r["member_id"]): (r["services"], r["minutes"]) for r in members}
    assert figures.pop("a") == (1, 60)
    assert set(figures.values()) == {(0, 0)}


def test_compliance_refuses_unknown_and_foreign_campaigns(
    tagged: Tagged, other_city_org_admin: tuple[int, Headers]
) -> None:
    world = tagged.world
    other_city, outsider = other_city_org_admin
    foreign = campaign(world.client, outsider, other_city, "创城").json["id"]

    unknown = world.compliance(campaign_id=999_999)
    wrong = world.rows(campaign_id=foreign)

    assert unknown.status_code == 404 and unknown.json["code"] == "campaign.not_found"
    assert wrong.status_code == 422 and wrong.json["code"] == "campaign.wrong_city"


def test_record_listing_and_totals_filtered_by_campaign(
    tagged: Tagged, served: dict[str, int]
) -> None:
    world = tagged.world
    query = {"campaign_id": tagged.campaign_id}

    listed = world.ok(world.get("/service-records", world.secretary, limit=100, **query))
    totals = world.ok(world.get("/service-records/totals", world.secretary, **query))

    assert {r["id"] for r in listed["items"]} == set(served.values())
    assert totals["count"] == 2 and totals["credited_minutes"] == 60


def test_a_campaign_tagged_compliance_export(tagged: Tagged, served: dict[str, int]) -> None:
    world = tagged.world

    sheet = exported(
        world.client,
        world.org_admin,
        "compliance",
        period_id=world.period_id,
        campaign_id=tagged.campaign_id,
    )

    lines = {world.label_of(line["党员编号"].value): line for line in rows(sheet)}
    assert lines["a"]["服务次数"].value == 1 and lines["a"]["服务时长（小时）"].value == 1
    assert {line["服务次数"].value for label, line in lines.items() if label != "a"} == {0}


def test_a_campaign_tagged_records_export_has_only_its_records(
    tagged: Tagged, served: dict[str, int]
) -> None:
    world = tagged.world

    sheet = exported(
        world.client, world.secretary, "service_records", campaign_id=tagged.campaign_id
    )
    confirmed = exported(
        world.client,
        world.secretary,
        "service_records",
        campaign_id=tagged.campaign_id,
        status="confirmed",
    )

    assert {line["记录编号"].value for line in rows(sheet)} == set(served.values())
    assert [line["记录编号"].value for line in rows(confirmed)] == [served["a"]]


def test_the_compliance_export_refuses_a_foreign_campaign(
    tagged: Tagged, other_city_org_admin: tuple[int, Headers]
) -> None:
    world = tagged.world
    other_city, outsider = other_city_org_admin
    foreign = campaign(world.client, outsider, other_city, "创城").json["id"]

    response = ask(
        world.client,
        world.org_admin,
        "compliance",
        period_id=world.period_id,
        campaign_id=foreign,
    )

    assert response.status_code == 422 and response.json["code"] == "campaign.wrong_city"
