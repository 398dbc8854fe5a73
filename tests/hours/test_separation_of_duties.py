"""Separation of duties (issue 14, item 5): a record whose member could have vouched for their
own service — a confirming grant over its community, or the shift's code in hand — is never
confirmed automatically nor by themself; another admin of the community or the street does.

Each test walks the path of the finding over HTTP: an admin who is also a member sets the
community to automatic approval, fetches the rotating code, punches themself in and out."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import select

from sunshine.access.models import Role
from sunshine.attendance.models import CodeHolder
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.hours.models import HoursEntry, RecordStatus, ServiceRecord
from sunshine.security.models import SecurityEvent
from tests.attendance.conftest import Site, open_site
from tests.builders import add_reported_members, grant, token_for
from tests.conftest import Clock
from tests.steps import login_as

Headers = dict[str, str]


@dataclass
class Person:
    account_id: int
    headers: Headers


def _member(site: Site, role: Role | None = None, scope: Any = None) -> Person:
    """A verified member reported to the site's community, holding ``role`` on ``scope``
    (the community by default) if given, and signed up for the shift."""
    (account_id,) = add_reported_members(site.place, site.place.community, 1)
    if role is not None:
        account = db.session.get(Account, account_id)
        assert account is not None
        grant(account, role, scope or site.place.community)
        db.session.commit()
    return Person(account_id, token_for(account_id))


def _sign_up(client: FlaskClient, site: Site, person: Person) -> None:
    response = client.post(f"/api/v1/shifts/{site.shift_id}/signups", headers=person.headers)
    assert response.status_code == 201, response.json


def _code(client: FlaskClient, site: Site, headers: Headers) -> str:
    response = client.get(f"/api/v1/shifts/{site.shift_id}/checkin-code", headers=headers)
    assert response.status_code == 200, response.json
    code: str = response.json["code"]
    return code


def _serve(client: FlaskClient, site: Site, clock: Clock, person: Person, shower: Headers) -> Any:
    """Check in before the start and out after 97 minutes with codes ``shower`` fetched:
    the check-out's record."""
    clock.set(site.at(-5))
    checked_in = client.post(
        "/api/v1/punches",
        json={"code": _code(client, site, shower), "direction": "in"},
        headers=person.headers,
    )
    assert checked_in.status_code == 201, checked_in.json
    clock.set(site.at(97))
    checked_out = client.post(
        "/api/v1/punches",
        json={"code": _code(client, site, shower), "direction": "out"},
        headers=person.headers,
    )
    assert checked_out.status_code == 201, checked_out.json
    return checked_out.json["record"]


def _automatic(client: FlaskClient, site: Site, headers: Headers) -> None:
    response = client.put(
        f"/api/v1/communities/{site.place.community.id}/approval-policy",
        json={"mode": "automatic"},
        headers=headers,
    )
    assert response.status_code == 200, response.json


def _status(record_id: int) -> RecordStatus:
    db.session.expire_all()
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None
    return record.status


def _finding(client: FlaskClient, fake: FakeWeChat, clock: Clock) -> tuple[Site, Person, int]:
    """The finding's path: a community admin who is also a member sets automatic approval,
    fetches the code, punches themself in and out. (site, the admin, their record id)"""
    site = open_site(client, fake, members=0)
    admin = _member(site, Role.COMMUNITY_ADMIN)
    _sign_up(client, site, admin)
    _automatic(client, site, admin.headers)
    record = _serve(client, site, clock, admin, admin.headers)
    return site, admin, record["id"]


def test_the_self_confirmation_path_of_the_finding_ends_pending(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    _, admin, record_id = _finding(client, fake_wechat, clock)

    assert _status(record_id) == RecordStatus.PENDING
    record = db.session.get(ServiceRecord, record_id)
    assert record is not None and record.flags == ["code_holder"]
    assert record.credited_minutes == 0 and record.decided_by_id is None
    assert db.session.scalars(select(HoursEntry)).all() == []
    held = db.session.scalars(
        select(SecurityEvent).where(SecurityEvent.action == "checkin_code.held")
    ).all()
    assert [(e.account_id, e.object_type) for e in held] == [(admin.account_id, "shift")]


def test_another_admin_of_the_community_confirms_it(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site, _, record_id = _finding(client, fake_wechat, clock)

    confirmed = client.post(f"/api/v1/service-records/{record_id}/confirm", headers=site.admin)

    assert confirmed.status_code == 200, confirmed.json
    assert confirmed.json["status"] == "confirmed" and confirmed.json["credited_minutes"] == 90
    assert _status(record_id) == RecordStatus.CONFIRMED


def test_a_street_admin_above_confirms_it(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site, _, record_id = _finding(client, fake_wechat, clock)
    _, street = login_as(client, fake_wechat, Role.STREET_ADMIN, site.place.street)

    confirmed = client.post(
        "/api/v1/service-records/confirm", json={"ids": [record_id]}, headers=street
    )

    assert confirmed.status_code == 200, confirmed.json
    assert [r["status"] for r in confirmed.json] == ["confirmed"]


def test_confirming_it_oneself_is_refused_and_logged(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    _, admin, record_id = _finding(client, fake_wechat, clock)

    refused = client.post(f"/api/v1/service-records/{record_id}/confirm", headers=admin.headers)

    assert (refused.status_code, refused.json["code"]) == (403, "record.own")
    assert _status(record_id) == RecordStatus.PENDING
    event = db.session.scalars(
        select(SecurityEvent).where(
            SecurityEvent.action == "hours.confirm", SecurityEvent.outcome == "failure"
        )
    ).one()
    assert (event.account_id, event.reason, event.object_id) == (
        admin.account_id,
        "record.own",
        str(record_id),
    )


def test_a_bulk_confirmation_naming_ones_own_record_is_refused_naming_it(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site, admin, own_id = _finding(client, fake_wechat, clock)
    other = _member(site)
    _sign_up(client, site, other)
    manual = client.put(  # so that the other member's record waits too
        f"/api/v1/communities/{site.place.community.id}/approval-policy",
        json={"mode": "manual"},
        headers=site.admin,
    )
    assert manual.status_code == 200
    other_id = _serve(client, site, clock, other, site.admin)["id"]

    refused = client.post(
        "/api/v1/service-records/confirm", json={"ids": [other_id, own_id]}, headers=admin.headers
    )

    assert (refused.status_code, refused.json["code"]) == (403, "record.own")
    assert refused.json["fields"] == {"ids": {str(own_id): ["本人的记录"]}}
    assert (_status(own_id), _status(other_id)) == (RecordStatus.PENDING, RecordStatus.PENDING)


def test_automatic_approval_skips_the_conflicted_and_confirms_the_others(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=0)
    admin = _member(site, Role.COMMUNITY_ADMIN)  # the code shown by the task's secretary
    street_admin = _member(site, Role.STREET_ADMIN, site.place.street)
    plain = _member(site)
    for person in (admin, street_admin, plain):
        _sign_up(client, site, person)
    _automatic(client, site, site.admin)

    records = {
        name: _serve(client, site, clock, person, site.admin)
        for name, person in (("admin", admin), ("street", street_admin), ("plain", plain))
    }

    assert {name: r["status"] for name, r in records.items()} == {
        "admin": "pending",  # holds a confirming grant over the community
        "street": "pending",  # and over the street above it
        "plain": "confirmed",
    }
    assert all(r["flags"] == [] for r in records.values())  # none of them held the code


def test_a_designated_member_who_held_the_code_waits_for_a_person(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    site = open_site(client, fake_wechat, members=0)
    holder, other = _member(site), _member(site)
    for person in (holder, other):
        _sign_up(client, site, person)
    _automatic(client, site, site.admin)
    holder_member = client.get("/api/v1/me/member", headers=holder.headers).json["id"]
    designated = client.put(
        f"/api/v1/shifts/{site.shift_id}/code-holder",
        json={"member_id": holder_member},
        headers=site.admin,
    )
    assert designated.status_code == 200

    own = _serve(client, site, clock, holder, holder.headers)
    others = _serve(client, site, clock, other, holder.headers)

    assert (own["status"], own["flags"]) == ("pending", ["code_holder"])
    assert (others["status"], others["flags"]) == ("confirmed", [])
    holders = db.session.scalars(select(CodeHolder.account_id)).all()
    assert holders == [holder.account_id]  # fetched four times, recorded once
    confirmed = client.post(f"/api/v1/service-records/{own['id']}/confirm", headers=site.admin)
    assert confirmed.status_code == 200 and confirmed.json["status"] == "confirmed"


def test_an_org_admin_member_who_fetched_the_code_waits_for_a_person(
    client: FlaskClient, fake_wechat: FakeWeChat, clock: Clock
) -> None:
    """The org department manages tasks (so may fetch codes) but does not confirm records:
    only the code in hand makes its record conflicted."""
    site = open_site(client, fake_wechat, members=0)
    org = _member(site, Role.ORG_ADMIN, site.place.city)
    _sign_up(client, site, org)
    _automatic(client, site, site.admin)

    record = _serve(client, site, clock, org, org.headers)

    assert (record["status"], record["flags"]) == ("pending", ["code_holder"])
    listed = client.get(
        "/api/v1/service-records?flag=code_holder&status=pending", headers=site.admin
    )
    assert [r["id"] for r in listed.json["items"]] == [record["id"]]
