"""Building blocks for tests: areas, accounts, grants and logged-in clients."""

from __future__ import annotations

import csv
import io
import itertools
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import openpyxl
from flask import Flask
from flask.testing import FlaskClient
from sqlalchemy import func, select
from sqlalchemy.sql import Executable
from werkzeug.test import TestResponse

from sunshine.access import service as access
from sunshine.access.models import Grant, Role
from sunshine.auth.models import Account
from sunshine.database import Base
from sunshine.extensions import db
from sunshine.fake_wechat import FakeWeChat
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, PartyOrg, PartyOrgKind, WorkUnit

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


# Imports --------------------------------------------------------------------------------------


def csv_bytes(rows: list[list[str]], encoding: str = "utf-8") -> bytes:
    """A CSV file of ``rows`` (the first is the header), as Excel would save it."""
    out = io.StringIO()
    csv.writer(out, lineterminator="\r\n").writerows(rows)
    return out.getvalue().encode(encoding)


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    """An XLSX workbook whose first sheet holds ``rows`` from cell A1."""
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    assert sheet is not None
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


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


def count(model: type[Base]) -> int:
    """Rows of a table as the database holds them."""
    return db.session.scalar(select(func.count()).select_from(model)) or 0


def make_party_org(
    unit: WorkUnit, name: str, kind: str = "branch", parent: PartyOrg | None = None
) -> PartyOrg:
    """A party organisation of the unit (党委 committee, 党总支 general_branch, 党支部 branch)."""
    org = PartyOrg(unit_id=unit.id, name=name, kind=PartyOrgKind(kind), parent=parent)
    db.session.add(org)
    db.session.commit()
    return org


# Helpers for the member, consent and report-in tests -----------------------------------------


def add_area(parent: Area, level: AreaLevel, name: str | None = None) -> Area:
    """A street, community or grid under ``parent``."""
    area = org.create_area(name=name or f"{level.value}{next(_seq)}", level=level, parent=parent)
    db.session.commit()
    return area


def add_unit(city: Area, name: str | None = None) -> WorkUnit:
    unit = org.create_work_unit(name=name or f"孝义市第{next(_seq)}中学", city=city)
    db.session.commit()
    return unit


def add_skill(name: str | None = None, *, active: bool = True) -> int:
    """A catalogue skill; returns its id."""
    from sunshine.members.models import Skill

    skill = Skill(name=name or f"技能{next(_seq)}", active=active, sort_order=next(_seq))
    db.session.add(skill)
    db.session.commit()
    return skill.id


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


def add_member(
    *,
    name: str,
    phone: str,
    unit: WorkUnit,
    residence: Area,
    verified: bool = False,
    notice_version: str | None = None,
) -> int:
    """A registered member written straight to the tables (quicker than ``onboard``).

    The account's openid is ``o-<phone>``, so ``login(client, fake, f"o-{phone}")`` acts as
    the member. With ``notice_version`` the member has accepted that notice. Returns the id.
    """
    from sunshine.consent.models import ConsentKind, ConsentRecord
    from sunshine.members.models import Member, MemberStatus

    account = Account(openid=f"o-{phone}", phone=phone)
    member = Member(
        account=account,
        name=name,
        unit=unit,
        residence=residence,
        area_path=residence.path,
        status=MemberStatus.VERIFIED if verified else MemberStatus.PENDING,
    )
    db.session.add(member)
    db.session.flush()
    if notice_version is not None:
        db.session.add(
            ConsentRecord(
                account_id=account.id,
                kind=ConsentKind.PRIVACY_NOTICE,
                granted=True,
                notice_version=notice_version,
            )
        )
    db.session.commit()
    return member.id


# Real commits and races (see tests/reportin/test_concurrency.py) -----------------------------


@contextmanager
def committing(app: Flask) -> Iterator[list[Executable]]:
    """Inside the block the app commits for real, each request on a connection of its own.

    Tests otherwise run in one rolled-back transaction on one connection, which cannot show a
    race. Add a delete statement to the yielded list for every row committed in the block;
    they run in order at the end. Write no append-only rows (security events) here: login
    and phone binding log some, so make accounts with ``add_member`` and ``token_for``.
    """
    import sqlalchemy as sa

    engines = db._app_engines[app]
    test_connection = engines[None]
    assert isinstance(test_connection, sa.Connection)
    db.session.remove()
    # The test's own transaction holds SQLite's write lock (BEGIN IMMEDIATE): end it, so the
    # requests' connections can write. It held nothing the block needs (write no setup
    # before entering it).
    test_connection.rollback()
    engines[None] = test_connection.engine
    cleanups: list[Executable] = []
    try:
        yield cleanups
    finally:
        db.session.remove()
        engine = engines[None]
        assert isinstance(engine, sa.Engine)
        with engine.begin() as conn:
            for statement in cleanups:
                conn.execute(statement)
        engines[None] = test_connection
        test_connection.begin()


def rows_of(place: City, account_ids: list[int], notice_versions: list[str]) -> list[Executable]:
    """Delete statements for what a test committed around ``place``, children first."""
    import sqlalchemy as sa

    from sunshine.auth.models import AuthToken
    from sunshine.consent.models import ConsentRecord, PrivacyNotice
    from sunshine.members.models import Member
    from sunshine.reportin.models import ReportIn

    members = sa.select(Member.id).where(Member.account_id.in_(account_ids))
    return [
        sa.delete(ReportIn).where(ReportIn.member_id.in_(members)),
        sa.delete(Member).where(Member.account_id.in_(account_ids)),
        sa.delete(ConsentRecord).where(ConsentRecord.account_id.in_(account_ids)),
        sa.delete(AuthToken).where(AuthToken.account_id.in_(account_ids)),
        sa.delete(Grant).where(Grant.account_id.in_(account_ids)),
        sa.delete(Account).where(Account.id.in_(account_ids)),
        sa.delete(PrivacyNotice).where(PrivacyNotice.version.in_(notice_versions)),
        sa.delete(WorkUnit).where(WorkUnit.id == place.unit.id),
        *(
            sa.delete(Area).where(Area.id == area.id)
            for area in (place.community, place.other_community, place.street, place.city)
        ),
    ]


def token_for(account_id: int) -> dict[str, str]:
    """A bearer token made straight in the table (a login would write a security event)."""
    import hashlib
    import secrets
    from datetime import timedelta

    from sunshine.auth.models import AuthToken
    from sunshine.database import utcnow

    raw = secrets.token_urlsafe(32)
    db.session.add(
        AuthToken(
            account_id=account_id,
            token_hash=hashlib.sha256(raw.encode()).hexdigest(),
            expires_at=utcnow() + timedelta(hours=1),
        )
    )
    db.session.commit()
    return auth(raw)


def race(
    app: Flask,
    requests: list[tuple[str, str, dict[str, Any], dict[str, str]]],
    *,
    hold: str,
    window: float = 0.3,
) -> list[tuple[int, dict[str, Any]]]:
    """Send (method, url, json, headers) requests at the same moment, each from its own thread.

    The first request to run SQL starting with ``hold`` (say ``INSERT INTO report_in``) waits
    ``window`` seconds inside its open transaction, so that the others run their own checks
    meanwhile: without a lock or a unique index they would all write. Returns (status, json)
    of each request, in order.
    """
    import threading
    import time

    import sqlalchemy as sa

    db.session.close()  # SQLite: a read left open here would keep every request from committing
    engine = db.engine
    first = threading.Lock()

    def hook(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        if statement.lstrip().upper().startswith(hold.upper()) and first.acquire(blocking=False):
            time.sleep(window)

    start = threading.Barrier(len(requests), timeout=5)
    results: list[tuple[int, dict[str, Any]] | BaseException | None] = [None] * len(requests)

    def send(i: int, method: str, url: str, body: dict[str, Any], headers: dict[str, str]) -> None:
        try:
            client = app.test_client()
            start.wait()
            response = client.open(url, method=method, json=body, headers=headers)
            results[i] = (response.status_code, response.json)
        except BaseException as exc:  # handed to the test below
            results[i] = exc

    sa.event.listen(engine, "before_cursor_execute", hook)
    try:
        threads = [
            threading.Thread(target=send, args=(i, *request)) for i, request in enumerate(requests)
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=90)
    finally:
        sa.event.remove(engine, "before_cursor_execute", hook)
    done: list[tuple[int, dict[str, Any]]] = []
    for result in results:
        if isinstance(result, BaseException):
            raise result
        assert result is not None, "a request did not finish"
        done.append(result)
    return done


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


# Tasks, shifts and signups (see tests/tasks/) -------------------------------------------------


def first_category_id() -> int:
    """An active category of the catalogue the migration seeds.

    Ends the read's transaction: inside ``committing`` on SQLite it would hold the write lock
    and keep every request waiting.
    """
    from sunshine.tasks.models import TaskCategory

    category_id = db.session.scalar(
        select(TaskCategory.id).where(TaskCategory.active).order_by(TaskCategory.id).limit(1)
    )
    db.session.commit()
    assert category_id is not None
    return category_id


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
        "visibility": "street" if level == AreaLevel.STREET else "community",
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


def add_reported_members(
    place: City,
    community: Area,
    n: int,
    *,
    verified: bool = True,
    report_in: str | None = "active",
) -> list[int]:
    """``n`` members of ``place.unit`` written straight to the tables in one commit, each with
    a report-in to ``community`` in status ``report_in`` (none when None): account ids."""
    import secrets

    from sunshine.members.models import Member, MemberStatus
    from sunshine.reportin.models import ReportIn, ReportInStatus

    members = [
        Member(
            account=Account(
                openid=f"o-task-{secrets.token_hex(8)}", phone=f"139{secrets.randbelow(10**8):08d}"
            ),
            name=f"党员{next(_seq)}",
            unit=place.unit,
            residence=community,
            area_path=community.path,
            status=MemberStatus.VERIFIED if verified else MemberStatus.PENDING,
        )
        for _ in range(n)
    ]
    db.session.add_all(members)
    db.session.flush()
    if report_in is not None:
        db.session.add_all(
            ReportIn(member_id=m.id, community_id=community.id, status=ReportInStatus(report_in))
            for m in members
        )
    db.session.commit()
    return [m.account_id for m in members]


def reported_headers(place: City, community: Area, **options: Any) -> dict[str, str]:
    """One member as ``add_reported_members`` makes them, with a bearer token: headers."""
    (account_id,) = add_reported_members(place, community, 1, **options)
    return token_for(account_id)


def set_shift_times(shift_id: int, **times: Any) -> None:
    """Move a shift's times in the table (the API refuses times in the past)."""
    import sqlalchemy as sa

    from sunshine.tasks.models import Shift

    db.session.execute(sa.update(Shift).where(Shift.id == shift_id).values(**times))
    db.session.commit()


def task_rows_of(place: City) -> list[Executable]:
    """Delete statements for the tasks of ``place``'s city with everything below them.

    Put them before ``rows_of(place, …)``: tasks point at areas and accounts.
    """
    import sqlalchemy as sa

    from sunshine.tasks.models import Shift, ShiftEvent, Signup, Task, task_skill

    tasks = sa.select(Task.id).where(Task.area_path.startswith(place.city.path, autoescape=True))
    shifts = sa.select(Shift.id).where(Shift.task_id.in_(tasks))
    return [
        sa.delete(Signup).where(Signup.shift_id.in_(shifts)),
        sa.delete(ShiftEvent).where(ShiftEvent.shift_id.in_(shifts)),
        sa.delete(Shift).where(Shift.task_id.in_(tasks)),
        sa.delete(task_skill).where(task_skill.c.task_id.in_(tasks)),
        sa.delete(Task).where(Task.id.in_(tasks)),
    ]


# Service records and the hours ledger (see tests/hours/) -------------------------------------


def add_shifts(task_id: int, n: int) -> list[int]:
    """``n`` more open shifts of a task written straight to the table, a day apart: ids."""
    from sunshine.tasks.models import Shift, ShiftStatus, Task
    from sunshine.tasks.service import carried

    task = db.session.get(Task, task_id)
    assert task is not None
    last = max((s.starts_at for s in task.shifts), default=None)
    from sunshine.database import utcnow

    start = (last or utcnow()) + timedelta(days=1)
    shifts = [
        Shift(
            task=task,
            **carried(task),
            starts_at=start + timedelta(days=i),
            ends_at=start + timedelta(days=i, hours=2),
            capacity=5,
            signup_deadline=start + timedelta(days=i),
            status=ShiftStatus.OPEN,
            confirmed_count=0,
        )
        for i in range(n)
    ]
    db.session.add_all(shifts)
    db.session.commit()
    return [s.id for s in shifts]


def add_service_record(
    member_id: int,
    shift_id: int,
    *,
    minutes: int = 120,
    flags: tuple[str, ...] = (),
    service_date: Any = None,
) -> int:
    """A pending service record of a member on a shift, as attendance would create it: id.

    The record belongs to the shift's task's area; its date is the shift's start in
    Shanghai unless ``service_date`` is given.
    """
    from sunshine.clock import SHANGHAI
    from sunshine.hours.models import RecordSource, ServiceRecord
    from sunshine.tasks.models import Shift

    shift = db.session.get(Shift, shift_id)
    assert shift is not None
    task = shift.task
    record = ServiceRecord(
        member_id=member_id,
        shift_id=shift.id,
        area_id=task.area_id,
        area_path=task.area_path,
        activity_name=task.title,
        service_date=service_date or shift.starts_at.astimezone(SHANGHAI).date(),
        place=task.address,
        content=task.content,
        person_in_charge=task.contact_name,
        rule="clamp_floor15",
        source=RecordSource.HAND if "hand_recorded" in flags else RecordSource.PUNCHES,
        check_in_at=shift.starts_at,
        check_out_at=shift.starts_at + timedelta(minutes=minutes),
        minutes=minutes,
        flags=list(flags),
    )
    db.session.add(record)
    db.session.commit()
    return record.id


def member_id_of(account_id: int) -> int:
    from sunshine.members.models import Member

    member_id = db.session.scalar(select(Member.id).where(Member.account_id == account_id))
    assert member_id is not None
    return member_id


def append_only_deletes(table: str, delete: Executable) -> list[Executable]:
    """Cleanup statements deleting rows of an append-only table (for ``committing``).

    The table's triggers are switched off around ``delete`` inside the cleanup's own
    transaction (DDL is transactional on both databases), and back on after it.
    """
    import sqlalchemy as sa

    if db.session.get_bind().dialect.name == "postgresql":
        names = db.session.scalars(
            sa.text(
                "SELECT tgname FROM pg_trigger WHERE tgrelid = CAST(:t AS regclass)"
                " AND NOT tgisinternal"
            ),
            {"t": table},
        ).all()
        db.session.commit()  # end the read (see first_category_id)
        return [
            *(sa.text(f"ALTER TABLE {table} DISABLE TRIGGER {name}") for name in names),
            delete,
            *(sa.text(f"ALTER TABLE {table} ENABLE TRIGGER {name}") for name in names),
        ]
    triggers = db.session.execute(
        sa.text("SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = :t"),
        {"t": table},
    ).all()
    db.session.commit()
    return [
        *(sa.text(f"DROP TRIGGER {name}") for name, _ in triggers),
        delete,
        *(sa.text(sql) for _, sql in triggers),
    ]


def hours_rows_of(member_ids: list[int], account_ids: list[int]) -> list[Executable]:
    """Delete statements for the members' records, ledgers and the security events of the
    accounts. Put them before ``task_rows_of``: records point at shifts."""
    import sqlalchemy as sa

    from sunshine.hours.models import Correction, HoursEntry, LedgerHead, PointsEntry, ServiceRecord
    from sunshine.security.models import SecurityEvent

    return [
        *append_only_deletes(
            "security_event",
            sa.delete(SecurityEvent).where(SecurityEvent.account_id.in_(account_ids)),
        ),
        *append_only_deletes(
            "points_entry", sa.delete(PointsEntry).where(PointsEntry.member_id.in_(member_ids))
        ),
        *append_only_deletes(
            "hours_entry", sa.delete(HoursEntry).where(HoursEntry.member_id.in_(member_ids))
        ),
        sa.delete(LedgerHead).where(LedgerHead.member_id.in_(member_ids)),
        sa.delete(Correction).where(Correction.member_id.in_(member_ids)),
        sa.delete(ServiceRecord).where(ServiceRecord.member_id.in_(member_ids)),
    ]


# Call-ups (see tests/tasks/test_callup_*.py) ---------------------------------------------------


def shanghai_day(days_ahead: int) -> Any:
    """The Asia/Shanghai date ``days_ahead`` days from today."""
    from sunshine.clock import SHANGHAI
    from sunshine.database import utcnow

    return (utcnow().astimezone(SHANGHAI) + timedelta(days=days_ahead)).date()


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


@dataclass
class MemberSpec:
    """One member for ``add_members_in_bulk``."""

    community: Area
    weekday_daytime: bool = False
    evenings: bool = False
    weekends: bool = False
    skill_ids: tuple[int, ...] = ()


def add_members_in_bulk(unit: WorkUnit, specs: list[MemberSpec]) -> list[int]:
    """Verified members, each with an active report-in to their community, written with one
    multi-row INSERT per table (thousands in well under a second): member ids in order."""
    import secrets

    import sqlalchemy as sa

    from sunshine.database import utcnow
    from sunshine.members.models import Member, MemberStatus, member_skill
    from sunshine.reportin.models import ReportIn, ReportInStatus

    now = utcnow()
    tag = secrets.token_hex(4)
    account_ids = db.session.scalars(
        sa.insert(Account).returning(Account.id, sort_by_parameter_order=True),
        [{"openid": f"o-bulk-{tag}-{i}", "created_at": now} for i in range(len(specs))],
    ).all()
    member_ids = db.session.scalars(
        sa.insert(Member).returning(Member.id, sort_by_parameter_order=True),
        [
            {
                "account_id": account_id,
                "name": f"党员{tag}{i}",
                "unit_id": unit.id,
                "residence_id": spec.community.id,
                "area_path": spec.community.path,
                "status": MemberStatus.VERIFIED,
                "available_weekday_daytime": spec.weekday_daytime,
                "available_evenings": spec.evenings,
                "available_weekends": spec.weekends,
                "created_at": now,
                "updated_at": now,
            }
            for i, (account_id, spec) in enumerate(zip(account_ids, specs, strict=True))
        ],
    ).all()
    db.session.execute(
        sa.insert(ReportIn),
        [
            {
                "member_id": member_id,
                "community_id": spec.community.id,
                "status": ReportInStatus.ACTIVE,
                "requested_at": now,
            }
            for member_id, spec in zip(member_ids, specs, strict=True)
        ],
    )
    skills = [
        {"member_id": member_id, "skill_id": skill_id}
        for member_id, spec in zip(member_ids, specs, strict=True)
        for skill_id in spec.skill_ids
    ]
    if skills:
        db.session.execute(sa.insert(member_skill), skills)
    db.session.commit()
    return list(member_ids)


def add_service_history(area: Area, minutes_by_member: dict[int, int]) -> None:
    """Confirmed service this year: one record per member with minutes, on one past shift of
    ``area``, credited through the hours ledger (each member's chain: one confirm entry),
    written in bulk so thousands of members take well under a second."""
    import sqlalchemy as sa

    from sunshine.clock import SHANGHAI
    from sunshine.database import utcnow
    from sunshine.hours.ledger.chain import GENESIS_HASH, entry_hash
    from sunshine.hours.models import (
        HoursEntry,
        Ledger,
        LedgerHead,
        LedgerKind,
        RecordSource,
        RecordStatus,
        ServiceRecord,
    )
    from sunshine.tasks.models import Shift, ShiftStatus, Task, TaskKind, TaskStatus, Visibility

    now = utcnow()
    served = {m: minutes for m, minutes in minutes_by_member.items() if minutes > 0}
    task = Task(
        area_id=area.id,
        area_path=area.path,
        kind=TaskKind.ACTIVITY,
        category_id=first_category_id(),
        title="以往服务",
        content="以往服务",
        address="社区",
        visibility=Visibility.COMMUNITY,
        contact_name="王书记",
        contact_phone="0358-7221234",
        status=TaskStatus.PUBLISHED,
    )
    db.session.add(task)
    db.session.flush()
    shift = Shift(
        task_id=task.id,
        scope_path=area.path,
        task_status=task.status,
        task_kind=task.kind,
        task_category_id=task.category_id,
        task_area_path=task.area_path,
        starts_at=now - timedelta(minutes=2),
        ends_at=now - timedelta(minutes=1),
        capacity=1,
        signup_deadline=now - timedelta(minutes=2),
        status=ShiftStatus.OPEN,
        confirmed_count=0,
    )
    db.session.add(shift)
    db.session.flush()
    members = list(served)
    record_ids = db.session.scalars(
        sa.insert(ServiceRecord).returning(ServiceRecord.id, sort_by_parameter_order=True),
        [
            {
                "member_id": m,
                "shift_id": shift.id,
                "area_id": area.id,
                "area_path": area.path,
                "activity_name": task.title,
                "service_date": now.astimezone(SHANGHAI).date(),
                "place": task.address,
                "content": task.content,
                "person_in_charge": task.contact_name,
                "rule": "clamped_quarter_hours",
                "source": RecordSource.HAND,
                "minutes": served[m],
                "credited_minutes": served[m],
                "status": RecordStatus.CONFIRMED,
                "flags": [],
                "overdue": False,
                "created_at": now,
                "updated_at": now,
            }
            for m in members
        ],
    ).all()
    entries, heads = [], []
    for m, record_id in zip(members, record_ids, strict=True):
        fields = {
            "member_id": m,
            "seq": 1,
            "record_id": record_id,
            "amount": served[m],
            "kind": LedgerKind.CONFIRM,
            "actor_id": None,
            "reason": "以往服务",
            "created_at": now,
            "prev_hash": GENESIS_HASH,
        }
        digest = entry_hash(Ledger.HOURS, **fields)
        entries.append({**fields, "hash": digest})
        heads.append(
            {
                "ledger": Ledger.HOURS,
                "member_id": m,
                "total": served[m],
                "entries": 1,
                "last_hash": digest,
                "updated_at": now,
            }
        )
    if entries:
        db.session.execute(sa.insert(HoursEntry), entries)
        db.session.execute(sa.insert(LedgerHead), heads)
    db.session.commit()
