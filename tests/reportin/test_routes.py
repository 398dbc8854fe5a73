"""Report-in (报到): requests, decisions, transfers, withdrawals, placement and who may do what."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from sunshine.access.models import Role
from sunshine.consent import service as consent
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.members.models import Member
from sunshine.org.models import Area, AreaLevel, WorkUnit
from sunshine.reportin.models import EndKind, ReportIn, ReportInStatus
from tests.builders import City, add_area, add_member, auth, make_city, publish_notice
from tests.steps import login, login_as, ready_to_register

Headers = dict[str, str]


def _member(
    client: FlaskClient,
    fake: FakeWeChat,
    place: City,
    *,
    phone: str = "13800000001",
    name: str = "张三",
    verified: bool = True,
) -> Headers:
    """A registered member of place.unit living in place.community, logged in."""
    notice = consent.current_notice()
    add_member(
        name=name,
        phone=phone,
        unit=place.unit,
        residence=place.community,
        verified=verified,
        notice_version=notice.version if notice else publish_notice(),
    )
    return auth(login(client, fake, f"o-{phone}"))


def _ask(client: FlaskClient, headers: Headers, community: Area) -> Any:
    return client.post(
        "/api/v1/me/report-ins", json={"community_id": community.id}, headers=headers
    )


def _asked(client: FlaskClient, headers: Headers, community: Area) -> int:
    response = _ask(client, headers, community)
    assert response.status_code == 201, response.json
    report_in_id: int = response.json["id"]
    return report_in_id


def _approved(client: FlaskClient, member: Headers, secretary: Headers, community: Area) -> int:
    report_in_id = _asked(client, member, community)
    approved = client.post(f"/api/v1/report-ins/{report_in_id}/approve", json={}, headers=secretary)
    assert approved.status_code == 200, approved.json
    return report_in_id


def _row(report_in_id: int) -> ReportIn:
    db.session.expire_all()
    row = db.session.get(ReportIn, report_in_id)
    assert row is not None
    return row


def _snapshot(report_in_id: int) -> tuple[Any, ...]:
    """Everything a decision could change."""
    row = _row(report_in_id)
    return (
        row.status,
        row.decided_by_id,
        row.decision_reason,
        row.ended_at,
        row.end_kind,
        row.grid_id,
        [t.id for t in row.teams],
    )


def _report_ins() -> list[tuple[int, ReportInStatus]]:
    db.session.expire_all()
    return [
        (r.community_id, r.status)
        for r in db.session.scalars(select(ReportIn).order_by(ReportIn.id))
    ]


def _area_path(phone: str = "13800000001") -> str:
    db.session.expire_all()
    path = db.session.scalar(
        select(Member.area_path).join(Member.account).where(Member.account.has(phone=phone))
    )
    assert path is not None
    return path


# Asking --------------------------------------------------------------------------------------


def test_report_in_request_is_pending_and_moves_the_member_to_that_community(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place)

    asked = _ask(client, member, place.other_community)

    assert asked.status_code == 201
    assert asked.json["status"] == "pending"
    assert asked.json["community"]["id"] == place.other_community.id
    assert asked.json["transfer_from_id"] is None
    assert _report_ins() == [(place.other_community.id, ReportInStatus.PENDING)]
    assert _area_path() == place.other_community.path


def test_report_in_by_a_member_not_yet_verified_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place, verified=False)

    refused = _ask(client, member, place.community)

    assert refused.status_code == 403 and refused.json["code"] == "member.not_verified"
    assert _report_ins() == []


def test_report_in_before_registering_is_404(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    version = publish_notice()
    headers = ready_to_register(client, fake_wechat, phone="13800000001", notice_version=version)

    refused = _ask(client, headers, place.community)

    assert refused.status_code == 404 and refused.json["code"] == "member.not_registered"


BAD_COMMUNITIES: list[tuple[str, Callable[[City], Any], int, str]] = [
    ("unknown", lambda p: 2_000_000_000, 404, "area.not_found"),
    ("street", lambda p: p.street.id, 422, "area.wrong_level"),
    ("city", lambda p: p.city.id, 422, "area.wrong_level"),
    ("grid", lambda p: add_area(p.community, AreaLevel.GRID).id, 422, "area.wrong_level"),
    ("not_a_number", lambda p: "府前社区", 422, "request.invalid"),
    ("zero", lambda p: 0, 422, "request.invalid"),
]


@pytest.mark.parametrize(
    ("community", "status", "code"),
    [case[1:] for case in BAD_COMMUNITIES],
    ids=[case[0] for case in BAD_COMMUNITIES],
)
def test_report_in_to_something_that_is_not_a_community_is_refused_and_writes_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    community: Callable[[City], Any],
    status: int,
    code: str,
) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place)

    refused = client.post(
        "/api/v1/me/report-ins", json={"community_id": community(place)}, headers=member
    )

    assert refused.status_code == status and refused.json["code"] == code
    if status == 422:
        assert "community_id" in refused.json["fields"]
    assert _report_ins() == []
    assert _area_path() == place.community.path


@pytest.mark.parametrize("second", ["same", "other"])
def test_report_in_while_one_is_pending_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat, second: str
) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place)
    _asked(client, member, place.community)

    refused = _ask(client, member, place.community if second == "same" else place.other_community)

    assert refused.status_code == 409 and refused.json["code"] == "report_in.pending_exists"
    assert _report_ins() == [(place.community.id, ReportInStatus.PENDING)]


def test_report_in_where_already_active_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = _member(client, fake_wechat, place)
    _approved(client, member, secretary, place.community)

    refused = _ask(client, member, place.community)

    assert refused.status_code == 409 and refused.json["code"] == "report_in.already_active"
    assert _report_ins() == [(place.community.id, ReportInStatus.ACTIVE)]


# Deciding ------------------------------------------------------------------------------------


def test_approve_by_the_community_admin_makes_the_report_in_active(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    secretary_account, secretary = login_as(
        client, fake_wechat, Role.COMMUNITY_ADMIN, place.community
    )
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.community)

    approved = client.post(
        f"/api/v1/report-ins/{report_in_id}/approve", json={"reason": "欢迎"}, headers=secretary
    )

    assert approved.status_code == 200
    assert approved.json["status"] == "active" and approved.json["decided_at"]
    assert approved.json["member"]["phone"] == "13800000001"
    row = _row(report_in_id)
    assert row.status == ReportInStatus.ACTIVE
    assert row.decided_by_id == secretary_account.id and row.decision_reason == "欢迎"
    mine = client.get("/api/v1/me/report-ins", headers=member).json["items"]
    assert [r["status"] for r in mine] == ["active"]


def test_approve_of_a_member_sent_back_to_review_since_asking_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.community)
    assert (
        client.patch("/api/v1/me/member", json={"name": "张小三"}, headers=member).json["status"]
        == "pending"
    )

    refused = client.post(f"/api/v1/report-ins/{report_in_id}/approve", json={}, headers=secretary)

    assert refused.status_code == 409 and refused.json["code"] == "report_in.member_not_verified"
    assert _row(report_in_id).status == ReportInStatus.PENDING


@pytest.mark.parametrize("payload", [{}, {"reason": ""}], ids=["missing", "empty"])
def test_reject_without_a_reason_is_422_and_leaves_it_pending(
    client: FlaskClient, fake_wechat: FakeWeChat, payload: dict[str, str]
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.community)

    refused = client.post(
        f"/api/v1/report-ins/{report_in_id}/reject", json=payload, headers=secretary
    )

    assert refused.status_code == 422 and "reason" in refused.json["fields"]
    assert _row(report_in_id).status == ReportInStatus.PENDING


def test_reject_with_a_reason_closes_the_request_and_the_member_may_ask_again(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.other_community)

    rejected = client.post(
        f"/api/v1/report-ins/{report_in_id}/reject",
        json={"reason": "不在本社区居住"},
        headers=secretary,
    )

    assert rejected.status_code == 200 and rejected.json["status"] == "rejected"
    row = _row(report_in_id)
    assert row.status == ReportInStatus.REJECTED and row.decision_reason == "不在本社区居住"
    assert _area_path() == place.community.path  # back at home
    assert _ask(client, member, place.community).status_code == 201


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_deciding_a_request_that_is_no_longer_pending_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat, action: str
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = _member(client, fake_wechat, place)
    report_in_id = _approved(client, member, secretary, place.community)

    refused = client.post(
        f"/api/v1/report-ins/{report_in_id}/{action}", json={"reason": "再次"}, headers=secretary
    )

    assert refused.status_code == 409 and refused.json["code"] == "report_in.not_pending"
    assert _row(report_in_id).status == ReportInStatus.ACTIVE


def test_deciding_an_unknown_report_in_is_404(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)

    refused = client.post("/api/v1/report-ins/2000000000/approve", json={}, headers=secretary)

    assert refused.status_code == 404 and refused.json["code"] == "report_in.not_found"


Scope = Callable[[City], Area | WorkUnit | None]

OUTSIDERS: list[tuple[str, Role | None, Scope]] = [
    ("other_community_admin", Role.COMMUNITY_ADMIN, lambda p: p.other_community),
    ("street_admin", Role.STREET_ADMIN, lambda p: p.street),
    ("org_admin", Role.ORG_ADMIN, lambda p: p.city),
]
# Roles that hold no report-in decision anywhere: refused before the scope is looked at.
NON_DECIDERS: list[tuple[str, Role | None, Scope]] = [
    ("unit_admin", Role.UNIT_ADMIN, lambda p: p.unit),
    ("sys_admin", Role.SYS_ADMIN, lambda p: None),
    ("plain_account", None, lambda p: None),
]

# action, HTTP method, request body, the state it acts on
ACTIONS: list[tuple[str, str, dict[str, Any], ReportInStatus]] = [
    ("approve", "post", {}, ReportInStatus.PENDING),
    ("reject", "post", {"reason": "不认识"}, ReportInStatus.PENDING),
    ("end", "post", {"reason": "已搬走"}, ReportInStatus.ACTIVE),
    ("placement", "put", {"grid_id": None, "team_ids": []}, ReportInStatus.ACTIVE),
]


DECISION_MATRIX = [
    pytest.param(*action, *who[1:], id=f"{action[0]}-{who[0]}")
    for action in ACTIONS
    for who in OUTSIDERS + (NON_DECIDERS if action[0] == "approve" else [])
]


@pytest.mark.parametrize(("action", "method", "body", "state", "role", "scope"), DECISION_MATRIX)
def test_deciding_by_anyone_but_the_communitys_admin_is_refused_and_changes_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    role: Role | None,
    scope: Scope,
    action: str,
    method: str,
    body: dict[str, Any],
    state: ReportInStatus,
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, outsider = login_as(client, fake_wechat, role, scope(place))
    member = _member(client, fake_wechat, place)
    if state == ReportInStatus.ACTIVE:
        report_in_id = _approved(client, member, secretary, place.community)
    else:
        report_in_id = _asked(client, member, place.community)

    before = _snapshot(report_in_id)

    refused = client.open(
        f"/api/v1/report-ins/{report_in_id}/{action}", method=method, json=body, headers=outsider
    )

    # Another community's admin is told the report-in does not exist (as for an unknown id);
    # street and org admins do not decide report-ins anywhere: 403, before the body is read.
    expected = (
        (404, "report_in.not_found") if role == Role.COMMUNITY_ADMIN else (403, "auth.forbidden")
    )
    assert (refused.status_code, refused.json["code"]) == expected
    assert _snapshot(report_in_id) == before
    assert before[0] == state


def test_deciding_ones_own_report_in_as_a_member_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.community)

    refused = client.post(f"/api/v1/report-ins/{report_in_id}/approve", json={}, headers=member)

    assert refused.status_code == 403
    assert _row(report_in_id).status == ReportInStatus.PENDING


# Withdrawing and ending ----------------------------------------------------------------------


def test_withdraw_a_pending_request_cancels_it_with_the_reason(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.other_community)

    withdrawn = client.post(
        f"/api/v1/me/report-ins/{report_in_id}/withdraw", json={"reason": "选错了"}, headers=member
    )

    assert withdrawn.status_code == 200 and withdrawn.json["status"] == "cancelled"
    row = _row(report_in_id)
    assert (row.status, row.end_kind, row.end_reason) == (
        ReportInStatus.CANCELLED,
        EndKind.MEMBER_WITHDREW,
        "选错了",
    )
    assert _area_path() == place.community.path


def test_withdraw_an_active_report_in_ends_it_with_the_reason(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = _member(client, fake_wechat, place)
    report_in_id = _approved(client, member, secretary, place.community)

    withdrawn = client.post(
        f"/api/v1/me/report-ins/{report_in_id}/withdraw",
        json={"reason": "工作调动"},
        headers=member,
    )

    assert withdrawn.status_code == 200
    assert withdrawn.json["status"] == "ended" and withdrawn.json["end_kind"] == "member_withdrew"
    row = _row(report_in_id)
    assert row.status == ReportInStatus.ENDED and row.end_reason == "工作调动"
    assert row.ended_at is not None


@pytest.mark.parametrize("payload", [{}, {"reason": ""}, {"reason": "长" * 201}])
def test_withdraw_without_a_proper_reason_is_422(
    client: FlaskClient, fake_wechat: FakeWeChat, payload: dict[str, str]
) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.community)

    refused = client.post(
        f"/api/v1/me/report-ins/{report_in_id}/withdraw", json=payload, headers=member
    )

    assert refused.status_code == 422 and "reason" in refused.json["fields"]
    assert _row(report_in_id).status == ReportInStatus.PENDING


def test_withdraw_another_members_report_in_is_404(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place)
    other = _member(client, fake_wechat, place, phone="13800000002", name="李四")
    report_in_id = _asked(client, member, place.community)

    refused = client.post(
        f"/api/v1/me/report-ins/{report_in_id}/withdraw", json={"reason": "捣乱"}, headers=other
    )

    assert refused.status_code == 404 and refused.json["code"] == "report_in.not_found"
    assert _row(report_in_id).status == ReportInStatus.PENDING


def test_withdraw_a_closed_report_in_is_409(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.community)
    url = f"/api/v1/me/report-ins/{report_in_id}/withdraw"
    client.post(url, json={"reason": "选错了"}, headers=member)

    refused = client.post(url, json={"reason": "再撤一次"}, headers=member)

    assert refused.status_code == 409 and refused.json["code"] == "report_in.closed"


def test_end_by_the_community_admin_with_a_reason(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    secretary_account, secretary = login_as(
        client, fake_wechat, Role.COMMUNITY_ADMIN, place.community
    )
    member = _member(client, fake_wechat, place)
    report_in_id = _approved(client, member, secretary, place.community)

    ended = client.post(
        f"/api/v1/report-ins/{report_in_id}/end", json={"reason": "已搬离本社区"}, headers=secretary
    )

    assert ended.status_code == 200 and ended.json["end_kind"] == "admin_ended"
    row = _row(report_in_id)
    assert (row.status, row.end_kind, row.end_reason, row.ended_by_id) == (
        ReportInStatus.ENDED,
        EndKind.ADMIN_ENDED,
        "已搬离本社区",
        secretary_account.id,
    )
    assert _ask(client, member, place.community).status_code == 201


def test_end_without_a_reason_is_422(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = _member(client, fake_wechat, place)
    report_in_id = _approved(client, member, secretary, place.community)

    refused = client.post(f"/api/v1/report-ins/{report_in_id}/end", json={}, headers=secretary)

    assert refused.status_code == 422
    assert _row(report_in_id).status == ReportInStatus.ACTIVE


def test_end_of_a_pending_request_is_409(client: FlaskClient, fake_wechat: FakeWeChat) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.community)

    refused = client.post(
        f"/api/v1/report-ins/{report_in_id}/end", json={"reason": "结束"}, headers=secretary
    )

    assert refused.status_code == 409 and refused.json["code"] == "report_in.not_active"


# Transfers and history -----------------------------------------------------------------------


def test_transfer_rejected_by_the_new_community_keeps_the_old_report_in_active(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, old_secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, new_secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    member = _member(client, fake_wechat, place)
    first = _approved(client, member, old_secretary, place.community)
    moved = _ask(client, member, place.other_community)
    assert moved.status_code == 201 and moved.json["transfer_from_id"] == first

    rejected = client.post(
        f"/api/v1/report-ins/{moved.json['id']}/reject",
        json={"reason": "未在本社区居住"},
        headers=new_secretary,
    )

    assert rejected.status_code == 200
    assert _report_ins() == [
        (place.community.id, ReportInStatus.ACTIVE),
        (place.other_community.id, ReportInStatus.REJECTED),
    ]
    assert _area_path() == place.community.path


def test_transfer_approved_by_the_new_community_ends_the_old_one(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, old_secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    new_account, new_secretary = login_as(
        client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community
    )
    member = _member(client, fake_wechat, place)
    first = _approved(client, member, old_secretary, place.community)

    second = _approved(client, member, new_secretary, place.other_community)

    old = _row(first)
    assert (old.status, old.end_kind, old.ended_by_id) == (
        ReportInStatus.ENDED,
        EndKind.TRANSFER,
        new_account.id,
    )
    assert _row(second).status == ReportInStatus.ACTIVE
    assert _area_path() == place.other_community.path
    active = db.session.scalar(
        select(func.count()).select_from(ReportIn).where(ReportIn.status == ReportInStatus.ACTIVE)
    )
    assert active == 1


def test_history_keeps_every_report_in_newest_first(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, here = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    _, there = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.other_community)
    member = _member(client, fake_wechat, place)
    cancelled = _asked(client, member, place.other_community)
    client.post(
        f"/api/v1/me/report-ins/{cancelled}/withdraw", json={"reason": "选错了"}, headers=member
    )
    rejected = _asked(client, member, place.community)
    client.post(f"/api/v1/report-ins/{rejected}/reject", json={"reason": "材料不全"}, headers=here)
    transferred = _approved(client, member, here, place.community)
    withdrawn = _approved(client, member, there, place.other_community)
    client.post(
        f"/api/v1/me/report-ins/{withdrawn}/withdraw", json={"reason": "搬家"}, headers=member
    )

    history = client.get("/api/v1/me/report-ins", headers=member).json["items"]

    assert [(r["id"], r["status"], r["end_kind"]) for r in history] == [
        (withdrawn, "ended", "member_withdrew"),
        (transferred, "ended", "transfer"),
        (rejected, "rejected", None),
        (cancelled, "cancelled", "member_withdrew"),
    ]
    assert history[0]["transfer_from_id"] == transferred
    assert history[2]["decision_reason"] == "材料不全"
    assert _report_ins() == [
        (place.other_community.id, ReportInStatus.CANCELLED),
        (place.community.id, ReportInStatus.REJECTED),
        (place.community.id, ReportInStatus.ENDED),
        (place.other_community.id, ReportInStatus.ENDED),
    ]
    assert _area_path() == place.community.path  # no open report-in: home again


# Listings ------------------------------------------------------------------------------------


@pytest.fixture
def two_requests(client: FlaskClient, fake_wechat: FakeWeChat) -> tuple[City, City, dict[str, int]]:
    """Pending requests to place.community and place.other_community, and one in another city."""
    place, elsewhere = make_city(), make_city("汾阳市")
    ids = {
        "张一": _asked(
            client,
            _member(client, fake_wechat, place, phone="13800000001", name="张一"),
            place.community,
        ),
        "张二": _asked(
            client,
            _member(client, fake_wechat, place, phone="13800000002", name="张二"),
            place.other_community,
        ),
        "张四": _asked(
            client,
            _member(client, fake_wechat, elsewhere, phone="13800000004", name="张四"),
            elsewhere.community,
        ),
    }
    return place, elsewhere, ids


LISTERS: list[tuple[str, Role, Callable[[City, City], Area], list[str], bool]] = [
    ("community_admin", Role.COMMUNITY_ADMIN, lambda p, e: p.community, ["张一"], True),
    (
        "other_community_admin",
        Role.COMMUNITY_ADMIN,
        lambda p, e: p.other_community,
        ["张二"],
        True,
    ),
    ("street_admin", Role.STREET_ADMIN, lambda p, e: p.street, ["张一", "张二"], False),
    ("org_admin", Role.ORG_ADMIN, lambda p, e: p.city, ["张一", "张二"], False),
    ("other_city_org_admin", Role.ORG_ADMIN, lambda p, e: e.city, ["张四"], False),
    ("other_city_street_admin", Role.STREET_ADMIN, lambda p, e: e.street, ["张四"], False),
]


@pytest.mark.parametrize(
    ("role", "scope", "names", "full_phones"),
    [case[1:] for case in LISTERS],
    ids=[case[0] for case in LISTERS],
)
def test_report_ins_are_listed_within_the_admins_scope(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    two_requests: tuple[City, City, dict[str, int]],
    role: Role,
    scope: Callable[[City, City], Area],
    names: list[str],
    full_phones: bool,
) -> None:
    place, elsewhere, _ = two_requests
    _, admin = login_as(client, fake_wechat, role, scope(place, elsewhere))

    listed = client.get("/api/v1/report-ins", headers=admin)

    assert listed.status_code == 200
    items = listed.json["items"]
    assert sorted(r["member"]["name"] for r in items) == names
    phones = [r["member"]["phone"] for r in items]
    if full_phones:
        assert all("*" not in p for p in phones)
    else:
        assert all(p.startswith("138****") for p in phones)


@pytest.mark.parametrize(
    ("role", "scope"),
    [(Role.UNIT_ADMIN, lambda p: p.unit), (Role.SYS_ADMIN, lambda p: None), (None, lambda p: None)],
    ids=["unit_admin", "sys_admin", "plain_account"],
)
def test_report_ins_listing_by_a_role_without_it_is_403(
    client: FlaskClient, fake_wechat: FakeWeChat, role: Role | None, scope: Scope
) -> None:
    place = make_city()
    _, headers = login_as(client, fake_wechat, role, scope(place))

    refused = client.get("/api/v1/report-ins", headers=headers)

    assert refused.status_code == 403 and refused.json["code"] == "auth.forbidden"


def test_report_ins_as_street_admin_are_visible_but_not_decidable(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    two_requests: tuple[City, City, dict[str, int]],
) -> None:
    place, _, ids = two_requests
    _, street_admin = login_as(client, fake_wechat, Role.STREET_ADMIN, place.street)

    shown = client.get(f"/api/v1/report-ins/{ids['张一']}", headers=street_admin)
    refused = client.post(
        f"/api/v1/report-ins/{ids['张一']}/approve", json={}, headers=street_admin
    )

    assert shown.status_code == 200 and shown.json["member"]["phone"] == "138****0001"
    assert refused.status_code == 403
    assert _row(ids["张一"]).status == ReportInStatus.PENDING


def test_report_in_detail_of_another_community_is_404_as_if_unknown(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    two_requests: tuple[City, City, dict[str, int]],
) -> None:
    place, _, ids = two_requests
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)

    assert client.get(f"/api/v1/report-ins/{ids['张一']}", headers=secretary).status_code == 200
    assert client.get(f"/api/v1/report-ins/{ids['张二']}", headers=secretary).status_code == 404


def test_report_ins_as_org_admin_filter_by_community_and_status(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    two_requests: tuple[City, City, dict[str, int]],
) -> None:
    place, _, ids = two_requests
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    client.post(f"/api/v1/report-ins/{ids['张一']}/approve", json={}, headers=secretary)

    def names(**query: Any) -> list[str]:
        listed = client.get("/api/v1/report-ins", query_string=query, headers=org_admin)
        assert listed.status_code == 200
        return sorted(r["member"]["name"] for r in listed.json["items"])

    assert names(status="active") == ["张一"]
    assert names(status="pending") == ["张二"]
    assert names(area_id=place.other_community.id) == ["张二"]
    assert names(area_id=place.street.id, status="active") == ["张一"]


def test_report_ins_cursor_pages_walk_everything_once(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    two_requests: tuple[City, City, dict[str, int]],
) -> None:
    place, _, ids = two_requests
    _, org_admin = login_as(client, fake_wechat, Role.ORG_ADMIN, place.city)

    first = client.get("/api/v1/report-ins?limit=1", headers=org_admin).json
    second = client.get(
        f"/api/v1/report-ins?limit=1&cursor={first['next_cursor']}", headers=org_admin
    ).json

    assert [r["id"] for r in first["items"] + second["items"]] == [ids["张二"], ids["张一"]]
    assert second["next_cursor"] is None


# Placement -----------------------------------------------------------------------------------


def _team(client: FlaskClient, secretary: Headers, community: Area, name: str) -> int:
    made = client.post(
        f"/api/v1/communities/{community.id}/teams", json={"name": name}, headers=secretary
    )
    assert made.status_code == 201, made.json
    team_id: int = made.json["id"]
    return team_id


def test_placement_puts_an_active_member_in_a_grid_and_teams_of_the_community(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    grid = add_area(place.community, AreaLevel.GRID, "第一网格")
    teams = [_team(client, secretary, place.community, n) for n in ("文明劝导队", "法律服务队")]
    member = _member(client, fake_wechat, place)
    report_in_id = _approved(client, member, secretary, place.community)

    placed = client.put(
        f"/api/v1/report-ins/{report_in_id}/placement",
        json={"grid_id": grid.id, "team_ids": teams},
        headers=secretary,
    )

    assert placed.status_code == 200
    assert placed.json["grid"]["id"] == grid.id
    assert sorted(t["id"] for t in placed.json["teams"]) == sorted(teams)
    row = _row(report_in_id)
    assert row.grid_id == grid.id and sorted(t.id for t in row.teams) == sorted(teams)
    mine = client.get("/api/v1/me/report-ins", headers=member).json["items"][0]
    assert mine["grid"]["name"] == "第一网格"

    cleared = client.put(
        f"/api/v1/report-ins/{report_in_id}/placement",
        json={"grid_id": None, "team_ids": []},
        headers=secretary,
    )
    assert cleared.status_code == 200 and cleared.json["grid"] is None
    assert _row(report_in_id).teams == []


Placement = Callable[[FlaskClient, FakeWeChat, City, Headers], dict[str, Any]]


def _other_grid(client: FlaskClient, fake: FakeWeChat, p: City, own: Headers) -> dict[str, Any]:
    return {"grid_id": add_area(p.other_community, AreaLevel.GRID).id}


def _other_team(client: FlaskClient, fake: FakeWeChat, p: City, own: Headers) -> dict[str, Any]:
    _, other = login_as(client, fake, Role.COMMUNITY_ADMIN, p.other_community)
    return {"team_ids": [_team(client, other, p.other_community, "外社区服务队")]}


def _own_and_other_team(
    client: FlaskClient, fake: FakeWeChat, p: City, own: Headers
) -> dict[str, Any]:
    mine = _team(client, own, p.community, "本社区服务队")
    return {"team_ids": [mine, *_other_team(client, fake, p, own)["team_ids"]]}


BAD_PLACEMENTS: list[tuple[str, Placement, int, str]] = [
    ("grid_of_another_community", _other_grid, 422, "grid.not_in_community"),
    ("team_of_another_community", _other_team, 422, "team.not_in_community"),
    ("own_and_foreign_team", _own_and_other_team, 422, "team.not_in_community"),
    (
        "unknown_team",
        lambda c, f, p, s: {"team_ids": [2_000_000_000]},
        422,
        "team.not_in_community",
    ),
    (
        "grid_is_a_community",
        lambda c, f, p, s: {"grid_id": p.community.id},
        422,
        "area.wrong_level",
    ),
    ("unknown_grid", lambda c, f, p, s: {"grid_id": 2_000_000_000}, 404, "area.not_found"),
]


@pytest.mark.parametrize(
    ("bad", "status", "code"),
    [case[1:] for case in BAD_PLACEMENTS],
    ids=[case[0] for case in BAD_PLACEMENTS],
)
def test_placement_outside_the_community_is_refused_and_changes_nothing(
    client: FlaskClient,
    fake_wechat: FakeWeChat,
    bad: Placement,
    status: int,
    code: str,
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    grid = add_area(place.community, AreaLevel.GRID)
    member = _member(client, fake_wechat, place)
    report_in_id = _approved(client, member, secretary, place.community)
    url = f"/api/v1/report-ins/{report_in_id}/placement"
    client.put(url, json={"grid_id": grid.id}, headers=secretary)

    refused = client.put(url, json=bad(client, fake_wechat, place, secretary), headers=secretary)

    assert refused.status_code == status and refused.json["code"] == code
    row = _row(report_in_id)
    assert row.grid_id == grid.id and row.teams == []


def test_placement_of_a_pending_request_is_409(
    client: FlaskClient, fake_wechat: FakeWeChat
) -> None:
    place = make_city()
    _, secretary = login_as(client, fake_wechat, Role.COMMUNITY_ADMIN, place.community)
    grid = add_area(place.community, AreaLevel.GRID)
    member = _member(client, fake_wechat, place)
    report_in_id = _asked(client, member, place.community)

    refused = client.put(
        f"/api/v1/report-ins/{report_in_id}/placement",
        json={"grid_id": grid.id},
        headers=secretary,
    )

    assert refused.status_code == 409 and refused.json["code"] == "report_in.not_active"
    assert _row(report_in_id).grid_id is None
