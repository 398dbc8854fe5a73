"""The demo city holds the other half of 双报到 (sunshine/demo_double.py), and its figures agree
with its rows: read over HTTP as the demo's accounts, as a person trying the demo would."""

from __future__ import annotations

from typing import Any

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine import clock
from sunshine.fake_wechat import FakeWeChat
from sunshine.needs.models import Need, NeedRating
from tests.builders import auth
from tests.steps import login


def _get(client: FlaskClient, url: str, headers: dict[str, str]) -> Any:
    response = client.get(f"/api/v1{url}", headers=headers)
    assert response.status_code == 200, (url, response.json)
    return response.json


def test_demo_city_holds_units_wishes_grids_bodies_detachments_and_campaigns(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    from sunshine.extensions import db

    result = app.test_cli_runner().invoke(args=["seed-demo"])
    assert result.exit_code == 0 and "双报到" in result.output, result.output
    as_ = {
        openid: auth(login(client, fake_wechat, openid))
        for openid in (
            "demo-org", "demo-community", "demo-unit", "demo-unit-school", "demo-resident",
            "demo-grid", "demo-member", "demo-centre", "demo-station-1", "demo-leifeng",
        )
    }  # fmt: skip
    org = as_["demo-org"]
    city_id = _get(client, "/me", org)["grants"][0]["scope"]["id"]

    # Units: a third of the city's 204 report in; the hospital's is admitted, with a
    # countersigned agreement and a project done with the members it sent; the school waits.
    report_ins = _get(client, "/unit-report-ins?limit=100", org)["items"]
    assert len(report_ins) == 204 // 3
    assert {"active", "pending"} <= {r["status"] for r in report_ins}
    (hospital,) = _get(client, "/unit-report-ins", as_["demo-unit"])["items"]
    assert hospital["status"] == "active" and hospital["paired"]
    agreement = _get(client, f"/unit-report-ins/{hospital['id']}/agreement", as_["demo-unit"])
    assert agreement["resources"] and agreement["confirmed_at"]
    projects = _get(client, f"/unit-projects?report_in_id={hospital['id']}", as_["demo-unit"])
    assert any(p["status"] == "done" and p["members"] for p in projects["items"])
    (school,) = _get(client, "/unit-report-ins", as_["demo-unit-school"])["items"]
    assert school["status"] == "pending"
    approved = client.post(
        f"/api/v1/unit-report-ins/{school['id']}/approve", json={}, headers=as_["demo-community"]
    )
    assert approved.status_code == 200 and approved.json["status"] == "active"
    last_year = clock.today().year - 1
    reports = _get(client, f"/unit-yearly-reports?year={last_year}&limit=100", org)["items"]
    assert reports and all(r["year"] == last_year for r in reports)

    # Wishes: the city's figures count every rating the rows hold, 满意 + 基本满意 over rated.
    stats = _get(client, f"/needs/stats?area_id={city_id}", org)
    ratings = dict(
        db.session.execute(
            select(Need.rating, func.count()).where(Need.rating.is_not(None)).group_by(Need.rating)
        ).all()
    )
    rated = sum(ratings.values())
    assert stats["rated"] == rated > 100
    assert stats["satisfied"] == ratings[NeedRating.SATISFIED]
    assert stats["dissatisfied"] == ratings[NeedRating.DISSATISFIED]
    satisfied = ratings[NeedRating.SATISFIED] + ratings[NeedRating.FAIRLY_SATISFIED]
    assert abs(stats["satisfaction_rate"] - satisfied / rated) < 0.01
    assert 0 < stats["answered"] < stats["submitted"]
    assert sum(s["rated"] for s in stats["children"]) == rated
    overdue = _get(client, "/needs?overdue=true&limit=100", org)["items"]
    assert overdue

    # The demo resident rates their done wish; the first community's figures show it.
    resident = as_["demo-resident"]
    mine = _get(client, "/me/needs", resident)["items"]
    assert sorted(n["status"] for n in mine) == ["declined", "done", "submitted"]
    done = next(n for n in mine if n["status"] == "done")
    community_id = done["community_id"] if "community_id" in done else done["community"]["id"]
    before = _get(client, f"/needs/stats?area_id={community_id}", as_["demo-community"])
    rating = client.post(
        f"/api/v1/me/needs/{done['id']}/rating", json={"rating": "satisfied"}, headers=resident
    )
    assert rating.status_code in (200, 201), rating.json
    after = _get(client, f"/needs/stats?area_id={community_id}", as_["demo-community"])
    assert after["rated"] == before["rated"] + 1
    assert after["satisfied"] == before["satisfied"] + 1

    # Grids: the demo member lives in 第1网格 and is its liaison; the grid's task is in their
    # feed, and the grid's 网格员 sees them among the grid's members.
    member = as_["demo-member"]
    feed = _get(client, "/me/feed?limit=50", member)["items"]
    grid_items = [i for i in feed if i["task"]["visibility"] == "grid"]
    assert grid_items and "本网格" in grid_items[0]["reasons"]
    grid_id = next(g["scope"]["id"] for g in _get(client, "/me", as_["demo-grid"])["grants"])
    people = _get(client, f"/grids/{grid_id}/members?limit=100", as_["demo-grid"])["items"]
    assert "grid_liaison" in _get(client, "/me", member)["roles"]
    (own,) = _get(client, "/me/detachments", member)  # the one they lead (below)
    assert own["leader"]["member_id"] in {p["member"]["id"] for p in people}

    # City bodies: each body admin runs its own tasks; the stations' are for chosen streets.
    for openid, visibility in (
        ("demo-centre", "city"),
        ("demo-station-1", "streets"),
        ("demo-leifeng", "city"),
    ):
        body_id = _get(client, "/me", as_[openid])["grants"][0]["scope"]["id"]
        tasks = _get(client, f"/bodies/{body_id}/tasks", as_[openid])["items"]
        assert tasks and {t["visibility"] for t in tasks} == {visibility}
        assert all(t["status"] == "published" for t in tasks)

    # Detachments: 24, 10–30 members and a leader each; the demo member leads the first;
    # team signups went through the detachments.
    detachments = _get(client, f"/cities/{city_id}/detachments", org)
    assert len(detachments) == 24
    assert all(10 <= d["member_count"] <= 31 and d["leader"] for d in detachments)
    assert own["is_leader"] and own["id"] in {d["id"] for d in detachments}
    from sunshine.detachments.models import DetachmentSignup

    assert db.session.scalar(select(func.count()).select_from(DetachmentSignup)) >= 20

    # Campaigns: tagged tasks, and the year's compliance filtered by 创城 counts some service.
    campaigns = _get(client, f"/cities/{city_id}/campaigns", org)
    by_name = {c["name"]: c for c in campaigns}
    assert {"创城", "专项整治"} <= set(by_name) and not by_name["疫情防控"]["active"]
    periods = _get(client, f"/cities/{city_id}/periods", org)["items"]
    tag = by_name["创城"]["id"]
    # The year with the most service (early in January, this year's has hardly any).
    years = [
        (
            _get(client, f"/periods/{p['id']}/compliance", org)["total"],
            _get(client, f"/periods/{p['id']}/compliance?campaign_id={tag}", org)["total"],
        )
        for p in periods
        if p["kind"] == "year"
    ]
    whole, tagged = max(years, key=lambda figures: figures[1]["services"])
    assert tagged["members"] == whole["members"]
    assert 0 < tagged["total_minutes"] < whole["total_minutes"]
    assert 0 < tagged["services"] < whole["services"]
