"""Asking for an export, following it, downloading it: the members export through the job,
who may read and download what, expiry, failures, and the security log."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path

from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import update

from sunshine import clock
from sunshine.access.models import Grant, Role
from sunshine.exports.models import Export
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.jobs.runner import run_due
from tests.builders import add_member, count, make_city
from tests.exports.conftest import (
    URL,
    ask,
    asked,
    exported,
    file_bytes,
    header,
    rows,
    run_exports,
    workbook,
)
from tests.steps import login_as

MEMBER_HEADER = [
    "编号",
    "姓名",
    "手机号",
    "状态",
    "工作单位",
    "党组织",
    "居住社区",
    "报到社区",
    "报到状态",
    "名册核验",
    "注册时间",
]


def test_the_org_department_exports_its_citys_members_through_the_job(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place, elsewhere = make_city(), make_city("介休市")
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    ours = add_member(
        name="张三", phone="13800001111", unit=place.unit, residence=place.community, verified=True
    )
    add_member(name="李四", phone="13800002222", unit=elsewhere.unit, residence=elsewhere.community)

    body = asked(client, org, "members")

    assert body["status"] == "pending" and body["kind"] == "members"
    assert (body["percentage"], body["rows"], body["total"]) == (0, 0, None)
    assert body["file_url"] is None and body["expires_at"] is None
    early = client.get(f"{URL}/{body['id']}/file", headers=org)
    assert (early.status_code, early.json["code"]) == (409, "export.not_ready")

    assert run_exports() == {"exported": 1, "failed": 0, "interrupted": 0}

    done = client.get(f"{URL}/{body['id']}", headers=org).json
    assert done["status"] == "done"
    assert (done["percentage"], done["rows"], done["total"]) == (100, 1, 1)
    assert done["file_url"] == f"{URL}/{body['id']}/file"
    expires = datetime.fromisoformat(done["expires_at"])
    assert timedelta(hours=23) < expires - clock.now() <= timedelta(hours=24)
    sheet = workbook(file_bytes(client, org, body["id"])).active
    assert sheet is not None and sheet.title == "党员名单"
    assert header(sheet) == MEMBER_HEADER
    assert sheet.freeze_panes == "A2"
    assert sheet.column_dimensions["E"].width > sheet.column_dimensions["A"].width
    (row,) = rows(sheet)
    assert row["编号"].value == ours and row["编号"].data_type == "n"
    assert row["姓名"].value == "张三"
    assert row["手机号"].value == "138****1111"  # the org department sees phones masked
    assert row["状态"].value == "已核验" and row["报到状态"].value == "未报到"
    assert row["居住社区"].value == place.community.name
    assert isinstance(row["注册时间"].value, datetime) and row["注册时间"].is_date
    assert run_exports() == {"exported": 0, "failed": 0, "interrupted": 0}


def test_a_unit_admin_sees_whole_phones_of_its_units_members(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, unit_admin = login_as(client, fake_wechat, Role.UNIT_ADMIN, place.unit)
    add_member(name="张三", phone="13800001111", unit=place.unit, residence=place.community)

    (row,) = rows(exported(client, unit_admin, "members", status="pending"))

    assert row["手机号"].value == "13800001111"
    assert row["状态"].value == "待审核"


def test_the_listings_filters_narrow_the_export_and_nothing_else_is_taken(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    add_member(name="张三", phone="13800001111", unit=place.unit, residence=place.community)
    add_member(name="王五", phone="13800003333", unit=place.unit, residence=place.other_community)

    sheet = exported(client, org, "members", area_id=place.other_community.id)
    unknown_filter = ask(client, org, "members", colour="red")
    bad_value = ask(client, org, "members", status="sleeping")
    cursor = ask(client, org, "members", cursor=5)
    unknown_kind = client.post(URL, json={"kind": "everything"}, headers=org)
    no_kind = client.post(URL, json={"filters": {}}, headers=org)
    unknown_area = ask(client, org, "members", area_id=999_999)
    unknown_unit = ask(client, org, "members", unit_id=999_999)

    assert [r["姓名"].value for r in rows(sheet)] == ["王五"]
    assert unknown_filter.status_code == 422
    assert unknown_filter.json["fields"] == {"filters": {"colour": ["不允许的字段"]}}
    assert (bad_value.status_code, list(bad_value.json["fields"]["filters"])) == (422, ["status"])
    assert cursor.status_code == 422  # paging is the listing's, not the export's
    assert (unknown_kind.status_code, list(unknown_kind.json["fields"])) == (422, ["kind"])
    assert no_kind.status_code == 422
    assert (unknown_area.status_code, unknown_area.json["code"]) == (404, "area.not_found")
    assert (unknown_unit.status_code, unknown_unit.json["code"]) == (404, "unit.not_found")
    assert count(Export) == 1


def test_refusals_are_403_logged_and_write_nothing(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, member = login_as(client, fake_wechat, None)
    _, street = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, sys_admin = login_as(client, fake_wechat, Role.SYS_ADMIN)

    refused = [
        ask(client, member, "members"),
        ask(client, street, "members"),  # the member listing is the unit's and the org's
        ask(client, secretary, "hours_ledger", **{"from": "2026-01-01", "to": "2026-01-31"}),
        ask(client, member, "service_records"),
    ]

    assert [(r.status_code, r.json["code"]) for r in refused] == [(403, "auth.forbidden")] * 4
    assert count(Export) == 0
    logged = client.get(
        "/api/v1/security-events?action=export.request&outcome=failure", headers=sys_admin
    ).json["items"]
    assert len(logged) == 4
    assert {e["reason"] for e in logged} == {"auth.forbidden"}
    # The member holds no export's permission: refused before the body names a kind.
    assert {e["detail"].get("kind") for e in logged} == {"members", "hours_ledger", None}
    ledger = next(e for e in logged if e["detail"].get("kind") == "hours_ledger")
    assert ledger["detail"]["filters"] == {"from": "2026-01-01", "to": "2026-01-31"}


def test_only_the_admin_who_asked_reads_or_downloads_it(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, colleague = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, sys_admin = login_as(client, fake_wechat, Role.SYS_ADMIN)
    export_id = asked(client, org, "members")["id"]
    run_exports()

    for headers in (colleague, sys_admin):
        for url in (f"{URL}/{export_id}", f"{URL}/{export_id}/file"):
            hidden = client.get(url, headers=headers)
            assert (hidden.status_code, hidden.json["code"]) == (404, "export.not_found")
    missing = client.get(f"{URL}/999999", headers=org)
    assert (missing.status_code, missing.json["code"]) == (404, "export.not_found")
    assert file_bytes(client, org, export_id)


def test_every_request_finish_and_download_is_in_the_security_log(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    org_account, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, sys_admin = login_as(client, fake_wechat, Role.SYS_ADMIN)
    for n in range(3):
        add_member(name="张三", phone=f"1380000000{n}", unit=place.unit, residence=place.community)
    export_id = asked(client, org, "members", name="张三")["id"]
    run_exports()
    file_bytes(client, org, export_id)
    file_bytes(client, org, export_id)

    def events(action: str) -> list[dict]:  # type: ignore[type-arg]
        response = client.get(f"/api/v1/security-events?action={action}", headers=sys_admin)
        items: list[dict] = response.json["items"]  # type: ignore[type-arg]
        return items

    (request,) = events("export.request")
    (finish,) = events("export.finish")
    downloads = events("export.download")
    assert request["account_id"] == org_account.id and request["outcome"] == "success"
    assert request["object_type"] == "export" and request["object_id"] == str(export_id)
    assert request["detail"] == {"kind": "members", "filters": {"name": "张三"}}
    assert request["ip"] is not None and request["request_id"] is not None
    assert finish["account_id"] == org_account.id
    assert finish["detail"] == {"kind": "members", "filters": {"name": "张三"}, "rows": 3}
    assert len(downloads) == 2
    assert {d["account_id"] for d in downloads} == {org_account.id}
    assert all(d["detail"]["rows"] == 3 for d in downloads)


def test_a_file_past_its_time_is_gone_and_the_job_deletes_it(
    client: FlaskClient, fake_wechat: FakeWeChat, export_dir: Path
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    export_id = asked(client, org, "members")["id"]
    run_exports()
    assert file_bytes(client, org, export_id)
    assert len(list(export_dir.iterdir())) == 1
    cleanup = "exports.delete_expired"

    assert run_due(only=cleanup)[cleanup] == {"expired": 0, "strays": 0}  # not yet
    later = clock.now() + timedelta(hours=24, minutes=1)
    assert run_due(later, only=cleanup)[cleanup] == {"expired": 1, "strays": 0}

    gone = client.get(f"{URL}/{export_id}/file", headers=org)
    assert (gone.status_code, gone.json["code"]) == (410, "export.expired")
    state = client.get(f"{URL}/{export_id}", headers=org).json
    assert state["status"] == "expired" and state["file_url"] is None
    assert list(export_dir.iterdir()) == []


def test_expiry_is_the_configured_time_after_the_file_is_written(
    app: Flask, client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    app.config["EXPORT_TTL_HOURS"] = 0
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    export_id = asked(client, org, "members")["id"]
    run_exports()

    state = client.get(f"{URL}/{export_id}", headers=org).json
    gone = client.get(f"{URL}/{export_id}/file", headers=org)

    assert state["status"] == "done" and state["expires_at"] == state["finished_at"]
    assert (gone.status_code, gone.json["code"]) == (410, "export.expired")


def test_an_export_whose_grant_was_revoked_before_it_ran_fails(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    org_account, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    export_id = asked(client, org, "members")["id"]
    db.session.execute(
        update(Grant).where(Grant.account_id == org_account.id).values(revoked_at=clock.now())
    )
    db.session.commit()

    assert run_exports() == {"exported": 0, "failed": 1, "interrupted": 0}

    state = client.get(f"{URL}/{export_id}", headers=org).json
    assert state["status"] == "failed" and state["error"] == "auth.forbidden"
    download = client.get(f"{URL}/{export_id}/file", headers=org)
    assert (download.status_code, download.json["code"]) == (403, "auth.forbidden")


def test_a_failed_or_interrupted_export_says_so(
    client: FlaskClient, fake_wechat: FakeWeChat, export_dir: Path
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    failing = asked(client, org, "members")["id"]
    # A filter that held when asked but no longer does (the area is gone by the time it runs).
    db.session.execute(
        update(Export).where(Export.id == failing).values(filters={"area_id": 999_999})
    )
    stuck = asked(client, org, "members")["id"]
    hour_ago = clock.now() - timedelta(hours=1)
    db.session.execute(
        update(Export)
        .where(Export.id == stuck)
        .values(status="running", heartbeat_at=hour_ago, file_name=f"{stuck}-00.xlsx")
    )
    db.session.commit()

    assert run_exports() == {"exported": 0, "failed": 1, "interrupted": 1}

    failed = client.get(f"{URL}/{failing}", headers=org).json
    interrupted = client.get(f"{URL}/{stuck}", headers=org).json
    assert (failed["status"], failed["error"]) == ("failed", "area.not_found")
    assert (interrupted["status"], interrupted["error"]) == ("failed", "export.interrupted")
    download = client.get(f"{URL}/{failing}/file", headers=org)
    assert (download.status_code, download.json["code"]) == (409, "export.failed")
    assert list(export_dir.iterdir()) == []  # the failed export's partial file is deleted


def test_a_file_missing_from_the_directory_is_gone(
    client: FlaskClient, fake_wechat: FakeWeChat, export_dir: Path
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    export_id = asked(client, org, "members")["id"]
    run_exports()
    for path in export_dir.iterdir():
        path.unlink()

    missing = client.get(f"{URL}/{export_id}/file", headers=org)

    assert (missing.status_code, missing.json["code"]) == (410, "export.file_missing")


def test_an_admin_has_at_most_three_exports_waiting(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, colleague = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    for _ in range(3):
        asked(client, org, "members")

    fourth = ask(client, org, "members")
    theirs = ask(client, colleague, "members")

    assert (fourth.status_code, fourth.json["code"]) == (409, "export.too_many")
    assert theirs.status_code == 202
    assert run_exports()["exported"] == 4
    assert ask(client, org, "members").status_code == 202


def test_the_percentage_follows_the_rows_the_job_has_committed(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, org = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    export_id = asked(client, org, "members")["id"]

    def shown(**state: object) -> tuple[str, int, int]:
        db.session.execute(update(Export).where(Export.id == export_id).values(**state))
        db.session.commit()
        body = client.get(f"{URL}/{export_id}", headers=org).json
        return body["status"], body["percentage"], body["rows"]

    assert shown(status="running", total=None) == ("running", 0, 0)
    assert shown(rows=15_000, total=40_000) == ("running", 37, 15_000)
    assert shown(rows=40_000) == ("running", 99, 40_000)  # written, not yet closed
    assert shown(total=0, rows=0) == ("running", 0, 0)
