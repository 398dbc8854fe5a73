"""The evaluations and anomalies exports of a period, read back with openpyxl: Chinese
headers, real number and date cells, what a user typed that looks like a formula kept as text;
each kind's scope is its listing's; the period narrows the anomalies."""

from __future__ import annotations

from datetime import date, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.anomalies.models import Anomaly, AnomalyKind
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.jobs.runner import run_due
from sunshine.security.models import SecurityEvent
from tests.builders import (
    City,
    add_reported_members,
    add_service_record,
    add_shifts,
    make_city,
    member_id_of,
    token_for,
)
from tests.evaluations.conftest import Grading, grading  # noqa: F401 (the fixture)
from tests.exports.conftest import (
    ask,
    asked,
    exported,
    file_bytes,
    formulas,
    header,
    rows,
    run_exports,
    workbook,
)
from tests.steps import login_as, published_shift

RISKY_COMMENT = '=HYPERLINK("http://example.com","点我")'
RISKY_REASON = "-多次无故缺席"


def _graded(grading: Grading) -> None:  # noqa: F811
    first, second, third = grading.members
    for member_id, grade, body in [
        (first, "poor", {"comment": RISKY_COMMENT, "reason": RISKY_REASON}),
        (second, "good", {"comment": "+积极参加"}),
        (third, "excellent", {}),
    ]:
        response = grading.grade(member_id, grade, **body)
        assert response.status_code == 200, response.json
    other = grading.grade(
        grading.outsider,
        "fair",
        grading.other_secretary,
        community=grading.place.other_community,
    )
    assert other.status_code == 200, other.json


def test_the_evaluations_of_a_period_with_formula_like_text_kept_as_text(
    grading: Grading,  # noqa: F811
) -> None:
    _graded(grading)
    body = asked(grading.client, grading.org_admin, "evaluations", period_id=grading.period)
    run_exports()
    data = file_bytes(grading.client, grading.org_admin, body["id"])
    sheet = workbook(data).active
    assert sheet is not None

    assert sheet.title == "考核评价" and sheet.freeze_panes == "A2"
    assert header(sheet) == [
        "评价编号",
        "党员编号",
        "姓名",
        "工作单位",
        "评价社区",
        "评价等次",
        "评语",
        "不合格原因",
        "评价次数",
        "首次评价时间",
        "最后评价时间",
    ]
    lines = {row["党员编号"].value: row for row in rows(sheet)}
    assert set(lines) == {*grading.members, grading.outsider}
    poor = lines[grading.members[0]]
    assert poor["评价等次"].value == "不合格"
    for column, text in [("评语", RISKY_COMMENT), ("不合格原因", RISKY_REASON)]:
        assert (poor[column].value, poor[column].data_type) == (text, "s"), column
        assert poor[column].quotePrefix, column
    assert lines[grading.members[1]]["评语"].value == "+积极参加"
    assert formulas(data) == []
    assert poor["评价编号"].data_type == "n" and poor["评价次数"].value == 1
    assert poor["最后评价时间"].is_date and isinstance(poor["最后评价时间"].value, datetime)
    assert poor["评价社区"].value == grading.place.community.name
    assert lines[grading.outsider]["评价等次"].value == "基本合格"


def test_the_evaluations_sheet_is_the_listing_s_scope_and_filters(
    grading: Grading,  # noqa: F811
) -> None:
    _graded(grading)
    client = grading.client

    mine = exported(client, grading.secretary, "evaluations", period_id=grading.period)
    street = exported(client, grading.street_admin, "evaluations", period_id=grading.period)
    excellent = exported(
        client, grading.org_admin, "evaluations", period_id=grading.period, grade="excellent"
    )
    other = exported(
        client,
        grading.org_admin,
        "evaluations",
        period_id=grading.period,
        area_id=grading.place.other_community.id,
    )

    assert {r["党员编号"].value for r in rows(mine)} == set(grading.members)
    assert len(rows(street)) == 4
    assert [r["党员编号"].value for r in rows(excellent)] == [grading.members[2]]
    assert [r["党员编号"].value for r in rows(other)] == [grading.outsider]


def test_evaluations_refusals_are_the_listing_s_own(grading: Grading) -> None:  # noqa: F811
    client = grading.client
    elsewhere = make_city("汾阳市")
    _, foreign = login_as(client, grading.fake, Role.ORG_ADMIN, elsewhere.city)

    assert ask(client, foreign, "evaluations", period_id=grading.period).status_code == 403
    assert ask(client, grading.member, "evaluations", period_id=grading.period).status_code == 403
    unknown = ask(client, grading.org_admin, "evaluations", period_id=999_999)
    assert (unknown.status_code, unknown.json["code"]) == (404, "period.not_found")
    no_area = ask(client, grading.org_admin, "evaluations", period_id=grading.period, area_id=9**9)
    assert (no_area.status_code, no_area.json["code"]) == (404, "area.not_found")
    bad = ask(client, grading.org_admin, "evaluations", period_id=grading.period, grade="top")
    assert bad.status_code == 422 and "grade" in bad.json["fields"]["filters"]
    assert ask(client, grading.org_admin, "evaluations").status_code == 422  # no period
    refused = db.session.scalars(
        select(SecurityEvent).where(
            SecurityEvent.action == "export.request", SecurityEvent.outcome == "failure"
        )
    ).all()
    foreign_org, member = refused  # the member is refused before the body is read (@requires)
    assert foreign_org.detail["kind"] == "evaluations"
    assert "evaluation.read" in member.detail["permission"]


# Anomalies --------------------------------------------------------------------------------


class Found:
    """A city with a flagged record of this year and one of last year, both found by the
    records detector; the first sent back to the community, which answered it."""

    def __init__(self, client: FlaskClient, fake: FakeWeChat) -> None:
        self.client, self.fake = client, fake
        self.place: City = make_city()
        _, self.org_admin = login_as(client, fake, Role.ORG_ADMIN, self.place.city)
        _, self.street_admin = login_as(client, fake, Role.STREET_ADMIN, self.place.street)
        _, self.secretary = login_as(client, fake, Role.COMMUNITY_ADMIN, self.place.community)
        _, self.other_secretary = login_as(
            client, fake, Role.COMMUNITY_ADMIN, self.place.other_community
        )
        task_id, _ = published_shift(client, self.secretary, self.place.community)
        (account,) = add_reported_members(self.place, self.place.community, 1)
        self.member = token_for(account)
        member_id = member_id_of(account)
        year = clock.today().year
        self.period = self.make_period(year)
        shifts = add_shifts(task_id, 2)
        this_year = add_service_record(
            member_id, shifts[0], flags=("hand_recorded",), service_date=date(year, 1, 5)
        )
        add_service_record(
            member_id, shifts[1], flags=("walk_in",), service_date=date(year - 1, 12, 30)
        )
        name = "anomalies.scan_records"
        assert run_due(now=utcnow() + timedelta(minutes=10), only=name)[name]["found"] == 2
        (self.anomaly_id,) = [
            a["id"] for a in self.list(self.street_admin) if a["record_id"] == this_year
        ]
        self.post(
            f"/anomalies/{self.anomaly_id}/review",
            self.street_admin,
            outcome="send_back",
            note="=1+1",
        )
        self.post(f"/anomalies/{self.anomaly_id}/answer", self.secretary, note="@已核实")

    def make_period(self, year: int) -> int:
        response = self.client.post(
            f"/api/v1/cities/{self.place.city.id}/periods",
            json={"kind": "year", "starts_on": f"{year}-01-01", "ends_on": f"{year}-12-31"},
            headers=self.org_admin,
        )
        assert response.status_code == 201, response.json
        return int(response.json["id"])

    def list(self, headers: dict[str, str]) -> list[dict]:
        response = self.client.get("/api/v1/anomalies", headers=headers)
        assert response.status_code == 200, response.json
        items: list[dict] = response.json["items"]
        return items

    def post(self, path: str, headers: dict[str, str], **body: object) -> None:
        response = self.client.post(f"/api/v1{path}", json=body, headers=headers)
        assert response.status_code == 200, response.json


@pytest.fixture
def found(client: FlaskClient, fake_wechat: FakeWeChat) -> Found:
    return Found(client, fake_wechat)


def test_the_anomalies_of_a_period_with_their_review(found: Found) -> None:
    body = asked(found.client, found.street_admin, "anomalies", period_id=found.period)
    run_exports()
    data = file_bytes(found.client, found.street_admin, body["id"])
    sheet = workbook(data).active
    assert sheet is not None

    assert sheet.title == "异常复核" and sheet.freeze_panes == "A2"
    assert header(sheet)[:4] == ["异常编号", "类型", "日期", "党员"]
    (row,) = rows(sheet)  # last year's walk-in is not this period's
    assert row["异常编号"].value == found.anomaly_id and row["异常编号"].data_type == "n"
    assert row["类型"].value == "补录考勤" and row["日期"].is_date
    assert (row["状态"].value, row["复核结果"].value) == ("社区已答复", "退回社区")
    for column, text in [("复核意见", "=1+1"), ("社区答复", "@已核实")]:
        assert (row[column].value, row[column].data_type) == (text, "s"), column
        assert row[column].quotePrefix, column
    assert formulas(data) == []
    assert row["复核时间"].is_date and row["社区/街道"].value == found.place.community.name


def test_a_community_exports_only_what_was_sent_back_to_it(found: Found) -> None:
    mine = exported(found.client, found.secretary, "anomalies", period_id=found.period)
    other = exported(found.client, found.other_secretary, "anomalies", period_id=found.period)
    open_only = exported(
        found.client, found.org_admin, "anomalies", period_id=found.period, status="open"
    )

    assert [r["异常编号"].value for r in rows(mine)] == [found.anomaly_id]
    assert rows(other) == [] and rows(open_only) == []


def test_the_listing_s_kind_filter_narrows_the_sheet(found: Found) -> None:
    found_rows = {}
    for kind in ("hand_recorded", "walk_in"):
        response = found.client.post(
            "/api/v1/exports",
            json={"kind": "anomalies", "filters": {"period_id": found.period, "kind": kind}},
            headers=found.org_admin,
        )
        assert response.status_code == 202, response.json
        run_exports()
        sheet = workbook(file_bytes(found.client, found.org_admin, response.json["id"])).active
        assert sheet is not None
        found_rows[kind] = [r["异常编号"].value for r in rows(sheet)]

    # The walk-in was found too, but its day is last year's: not the period's.
    assert found_rows == {"hand_recorded": [found.anomaly_id], "walk_in": []}


def test_an_outlier_belongs_to_the_period_it_was_found_for_not_to_its_day(found: Found) -> None:
    last_year = found.make_period(clock.today().year - 1)
    member_id = db.session.get_one(Anomaly, found.anomaly_id).member_id
    outlier = Anomaly(
        kind=AnomalyKind.OUTLIER,
        subject=f"member:{member_id}/period:{last_year}",
        area_id=found.place.community.id,
        area_path=found.place.community.path,
        member_id=member_id,
        day=clock.today(),  # found this year, about last year
        summary="时长远高于本社区",
        detail={"period_id": last_year},
    )
    db.session.add(outlier)
    db.session.commit()

    this = exported(found.client, found.org_admin, "anomalies", period_id=found.period)
    last = exported(found.client, found.org_admin, "anomalies", period_id=last_year)

    assert [r["异常编号"].value for r in rows(this)] == [found.anomaly_id]
    # Last year's: the walk-in of December 30th, and the outlier found for it this year.
    assert {r["类型"].value for r in rows(last)} == {"现场加入", "时长远高于本社区"}


def test_anomalies_refusals(found: Found) -> None:
    elsewhere = make_city("介休市")
    _, foreign = login_as(found.client, found.fake, Role.ORG_ADMIN, elsewhere.city)
    _, unit_admin = login_as(found.client, found.fake, Role.UNIT_ADMIN, found.place.unit)

    for headers in (foreign, unit_admin, found.member):
        response = ask(found.client, headers, "anomalies", period_id=found.period)
        assert (response.status_code, response.json["code"]) == (403, "auth.forbidden")
    unknown = ask(found.client, found.org_admin, "anomalies", period_id=999_999)
    assert (unknown.status_code, unknown.json["code"]) == (404, "period.not_found")
    bad = ask(found.client, found.org_admin, "anomalies", period_id=found.period, status="x")
    assert bad.status_code == 422
