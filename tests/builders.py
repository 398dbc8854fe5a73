"""Rows for tests, written straight to the tables (or through a service), committed.

Quicker than the API and writing no security events. What goes through the API as the
mini-program or the console would is in ``tests.steps``; thousands of rows at once for the
scale tests in ``tests.bulk``.
"""

from __future__ import annotations

import csv
import io
import itertools
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

import openpyxl
from sqlalchemy import func, select

from sunshine.access import service as access
from sunshine.access.models import Grant, Role
from sunshine.auth.models import Account
from sunshine.bodies.models import BodyKind, CityBody
from sunshine.database import Base
from sunshine.extensions import db
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


def add_body(
    city: Area, name: str | None = None, kind: BodyKind = BodyKind.PRACTICE_CENTRE
) -> CityBody:
    """A city body (新时代文明实践中心 by default), written straight to the table."""
    body = CityBody(city_id=city.id, name=name or f"新时代文明实践中心{next(_seq)}", kind=kind)
    db.session.add(body)
    db.session.commit()
    return body


def add_area(parent: Area, level: AreaLevel, name: str | None = None) -> Area:
    """A street, community or grid under ``parent``."""
    area = org.create_area(name=name or f"{level.value}{next(_seq)}", level=level, parent=parent)
    db.session.commit()
    return area


def add_unit(city: Area, name: str | None = None) -> WorkUnit:
    unit = org.create_work_unit(name=name or f"孝义市第{next(_seq)}中学", city=city)
    db.session.commit()
    return unit


def make_party_org(
    unit: WorkUnit, name: str, kind: str = "branch", parent: PartyOrg | None = None
) -> PartyOrg:
    """A party organisation of the unit (党委 committee, 党总支 general_branch, 党支部 branch)."""
    org = PartyOrg(unit_id=unit.id, name=name, kind=PartyOrgKind(kind), parent=parent)
    db.session.add(org)
    db.session.commit()
    return org


def add_roster(city: Area, unit: WorkUnit, name: str, phone: str) -> None:
    from sunshine.roster.models import RosterEntry

    db.session.add(RosterEntry(city_id=city.id, unit_id=unit.id, name=name, phone=phone))
    db.session.commit()


def make_account(openid: str | None = None) -> Account:
    account = Account(openid=openid or f"o-test-{next(_seq)}")
    db.session.add(account)
    db.session.commit()
    return account


def grant(account: Account, role: Role, scope: Area | WorkUnit | CityBody | None = None) -> Grant:
    area_id = scope.id if isinstance(scope, Area) else None
    unit_id = scope.id if isinstance(scope, WorkUnit) else None
    body_id = scope.id if isinstance(scope, CityBody) else None
    made = access.create_grant(
        actor=None,
        account_id=account.id,
        role=role,
        area_id=area_id,
        unit_id=unit_id,
        body_id=body_id,
    )
    db.session.commit()
    return made


def add_secretary(place: City) -> int:
    """A community admin of ``place.community`` written straight to the tables (a grant
    through the API logs a security event): the account id."""
    account = Account(openid=f"o-secretary-{next(_seq)}")
    db.session.add(account)
    db.session.flush()
    db.session.add(
        Grant(
            account_id=account.id,
            role=Role.COMMUNITY_ADMIN,
            area_id=place.community.id,
            scope_key=f"area:{place.community.id}",
        )
    )
    db.session.commit()
    return account.id


def auth(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


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


def publish_notice(version: str = "2026.1") -> str:
    """A published privacy notice; returns its version."""
    from sunshine.consent.models import PrivacyNotice

    db.session.add(PrivacyNotice(version=version, title="隐私政策", content="……"))
    db.session.commit()
    return version


def add_skill(name: str | None = None, *, active: bool = True) -> int:
    """A catalogue skill; returns its id."""
    from sunshine.members.models import Skill

    skill = Skill(name=name or f"技能{next(_seq)}", active=active, sort_order=next(_seq))
    db.session.add(skill)
    db.session.commit()
    return skill.id


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


def member_id_of(account_id: int) -> int:
    from sunshine.members.models import Member

    member_id = db.session.scalar(select(Member.id).where(Member.account_id == account_id))
    assert member_id is not None
    return member_id


def first_category_id() -> int:
    """An active category of the catalogue the migration seeds.

    Ends the read's transaction: in a race test (``race_app``) on SQLite it would hold the
    write lock and keep every request waiting.
    """
    from sunshine.tasks.models import TaskCategory

    category_id = db.session.scalar(
        select(TaskCategory.id).where(TaskCategory.active).order_by(TaskCategory.id).limit(1)
    )
    db.session.commit()
    assert category_id is not None
    return category_id


def set_shift_times(shift_id: int, **times: Any) -> None:
    """Move a shift's times in the table (the API refuses times in the past)."""
    import sqlalchemy as sa

    from sunshine.tasks.models import Shift

    db.session.execute(sa.update(Shift).where(Shift.id == shift_id).values(**times))
    db.session.commit()


def add_shifts(task_id: int, n: int) -> list[int]:
    """``n`` more open shifts of a task written straight to the table, a day apart: ids."""
    from sunshine.tasks.models import Shift, ShiftStatus, Task

    task = db.session.get(Task, task_id)
    assert task is not None
    last = max((s.starts_at for s in task.shifts), default=None)
    from sunshine.database import utcnow

    start = (last or utcnow()) + timedelta(days=1)
    shifts = [
        Shift(
            task=task,  # what it carries of the task is filled in on insert (tasks.models)
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
        body_id=task.body_id,
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


def shanghai_day(days_ahead: int) -> Any:
    """The Asia/Shanghai date ``days_ahead`` days from today."""
    from sunshine.clock import SHANGHAI
    from sunshine.database import utcnow

    return (utcnow().astimezone(SHANGHAI) + timedelta(days=days_ahead)).date()


def count(model: type[Base]) -> int:
    """Rows of a table as the database holds them."""
    return db.session.scalar(select(func.count()).select_from(model)) or 0


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


def image_bytes(kind: str = "PNG", size: tuple[int, int] = (8, 8)) -> bytes:
    """A small real image (PNG, JPEG or WEBP), as a phone would upload one."""
    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", size, (200, 120, 40)).save(out, format=kind)
    return out.getvalue()
