"""Registering twice at the same moment (a double tap) leaves one member and a clear error.

Like tests/reportin/test_concurrency.py: real commits on the module's throw-away database, one
thread and connection per request.
"""

from __future__ import annotations

import secrets

from flask import Flask
from sqlalchemy import func, select

from sunshine.auth.models import Account
from sunshine.consent.models import ConsentKind, ConsentRecord
from sunshine.extensions import db
from sunshine.members.models import Member
from tests.builders import make_city, publish_notice, token_for
from tests.races import race


def test_parallel_registrations_of_one_account_leave_one_member(race_app: Flask) -> None:
    place = make_city()
    version = publish_notice(f"race-{secrets.token_hex(4)}")
    account = Account(openid=f"o-race-{secrets.token_hex(8)}", phone="13900000002")
    db.session.add(account)
    db.session.flush()
    db.session.add(
        ConsentRecord(
            account_id=account.id,
            kind=ConsentKind.PRIVACY_NOTICE,
            granted=True,
            notice_version=version,
        )
    )
    db.session.commit()
    account_id = account.id
    headers = token_for(account_id)
    body = {"name": "钱七", "unit_id": place.unit.id, "residence_id": place.community.id}

    results = race(
        race_app, [("POST", "/api/v1/me/member", body, headers)] * 2, hold="INSERT INTO member "
    )

    assert sorted(status for status, _ in results) == [201, 409], results
    (refused,) = [body for status, body in results if status == 409]
    assert refused["code"] == "member.already_registered"
    db.session.remove()
    members = select(func.count()).select_from(Member).where(Member.account_id == account_id)
    assert db.session.scalar(members) == 1
