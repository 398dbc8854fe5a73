"""At most one open report-in per member, also when two requests race on separate connections.

These requests commit for real on the module's throw-away database (``race_app``), each from
its own thread and connection; whichever reaches its INSERT first holds its transaction open
until the other is stuck behind it (``race``), so the other runs its checks while the first
is still uncommitted.
"""

from __future__ import annotations

import secrets

import pytest
from flask import Flask
from sqlalchemy import select

from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.reportin.models import ReportIn, ReportInStatus
from tests.builders import add_member, add_secretary, make_city, publish_notice, token_for
from tests.races import race


def test_parallel_requests_to_two_communities_leave_one_pending_report_in(race_app: Flask) -> None:
    place = make_city()
    version = publish_notice(f"race-{secrets.token_hex(4)}")
    member_id = add_member(
        name="赵六",
        phone=f"139{secrets.randbelow(10**8):08d}",
        unit=place.unit,
        residence=place.community,
        verified=True,
        notice_version=version,
    )
    account_id = db.session.execute(
        select(Member.account_id).where(Member.id == member_id)
    ).scalar_one()
    headers = token_for(account_id)
    targets = [place.community.id, place.other_community.id]

    results = race(
        race_app,
        [("POST", "/api/v1/me/report-ins", {"community_id": c}, headers) for c in targets],
        hold="INSERT INTO report_in ",
    )

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    # PostgreSQL queues the second request on the member's row lock, so it then sees the
    # first one's request. SQLite cannot queue a writer whose transaction has already
    # read: it refuses the second at once (report_in.busy).
    expected = {"report_in.pending_exists"}
    if db.engine.dialect.name == "sqlite":
        expected.add("report_in.busy")
    assert refused["code"] in expected
    (winner,) = [c for c, (status, _) in zip(targets, results, strict=True) if status == 201]
    db.session.remove()
    rows = db.session.execute(
        select(ReportIn.community_id, ReportIn.status).where(ReportIn.member_id == member_id)
    ).all()
    assert [tuple(row) for row in rows] == [(winner, ReportInStatus.PENDING)]


@pytest.mark.parametrize(
    ("first", "second"),
    [("approve", "reject"), ("approve", "approve"), ("reject", "reject")],
)
def test_parallel_decisions_on_one_request_let_exactly_one_win(
    race_app: Flask, first: str, second: str
) -> None:
    place = make_city()
    version = publish_notice(f"race-{secrets.token_hex(4)}")
    member_id = add_member(
        name="孙八",
        phone=f"139{secrets.randbelow(10**8):08d}",
        unit=place.unit,
        residence=place.community,
        verified=True,
        notice_version=version,
    )
    secretaries = [add_secretary(place) for _ in range(2)]
    db.session.add(ReportIn(member_id=member_id, community_id=place.community.id))
    db.session.commit()
    report_in_id = db.session.scalar(select(ReportIn.id).where(ReportIn.member_id == member_id))
    headers = [token_for(s) for s in secretaries]

    results = race(
        race_app,
        [
            ("POST", f"/api/v1/report-ins/{report_in_id}/{action}", {"reason": "理由"}, h)
            for action, h in zip((first, second), headers, strict=True)
        ],
        hold="UPDATE report_in ",
    )

    assert sorted(status for status, _ in results) == [200, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "report_in.not_pending"
    (winner,) = [body for status, body in results if status == 200]
    db.session.remove()
    row = db.session.get(ReportIn, report_in_id)
    assert row is not None and row.status == winner["status"]
