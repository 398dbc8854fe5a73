"""Building blocks for tests: areas, accounts, grants and logged-in clients."""

from __future__ import annotations

import itertools
from dataclasses import dataclass

from flask.testing import FlaskClient

from sunshine.access import service as access
from sunshine.access.models import Grant, Role
from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, WorkUnit

_seq = itertools.count(1)


@dataclass
class City:
    city: Area
    street: Area
    community: Area
    other_community: Area
    unit: WorkUnit


def make_city(name: str = "孝义市") -> City:
    n = next(_seq)
    city = org.create_area(name=f"{name}{n}", level=AreaLevel.CITY)
    street = org.create_area(name=f"新义街道{n}", level=AreaLevel.STREET, parent=city)
    community = org.create_area(name=f"府前社区{n}", level=AreaLevel.COMMUNITY, parent=street)
    other = org.create_area(name=f"崇文社区{n}", level=AreaLevel.COMMUNITY, parent=street)
    unit = org.create_work_unit(name=f"孝义市人民医院{n}", city=city)
    db.session.commit()
    return City(city, street, community, other, unit)


def make_account(openid: str | None = None) -> Account:
    account = Account(openid=openid or f"o-test-{next(_seq)}")
    db.session.add(account)
    db.session.commit()
    return account


def grant(account: Account, role: Role, scope: Area | WorkUnit | None = None) -> Grant:
    area_id = scope.id if isinstance(scope, Area) else None
    unit_id = scope.id if isinstance(scope, WorkUnit) else None
    made = access.create_grant(
        actor=None, account_id=account.id, role=role, area_id=area_id, unit_id=unit_id
    )
    db.session.commit()
    return made


def login(client: FlaskClient, fake: FakeWeChat, openid: str) -> str:
    """Log in through the API as the mini-program would; returns the bearer token."""
    response = client.post("/api/v1/auth/login", json={"code": fake.issue_code(openid)})
    assert response.status_code == 200, response.json
    token: str = response.json["access_token"]
    return token


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def login_as(
    client: FlaskClient, fake: FakeWeChat, role: Role | None, scope: Area | WorkUnit | None = None
) -> tuple[Account, dict[str, str]]:
    """A new account holding ``role`` on ``scope`` (or no role), logged in: (account, headers)."""
    account = make_account()
    if role is not None:
        grant(account, role, scope)
    return account, auth(login(client, fake, account.openid))


def publish_notice(version: str = "2026.1") -> str:
    """A published privacy notice; returns its version."""
    from sunshine.consent.models import PrivacyNotice

    db.session.add(PrivacyNotice(version=version, title="隐私政策", content="……"))
    db.session.commit()
    return version


def add_roster(city: Area, unit: WorkUnit, name: str, phone: str) -> None:
    from sunshine.roster.models import RosterEntry

    db.session.add(RosterEntry(city_id=city.id, unit_id=unit.id, name=name, phone=phone))
    db.session.commit()


def onboard(
    client: FlaskClient,
    fake: FakeWeChat,
    *,
    name: str,
    phone: str,
    unit: WorkUnit,
    residence: Area,
    notice_version: str,
) -> dict[str, str]:
    """Log in, bind a phone, accept the notice and register, as the mini-program does."""
    headers = auth(login(client, fake, f"o-{phone}"))
    bound = client.post(
        "/api/v1/me/phone", json={"code": fake.issue_phone_code(phone)}, headers=headers
    )
    assert bound.status_code == 200, bound.json
    accepted = client.post(
        "/api/v1/me/consents",
        json={"kind": "privacy_notice", "granted": True, "notice_version": notice_version},
        headers=headers,
    )
    assert accepted.status_code == 200, accepted.json
    registered = client.post(
        "/api/v1/me/member",
        json={"name": name, "unit_id": unit.id, "residence_id": residence.id},
        headers=headers,
    )
    assert registered.status_code == 201, registered.json
    return headers
