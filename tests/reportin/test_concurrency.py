"""At most one open report-in per member, also when two requests race on separate connections.

These requests commit for real (``committing``), each from its own thread and connection;
whichever reaches its INSERT first holds its transaction open for a moment (``race``), so the
other runs its checks while the first is still uncommitted. Everything committed is deleted
at the end.
"""

from __future__ import annotations

import secrets

import pytest
from flask import Flask
from sqlalchemy import select

from sunshine.access.models import Grant, Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.reportin.models import ReportIn, ReportInStatus
from tests.factories import (
    add_member,
    committing,
    make_city,
    publish_notice,
    race,
    rows_of,
    token_for,
)


def test_parallel_requests_to_two_communities_leave_one_pending_report_in(app: Flask) -> None:
    with committing(app) as cleanups:
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
        cleanups += rows_of(place, [account_id], [version])
        headers = token_for(account_id)
        targets = [place.community.id, place.other_community.id]

        results = race(
            app,
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
    app: Flask, request: pytest.FixtureRequest, first: str, second: str
) -> None:
    with committing(app) as cleanups:
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
        member_account = db.session.execute(
            select(Member.account_id).where(Member.id == member_id)
        ).scalar_one()
        secretaries = [Account(openid=f"o-race-{secrets.token_hex(8)}") for _ in range(2)]
        db.session.add_all(secretaries)
        db.session.flush()
        for secretary in secretaries:
            db.session.add(
                Grant(
                    account_id=secretary.id,
                    role=Role.COMMUNITY_ADMIN,
                    area_id=place.community.id,
                    scope_key=f"area:{place.community.id}",
                )
            )
        db.session.add(ReportIn(member_id=member_id, community_id=place.community.id))
        db.session.commit()
        accounts = [member_account, *(s.id for s in secretaries)]
        cleanups += rows_of(place, accounts, [version])
        report_in_id = db.session.scalar(select(ReportIn.id).where(ReportIn.member_id == member_id))
        headers = [token_for(s.id) for s in secretaries]

        results = race(
            app,
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
