"""A detachment's hours (支队服务时长) as a sheet: ``GET /detachments/{id}/hours``'s own figures,
one row per member and the team's total, for the org department of its city (a leader reads
the figures in the mini-program: the spreadsheet is under ``detachment.manage``); real number
cells; refusals."""

from __future__ import annotations

from datetime import date, timedelta

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.security.models import SecurityEvent
from tests.builders import add_service_record, grant, make_account, make_city, token_for
from tests.detachments.conftest import Team, team  # noqa: F401 (the fixture)
from tests.exports.conftest import ask, asked, file_bytes, formulas, header, rows, workbook
from tests.steps import login_as

JULY = date(2026, 7, 1)
KIND = "detachment_hours"


def _served(team: Team, fake_wechat: FakeWeChat) -> tuple[int, int]:  # noqa: F811
    """Two members of the team: the first served 2 h through the team and 1 h alone in July,
    the second 1.5 h through the team in August."""
    client = team.client
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, team.place.community)
    first, second = team.member_ids[1], team.member_ids[2]
    via_team = team.shift(starts_in=timedelta(days=3))
    alone = team.shift(starts_in=timedelta(days=5))
    assert team.sign_up(via_team, [first, second]).status_code == 201
    signup = client.post(f"/api/v1/shifts/{alone}/signups", headers=team.headers[first])
    assert signup.status_code == 201, signup.json
    records = [
        add_service_record(first, via_team, minutes=120, service_date=JULY),
        add_service_record(first, alone, minutes=60, service_date=JULY),
        add_service_record(second, via_team, minutes=90, service_date=date(2026, 8, 3)),
    ]
    confirmed = client.post(
        "/api/v1/service-records/confirm", json={"ids": records}, headers=secretary
    )
    assert confirmed.status_code == 200, confirmed.json
    return first, second


def test_the_org_department_exports_the_team_s_hours_as_the_endpoint_shows_them(
    team: Team,  # noqa: F811
    fake_wechat: FakeWeChat,
) -> None:
    first, second = _served(team, fake_wechat)
    body = asked(team.client, team.org_admin, KIND, detachment_id=team.detachment_id)
    assert body["status"] == "done"  # written at once
    data = file_bytes(team.client, team.org_admin, body["id"])
    sheet = workbook(data).active
    assert sheet is not None and sheet.title == "支队服务时长"
    shown = team.client.get(f"{team.url}/hours", headers=team.leader).json

    assert header(sheet)[0] == "党员编号"
    lines = rows(sheet)
    assert [r["党员编号"].value for r in lines[:-1]] == [m["member_id"] for m in shown["members"]]
    by_member = {r["党员编号"].value: r for r in lines[:-1]}
    assert by_member[first]["支队服务时长（小时）"].value == 2.0
    assert by_member[first]["全部服务时长（小时）"].value == 3.0
    assert by_member[first]["全部服务次数"].value == 2
    assert by_member[first]["全部服务次数"].data_type == "n"
    assert by_member[second]["支队服务次数"].value == 1
    assert by_member[first]["现任成员"].value == "是"
    total = lines[-1]
    assert total["姓名"].value == "全队合计" and total["党员编号"].value is None
    assert (total["支队服务次数"].value, total["支队服务时长（小时）"].value) == (2, 3.5)
    assert shown["team_hours"] == 3.5
    assert formulas(data) == []


def test_the_org_department_exports_a_span_of_service_dates(
    team: Team,  # noqa: F811
    fake_wechat: FakeWeChat,
) -> None:
    first, second = _served(team, fake_wechat)
    span = {"from": "2026-07-01", "to": "2026-07-31"}
    body = asked(team.client, team.org_admin, KIND, detachment_id=team.detachment_id, **span)
    sheet = workbook(file_bytes(team.client, team.org_admin, body["id"])).active
    assert sheet is not None

    lines = {r["党员编号"].value: r for r in rows(sheet)}
    assert lines[first]["支队服务时长（小时）"].value == 2.0
    assert lines[second]["支队服务时长（小时）"].value == 0  # August's is outside the span
    assert lines[None]["支队服务时长（小时）"].value == 2.0


def test_others_are_refused(
    client: FlaskClient,
    team: Team,  # noqa: F811
) -> None:
    """Holding no detachment.manage: 403 before the body is read (the leader and the team's
    members included); another city's org department: the detachment's 404."""
    member = team.headers[team.member_ids[1]]  # on the roster, not its leader
    foreign = make_account()
    grant(foreign, Role.ORG_ADMIN, make_city("汾阳市").city)
    stranger = make_account()
    secretary = make_account()
    grant(secretary, Role.COMMUNITY_ADMIN, team.place.community)
    filters = {"detachment_id": team.detachment_id}

    without = [
        ask(client, headers, KIND, **filters)
        for headers in (team.leader, member, token_for(stranger.id), token_for(secretary.id))
    ]
    other_city = ask(client, token_for(foreign.id), KIND, **filters)
    unknown = ask(client, team.org_admin, KIND, detachment_id=999_999)
    backwards = ask(
        client, team.org_admin, KIND, **filters, **{"from": "2026-08-01", "to": "2026-07-01"}
    )
    not_a_day = ask(client, team.org_admin, KIND, **filters, **{"to": "2026-13-01"})
    missing = ask(client, team.org_admin, KIND)

    for refused in without:
        assert (refused.status_code, refused.json["code"]) == (403, "auth.forbidden")
    for refused in (other_city, unknown):
        assert (refused.status_code, refused.json["code"]) == (404, "detachment.not_found")
    assert backwards.status_code == 422 and "to" in backwards.json["fields"]["filters"]
    assert not_a_day.status_code == 422 and "to" in not_a_day.json["fields"]["filters"]
    assert missing.status_code == 422 and "detachment_id" in missing.json["fields"]["filters"]
    refused_ids = {foreign.id, stranger.id, secretary.id}
    logged = db.session.scalars(
        select(SecurityEvent.account_id).where(SecurityEvent.outcome == "failure")
    ).all()
    assert refused_ids <= set(logged)
