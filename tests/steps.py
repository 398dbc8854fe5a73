"""Steps through the API, as the mini-program or the console takes them: log in, register,
post and publish tasks, upload files. Each asserts that its request succeeded.
"""

from __future__ import annotations

import io
import itertools
from datetime import timedelta
from typing import Any

from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.bodies.models import CityBody
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org.models import Area, AreaLevel, WorkUnit
from tests.builders import (
    City,
    add_roster,
    auth,
    first_category_id,
    grant,
    make_account,
)

_seq = itertools.count(1)


def login(client: FlaskClient, fake: FakeWeChat, openid: str) -> str:
    """Log in through the API as the mini-program would; returns the bearer token."""
    response = client.post("/api/v1/auth/login", json={"code": fake.issue_code(openid)})
    assert response.status_code == 200, response.json
    token: str = response.json["access_token"]
    return token


def login_as(
    client: FlaskClient,
    fake: FakeWeChat,
    role: Role | None,
    scope: Area | WorkUnit | CityBody | None = None,
) -> tuple[Account, dict[str, str]]:
    """A new account holding ``role`` on ``scope`` (or no role), logged in: (account, headers)."""
    account = make_account()
    if role is not None:
        grant(account, role, scope)
    return account, auth(login(client, fake, account.openid))


def bind_phone(client: FlaskClient, fake: FakeWeChat, headers: dict[str, str], phone: str) -> None:
    bound = client.post(
        "/api/v1/me/phone", json={"code": fake.issue_phone_code(phone)}, headers=headers
    )
    assert bound.status_code == 200, bound.json


def accept_notice(client: FlaskClient, headers: dict[str, str], version: str) -> None:
    accepted = client.post(
        "/api/v1/me/consents",
        json={"kind": "privacy_notice", "granted": True, "notice_version": version},
        headers=headers,
    )
    assert accepted.status_code == 200, accepted.json


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


def ready_to_register(
    client: FlaskClient, fake: FakeWeChat, *, phone: str | None, notice_version: str | None
) -> dict[str, str]:
    """Logged in, with the phone bound and the notice accepted when given: headers."""
    headers = auth(login(client, fake, f"o-{phone or next(_seq)}"))
    if phone is not None:
        bind_phone(client, fake, headers, phone)
    if notice_version is not None:
        accept_notice(client, headers, notice_version)
    return headers


def onboard_verified(
    client: FlaskClient,
    fake: FakeWeChat,
    place: City,
    *,
    name: str,
    phone: str,
    notice_version: str,
    residence: Area | None = None,
) -> dict[str, str]:
    """A member on the roster of ``place.unit``, registered and so verified at once."""
    add_roster(place.city, place.unit, name, phone)
    return onboard(
        client,
        fake,
        name=name,
        phone=phone,
        unit=place.unit,
        residence=residence or place.community,
        notice_version=notice_version,
    )


def own_member_id(client: FlaskClient, headers: dict[str, str]) -> int:
    response = client.get("/api/v1/me/member", headers=headers)
    assert response.status_code == 200, response.json
    member_id: int = response.json["id"]
    return member_id


def reported_member(
    client: FlaskClient,
    fake: FakeWeChat,
    place: City,
    community: Area,
    name: str,
    phone: str,
    notice_version: str,
) -> dict[str, str]:
    """A verified member with an active report-in to ``community``, logged in: headers."""
    from sqlalchemy import select

    from sunshine.members.models import Member
    from sunshine.reportin.models import ReportIn, ReportInStatus

    add_roster(place.city, place.unit, name, phone)
    headers = onboard(
        client,
        fake,
        name=name,
        phone=phone,
        unit=place.unit,
        residence=community,
        notice_version=notice_version,
    )
    member_id = db.session.scalar(select(Member.id).where(Member.name == name))
    db.session.add(
        ReportIn(member_id=member_id, community_id=community.id, status=ReportInStatus.ACTIVE)
    )
    db.session.commit()
    return headers


def upload(
    client: FlaskClient,
    url: str,
    content: bytes,
    headers: dict[str, str],
    filename: str = "import.csv",
) -> TestResponse:
    """POST ``content`` as the multipart field ``file``, as the console's upload form does."""
    return client.post(
        url,
        data={"file": (io.BytesIO(content), filename)},
        content_type="multipart/form-data",
        headers=headers,
    )


def task_body(area: Area, **overrides: Any) -> dict[str, Any]:
    """A complete, valid task for ``area``; ``overrides`` replace or add fields."""
    area_id, level = area.id, area.level  # read before first_category_id() ends the transaction
    body: dict[str, Any] = {
        "area_id": area_id,
        "kind": "activity",
        "category_id": first_category_id(),
        "title": "文明劝导",
        "content": "路口文明劝导",
        "address": "府前街与崇文路口",
        "point": {"latitude": 37.146, "longitude": 111.781, "system": "gcj02"},
        "checkin_radius_m": 200,
        "visibility": {AreaLevel.STREET: "street", AreaLevel.GRID: "grid"}.get(level, "community"),
        "contact_name": "王书记",
        "contact_phone": "0358-7221234",
    }
    body.update(overrides)
    return body


def shift_body(
    *,
    starts_in: timedelta = timedelta(days=2),
    hours: float = 2,
    capacity: int = 5,
    deadline_before: timedelta | None = None,
) -> dict[str, Any]:
    """A shift starting ``starts_in`` from now; the deadline ``deadline_before`` the start."""
    from sunshine.database import utcnow

    start = utcnow() + starts_in
    body: dict[str, Any] = {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
        "capacity": capacity,
    }
    if deadline_before is not None:
        body["signup_deadline"] = (start - deadline_before).isoformat()
    return body


def post_task(client: FlaskClient, headers: dict[str, str], area: Area, **overrides: Any) -> int:
    """A draft task posted through the API: its id."""
    response = client.post("/api/v1/tasks", json=task_body(area, **overrides), headers=headers)
    assert response.status_code == 201, response.json
    task_id: int = response.json["id"]
    return task_id


def post_shift(client: FlaskClient, headers: dict[str, str], task_id: int, **shift: Any) -> int:
    """A shift added through the API (``shift`` as for ``shift_body``): its id."""
    response = client.post(
        f"/api/v1/tasks/{task_id}/shifts", json=shift_body(**shift), headers=headers
    )
    assert response.status_code == 201, response.json
    shift_id: int = response.json["id"]
    return shift_id


def publish(client: FlaskClient, headers: dict[str, str], task_id: int) -> None:
    response = client.post(f"/api/v1/tasks/{task_id}/publish", headers=headers)
    assert response.status_code == 200, response.json


def published_shift(
    client: FlaskClient,
    headers: dict[str, str],
    area: Area,
    *,
    visibility: str | None = None,
    **shift: Any,
) -> tuple[int, int]:
    """A published task of ``area`` with one shift: (task id, shift id)."""
    overrides = {"visibility": visibility} if visibility else {}
    task_id = post_task(client, headers, area, **overrides)
    shift_id = post_shift(client, headers, task_id, **shift)
    publish(client, headers, task_id)
    return task_id, shift_id


def day_shift_body(day: Any, *, hour: int = 9, hours: int = 3, capacity: int = 5) -> dict[str, Any]:
    """A shift on ``day`` from ``hour`` o'clock for ``hours`` hours, Asia/Shanghai."""
    from datetime import datetime, time

    from sunshine.clock import SHANGHAI

    start = datetime.combine(day, time(hour), SHANGHAI)
    return {
        "starts_at": start.isoformat(),
        "ends_at": (start + timedelta(hours=hours)).isoformat(),
        "capacity": capacity,
    }


def day_shift(
    client: FlaskClient,
    headers: dict[str, str],
    area: Area,
    day: Any,
    *,
    visibility: str | None = None,
    skill_ids: list[int] | None = None,
    **shift: Any,
) -> int:
    """A published task of ``area`` with one shift on ``day`` (``shift`` as for
    ``day_shift_body``): the shift's id."""
    overrides: dict[str, Any] = {"visibility": visibility} if visibility else {}
    if skill_ids:
        overrides["skill_ids"] = skill_ids
    task_id = post_task(client, headers, area, **overrides)
    response = client.post(
        f"/api/v1/tasks/{task_id}/shifts", json=day_shift_body(day, **shift), headers=headers
    )
    assert response.status_code == 201, response.json
    publish(client, headers, task_id)
    shift_id: int = response.json["id"]
    return shift_id
