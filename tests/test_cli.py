"""Command-line entry points."""

from __future__ import annotations

import pytest
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Grant, Role
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area
from tests.builders import auth
from tests.steps import login


def test_create_sysadmin_bootstraps_the_first_administrator(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    from sunshine.extensions import db

    result = app.test_cli_runner().invoke(args=["create-sysadmin", "--openid", "o-first-admin"])

    assert result.exit_code == 0, result.output
    token = login(client, fake_wechat, "o-first-admin")
    me = client.get("/api/v1/me", headers=auth(token)).json
    assert me["roles"] == ["sys_admin"]
    grant = db.session.scalars(select(Grant)).one()
    assert grant.role == Role.SYS_ADMIN and grant.granted_by_id is None


def test_create_sysadmin_twice_is_refused(app: Flask) -> None:
    runner = app.test_cli_runner()
    runner.invoke(args=["create-sysadmin", "--openid", "o-twice"])
    result = runner.invoke(args=["create-sysadmin", "--openid", "o-twice"])
    assert result.exit_code != 0


def test_seed_demo_is_idempotent_and_demo_admins_can_log_in(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    from sunshine.extensions import db

    runner = app.test_cli_runner()
    first = runner.invoke(args=["seed-demo"])
    second = runner.invoke(args=["seed-demo"])

    assert first.exit_code == 0 and "loaded" in first.output
    assert second.exit_code == 0 and "already present" in second.output
    assert len(db.session.scalars(select(Area).where(Area.name == "孝义市")).all()) == 1
    token = login(client, fake_wechat, "demo-org")
    me = client.get("/api/v1/me", headers=auth(token)).json
    assert me["grants"][0]["scope"] == {
        "kind": "city",
        "id": me["grants"][0]["scope"]["id"],
        "name": "孝义市",
    }

    # The demo member sees the community's other tasks and can check in on the one they hold.
    member = auth(login(client, fake_wechat, "demo-member"))
    secretary = auth(login(client, fake_wechat, "demo-community"))
    feed = client.get("/api/v1/me/feed", headers=member).json["items"]
    (held,) = client.get("/api/v1/me/signups", headers=member).json["items"]
    code = client.get(f"/api/v1/shifts/{held['shift_id']}/checkin-code", headers=secretary)
    punch = client.post(
        "/api/v1/punches", json={"code": code.json["code"], "direction": "in"}, headers=member
    )
    own = ["小区环境整治", "街道政策宣传日", "全市文明城市创建"]
    assert [i["task"]["title"] for i in feed if i["task"]["title"] in own] == own
    # Beside them: their grid's task, the city bodies' (tests/test_demo_double.py).
    community = next(i for i in feed if i["task"]["title"] == own[0])
    # The demo city's rule for the year (20 hours) applies, with the first street's tightening.
    assert community["reasons"][:1] == ["本社区"]
    assert community["reasons"][-1] == "本年度还差 20 小时"
    assert punch.status_code == 201

    # A year of history: the street admin sees its communities' confirmed records.
    street = auth(login(client, fake_wechat, "demo-street"))
    records = client.get("/api/v1/service-records?status=confirmed&limit=100", headers=street).json[
        "items"
    ]
    assert len(records) == 100 and {r["status"] for r in records} == {"confirmed"}
    hours = client.get("/api/v1/me/hours", headers=member).json
    assert hours["rule"]["source"] == "street" and hours["required_services"] == 8

    # The org department's side: the year's compliance, a locked quarter, anomalies to review.
    org = auth(token)
    city_id = me["grants"][0]["scope"]["id"]
    periods = client.get(f"/api/v1/cities/{city_id}/periods", headers=org).json["items"]
    year = next(p for p in periods if p["kind"] == "year" and p["ends_on"] >= "2026")
    compliance = client.get(f"/api/v1/periods/{year['id']}/compliance", headers=org).json
    assert compliance["total"]["members"] > 150 and compliance["total"]["compliant"] > 0
    assert any(p["locked_at"] for p in periods if p["kind"] == "quarter")
    anomalies = client.get("/api/v1/anomalies?limit=100", headers=street).json["items"]
    assert {"late_confirmation", "overlap", "adjust_after_lock"} <= {a["kind"] for a in anomalies}


def test_demo_refuses_to_run_in_production(app: Flask, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(app.config, "ENV_NAME", "production")
    result = app.test_cli_runner().invoke(args=["demo"])
    assert result.exit_code != 0
    assert "never runs in production" in result.output


def test_import_command_applies_a_roster_file_and_reports_counts(
    app: Flask, tmp_path: pytest.TempPathFactory
) -> None:
    from sunshine.extensions import db
    from sunshine.roster.models import RosterEntry
    from tests.builders import make_city

    place = make_city()
    path = tmp_path / "roster.csv"  # type: ignore[operator]
    path.write_text(f"姓名,手机号,单位\n张三,13800000001,{place.unit.name}\n", encoding="gbk")

    result = app.test_cli_runner().invoke(
        args=["import", "roster", str(path), "--city-id", str(place.city.id)]
    )

    assert result.exit_code == 0, result.output
    assert "1 created" in result.output
    assert db.session.scalars(select(RosterEntry.name)).all() == ["张三"]


def test_import_command_rejects_a_bad_file_whole_and_lists_rows(
    app: Flask, tmp_path: pytest.TempPathFactory
) -> None:
    from sunshine.extensions import db
    from sunshine.roster.models import RosterEntry
    from tests.builders import make_city

    place = make_city()
    path = tmp_path / "roster.csv"  # type: ignore[operator]
    path.write_text(
        f"姓名,手机号,单位\n张三,13800000001,{place.unit.name}\n李四,123,{place.unit.name}\n",
        encoding="utf-8",
    )
    runner = app.test_cli_runner()

    result = runner.invoke(args=["import", "roster", str(path), "--city-id", str(place.city.id)])
    wrong_city = runner.invoke(
        args=["import", "roster", str(path), "--city-id", str(place.street.id)]
    )

    assert result.exit_code != 0
    assert "第 3 行" in result.output and "rejected" in result.output
    assert db.session.scalars(select(RosterEntry)).all() == []
    assert wrong_city.exit_code != 0 and "area.wrong_level" in wrong_city.output
