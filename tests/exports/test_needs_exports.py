"""The needs ledger (心愿诉求台账) and the needs figures (需求办理情况) as sheets, read back with
openpyxl: the needs listing's scope and filters, the contact only where the listing shows it,
real number and date cells, what a resident typed that looks like a formula kept as text; the
figures are ``GET /needs/stats``'s own."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from flask.testing import FlaskClient

from sunshine.access.models import Role
from sunshine.extensions import db
from sunshine.needs.models import Need, NeedKind, NeedRating, NeedStatus
from sunshine.org.models import Area, AreaLevel, WorkUnit
from tests.builders import City, add_area, grant, make_account, make_city, token_for
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

T0 = datetime(2026, 3, 2, 1, 0, tzinfo=UTC)  # a Monday, 09:00 in Shanghai
Headers = dict[str, str]
RISKY_CONTENT = '=HYPERLINK("http://example.com","帮我修灯")'
RISKY_COMMENT = "-非常及时"
RISKY_REASON = "@重复提交"


def admin(role: Role | None, scope: Area | WorkUnit | None = None) -> Headers:
    account = make_account()
    if role is not None:
        grant(account, role, scope)
    return token_for(account.id)


def add_need(community: Area, **fields: Any) -> int:
    """A resident's need submitted at T0, answered two hours later, due to be done in 20 days."""
    values: dict[str, Any] = {
        "community_id": community.id,
        "area_path": community.path,
        "kind": NeedKind.WISH,
        "content": "心愿",
        "created_at": T0,
        "status": NeedStatus.OPEN,
        "resident_id": make_account().id,
        "answer_due_at": T0 + timedelta(days=3),
        "answered_at": T0 + timedelta(hours=2),
        "completion_due_at": T0 + timedelta(days=20),
        **fields,
    }
    need = Need(**values)
    db.session.add(need)
    db.session.commit()
    return need.id


class Needs:
    def __init__(self, place: City) -> None:
        self.place = place
        self.done = add_need(
            place.community,
            content=RISKY_CONTENT,
            resident_contact="李奶奶 13900001111",
            status=NeedStatus.DONE,
            closed_at=T0 + timedelta(days=30),  # late
            rating=NeedRating.SATISFIED,
            rating_comment=RISKY_COMMENT,
            rated_at=T0 + timedelta(days=31),
        )
        self.declined = add_need(
            place.community,
            kind=NeedKind.REQUEST,
            status=NeedStatus.DECLINED,
            decline_reason=RISKY_REASON,
            completion_due_at=None,
            created_at=T0 + timedelta(days=40),
        )
        self.elsewhere = add_need(place.other_community, resident_contact="王大爷 13900002222")


@pytest.fixture
def needs(client: FlaskClient) -> Needs:
    return Needs(make_city())


def test_the_needs_ledger_has_real_cells_and_keeps_formula_like_text_as_text(
    client: FlaskClient, needs: Needs
) -> None:
    secretary = admin(Role.COMMUNITY_ADMIN, needs.place.community)
    body = asked(client, secretary, "needs")
    assert body["status"] == "pending"
    assert run_exports()["exported"] == 1
    data = file_bytes(client, secretary, body["id"])
    sheet = workbook(data).active
    assert sheet is not None and sheet.title == "心愿诉求台账"

    assert header(sheet)[:8] == [
        "编号",
        "社区",
        "网格",
        "类别",
        "内容",
        "居民联系方式",
        "提交时间",
        "状态",
    ]
    lines = {row["编号"].value: row for row in rows(sheet)}
    assert set(lines) == {needs.done, needs.declined}  # not the other community's
    done = lines[needs.done]
    assert done["编号"].data_type == "n"
    assert done["居民联系方式"].value == "李奶奶 13900001111"  # the community's own admin
    assert done["提交时间"].is_date and done["提交时间"].value.isoformat() == "2026-03-02T09:00:00"
    assert done["办结期限"].is_date and done["办结时间"].is_date
    assert (done["状态"].value, done["类别"].value) == ("已办结", "微心愿")
    assert (done["答复超期"].value, done["办结超期"].value) == ("否", "是")
    assert (done["评价"].value, done["评价意见"].value) == ("满意", RISKY_COMMENT)
    declined = lines[needs.declined]
    assert (declined["状态"].value, declined["类别"].value) == ("不予受理", "诉求")
    assert declined["不予受理原因"].value == RISKY_REASON
    assert declined["办结期限"].value is None and declined["办结超期"].value == "否"
    for cell in (done["内容"], done["评价意见"], declined["不予受理原因"]):
        assert cell.data_type == "s" and cell.quotePrefix, cell.value
    assert done["内容"].value == RISKY_CONTENT
    assert formulas(data) == []


def test_the_needs_ledger_is_the_listing_s_scope_and_contact_rule(
    client: FlaskClient, needs: Needs
) -> None:
    place = needs.place
    street = exported(client, admin(Role.STREET_ADMIN, place.street), "needs")
    neighbour = exported(client, admin(Role.COMMUNITY_ADMIN, place.other_community), "needs")
    elsewhere = make_city("汾阳市")
    foreign = exported(client, admin(Role.ORG_ADMIN, elsewhere.city), "needs")
    foreign_filtered = exported(
        client, admin(Role.ORG_ADMIN, elsewhere.city), "needs", area_id=place.community.id
    )

    assert {r["编号"].value for r in rows(street)} == {needs.done, needs.declined, needs.elsewhere}
    # The street admin reads the needs but not the residents' contacts, as on the listing.
    assert all(r["居民联系方式"].value is None for r in rows(street))
    seen = {r["编号"].value: r["居民联系方式"].value for r in rows(neighbour)}
    assert seen == {needs.elsewhere: "王大爷 13900002222"}
    assert rows(foreign) == [] and rows(foreign_filtered) == []


def test_the_needs_ledger_takes_the_listing_s_filters_and_a_date_range(
    client: FlaskClient, needs: Needs
) -> None:
    place = needs.place
    street = admin(Role.STREET_ADMIN, place.street)

    def ids(**filters: Any) -> set[int]:
        return {r["编号"].value for r in rows(exported(client, street, "needs", **filters))}

    assert ids(status="declined") == {needs.declined}
    assert ids(kind="request") == {needs.declined}
    # Done late, and still open past its due day (the clock is past 2026-03-22).
    assert ids(overdue=True) == {needs.done, needs.elsewhere}
    assert ids(overdue=False) == {needs.declined}
    assert ids(area_id=place.other_community.id) == {needs.elsewhere}
    assert ids(**{"from": "2026-04-01", "to": "2026-04-30"}) == {needs.declined}
    assert ids(**{"from": "2026-03-02", "to": "2026-03-02"}) == {needs.done, needs.elsewhere}


def test_needs_ledger_refusals_and_bad_input(client: FlaskClient, needs: Needs) -> None:
    street = admin(Role.STREET_ADMIN, needs.place.street)

    backwards = ask(client, street, "needs", **{"from": "2026-05-01", "to": "2026-04-01"})
    not_a_day = ask(client, street, "needs", **{"from": "2026-02-30"})
    bad_status = ask(client, street, "needs", status="lost")
    unknown = ask(client, street, "needs", area_id=999_999)
    stranger = ask(client, admin(None), "needs")
    unit_admin = ask(client, admin(Role.UNIT_ADMIN, needs.place.unit), "needs")

    assert backwards.status_code == 422 and "to" in backwards.json["fields"]["filters"]
    assert not_a_day.status_code == 422 and "from" in not_a_day.json["fields"]["filters"]
    assert bad_status.status_code == 422 and "status" in bad_status.json["fields"]["filters"]
    assert (unknown.status_code, unknown.json["code"]) == (404, "area.not_found")
    assert (stranger.status_code, stranger.json["code"]) == (403, "auth.forbidden")
    assert (unit_admin.status_code, unit_admin.json["code"]) == (403, "auth.forbidden")


# The figures -------------------------------------------------------------------------------


def test_the_figures_sheet_is_get_needs_stats_one_row_per_child_and_the_total(
    client: FlaskClient, needs: Needs
) -> None:
    place = needs.place
    other_street = add_area(place.city, AreaLevel.STREET, "=城北街道")
    add_need(add_area(other_street, AreaLevel.COMMUNITY), rating=NeedRating.DISSATISFIED)
    org = admin(Role.ORG_ADMIN, place.city)
    period = {"from": "2026-01-01", "to": "2026-12-31"}

    body = asked(client, org, "needs_stats", area_id=place.city.id, **period)
    assert body["status"] == "done"  # written at once
    data = file_bytes(client, org, body["id"])
    sheet = workbook(data).active
    assert sheet is not None and sheet.title == "需求办理情况"
    figures = client.get(
        "/api/v1/needs/stats", query_string={"area_id": place.city.id, **period}, headers=org
    ).json

    lines = rows(sheet)
    expected = [*figures["children"], figures]
    assert [r["区域"].value for r in lines] == [
        *(c["area"]["name"] for c in figures["children"]),
        f"{place.city.name}（合计）",
    ]
    for line, shown in zip(lines, expected, strict=True):
        assert line["提交"].value == shown["submitted"]
        assert line["已办结"].value == shown["done"]
        assert line["按期办结"].value == shown["on_time"]
        assert line["不满意"].value == shown["dissatisfied"]
        assert line["满意率"].value == shown["satisfaction_rate"]
        assert line["办结率"].value == shown["completion_rate"]
        assert line["响应时长中位数（小时）"].value == shown["response_hours_median"]
    total = lines[-1]
    assert total["提交"].value == 4 and total["提交"].data_type == "n"
    assert total["满意率"].value == 0.5 and total["满意率"].number_format == "0.0%"
    assert total["响应时长中位数（小时）"].value == 2.0
    assert lines[0]["办结率"].value == 0.5  # the first street: 1 done of 2 accepted
    risky = next(r for r in lines if r["区域"].value == "=城北街道")
    assert risky["区域"].data_type == "s" and risky["区域"].quotePrefix
    assert formulas(data) == []


def test_the_figures_sheet_refuses_as_get_needs_stats_does(
    client: FlaskClient, needs: Needs
) -> None:
    place = needs.place
    neighbour = admin(Role.COMMUNITY_ADMIN, place.other_community)
    org = admin(Role.ORG_ADMIN, place.city)
    grid = add_area(place.community, AreaLevel.GRID)

    other_scope = ask(client, neighbour, "needs_stats", area_id=place.community.id)
    foreign = ask(
        client,
        admin(Role.ORG_ADMIN, make_city("汾阳市").city),
        "needs_stats",
        area_id=place.city.id,
    )
    unknown = ask(client, org, "needs_stats", area_id=999_999)
    a_grid = ask(client, org, "needs_stats", area_id=grid.id)
    backwards = ask(
        client,
        org,
        "needs_stats",
        area_id=place.city.id,
        **{"from": "2026-05-01", "to": "2026-01-01"},
    )
    too_long = ask(
        client,
        org,
        "needs_stats",
        area_id=place.city.id,
        **{"from": "2020-01-01", "to": "2026-01-01"},
    )
    no_area = ask(client, org, "needs_stats")
    grid_role = ask(client, admin(Role.GRID_WORKER, grid), "needs_stats", area_id=grid.id)

    assert (other_scope.status_code, other_scope.json["code"]) == (403, "auth.forbidden")
    assert (foreign.status_code, foreign.json["code"]) == (403, "auth.forbidden")
    assert (unknown.status_code, unknown.json["code"]) == (404, "area.not_found")
    assert (a_grid.status_code, a_grid.json["code"]) == (422, "area.wrong_level")
    assert backwards.status_code == 422 and "to" in backwards.json["fields"]["filters"]
    assert (too_long.status_code, too_long.json["code"]) == (422, "need.bad_period")
    assert no_area.status_code == 422 and "area_id" in no_area.json["fields"]["filters"]
    assert (grid_role.status_code, grid_role.json["code"]) == (403, "auth.forbidden")
