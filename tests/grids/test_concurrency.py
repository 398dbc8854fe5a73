"""A liaison grant racing the member's move out of the grid: whichever commits first, no
liaison grant is left on a grid the member no longer lives in (requests commit for real on
the module's throw-away database: ``race_app``, tests/races.py)."""

from __future__ import annotations

from flask import Flask
from sqlalchemy import select, update

from sunshine.access.models import Grant, Role
from sunshine.extensions import db
from sunshine.org.models import AreaLevel
from sunshine.reportin.models import ReportIn, ReportInStatus
from tests.builders import (
    add_area,
    add_reported_members,
    grant,
    make_account,
    make_city,
    member_id_of,
    token_for,
)
from tests.races import race


def test_a_liaison_grant_racing_a_move_out_of_the_grid_leaves_no_liaison(
    race_app: Flask,
) -> None:
    place = make_city()
    grid_id = add_area(place.community, AreaLevel.GRID, "第一网格").id
    other_id = add_area(place.community, AreaLevel.GRID, "第二网格").id
    admin = make_account()
    grant(admin, Role.COMMUNITY_ADMIN, place.community)
    headers = token_for(admin.id)
    (account_id,) = add_reported_members(place, place.community, 1)
    member_id = member_id_of(account_id)
    report_in_id = db.session.scalar(
        select(ReportIn.id).where(
            ReportIn.member_id == member_id, ReportIn.status == ReportInStatus.ACTIVE
        )
    )
    db.session.execute(update(ReportIn).where(ReportIn.id == report_in_id).values(grid_id=grid_id))
    db.session.commit()

    results = race(
        race_app,
        [
            (
                "POST",
                "/api/v1/grants",
                {"role": "grid_liaison", "member_id": member_id, "area_id": grid_id},
                headers,
            ),
            (
                "PUT",
                f"/api/v1/report-ins/{report_in_id}/placement",
                {"grid_id": other_id, "team_ids": []},
                headers,
            ),
        ],
        hold="INSERT INTO role_grant ",
    )

    (granted, moved) = results
    assert moved[0] == 200, moved
    assert granted[0] in (201, 422), granted
    if granted[0] == 422:
        assert granted[1]["code"] == "grant.liaison_not_in_grid"
    db.session.remove()
    live = db.session.scalars(
        select(Grant.id).where(
            Grant.account_id == account_id,
            Grant.role == Role.GRID_LIAISON,
            Grant.revoked_at.is_(None),
        )
    ).all()
    assert live == []  # the member lives in the second grid now: a liaison of neither


def test_the_same_grid_role_named_twice_at_once_is_one_grant(race_app: Flask) -> None:
    place = make_city()
    grid_id = add_area(place.community, AreaLevel.GRID, "第一网格").id
    admins = []
    for _ in range(2):
        admin = make_account()
        grant(admin, Role.COMMUNITY_ADMIN, place.community)
        admins.append(token_for(admin.id))
    worker_id = make_account().id
    body = {"role": "grid_worker", "account_id": worker_id, "area_id": grid_id}

    results = race(
        race_app,
        [("POST", "/api/v1/grants", body, h) for h in admins],
        hold="INSERT INTO role_grant ",
    )

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "grant.duplicate"
    db.session.remove()
    live = db.session.scalars(
        select(Grant.id).where(Grant.account_id == worker_id, Grant.revoked_at.is_(None))
    ).all()
    assert len(live) == 1
