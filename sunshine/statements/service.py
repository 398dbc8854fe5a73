"""Issuing statements, and the public verification.

A member asks for the statement of their confirmed service over a period; it is issued at
once, in the name of the organisation that organised the records (the community, or the
street for its street-wide tasks), whose admins confirmed them: one statement per issuing
organisation when the period spans several. Asking again for the same period, while nothing
has changed, gives back the same statements. The design and its reasons: docs/statements.md.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date
from typing import TYPE_CHECKING

from flask import current_app
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.errors import Invalid, NotFound
from sunshine.extensions import db
from sunshine.hours.models import RecordStatus, ServiceRecord
from sunshine.members import service as members
from sunshine.members.models import Member
from sunshine.members.names import mask_name
from sunshine.notify import service as notify
from sunshine.org.models import Area
from sunshine.security import service as security
from sunshine.statements import codes
from sunshine.statements.models import Statement, StatementItem
from sunshine.statements.validity import Standing, revocations

if TYPE_CHECKING:
    from sunshine.security.service import Origin


@dataclass(frozen=True)
class Issued:
    statements: list[Statement]
    created: bool  # False: every one of them had been issued before


def issuer_name(area: Area) -> str:
    """The organisation's full name, from the city down: 孝义市新义街道府前社区."""
    names = []
    current: Area | None = area
    while current is not None:
        names.append(current.name)
        current = current.parent
    return "".join(reversed(names))


def _content_hash(records: list[ServiceRecord]) -> str:
    listed = sorted([r.id, r.credited_minutes] for r in records)
    return hashlib.sha256(json.dumps(listed, separators=(",", ":")).encode()).hexdigest()


def _confirmed_records(member_id: int, starts_on: date, ends_on: date) -> list[ServiceRecord]:
    return list(
        db.session.scalars(
            select(ServiceRecord)
            .where(
                ServiceRecord.member_id == member_id,
                ServiceRecord.status == RecordStatus.CONFIRMED,
                ServiceRecord.service_date.between(starts_on, ends_on),
            )
            .order_by(ServiceRecord.service_date, ServiceRecord.id)
            .options(selectinload(ServiceRecord.area).selectinload(Area.parent))
        )
    )


def _already_issued(
    member: Member, area_id: int, starts_on: date, ends_on: date, content_hash: str
) -> Statement | None:
    """An earlier statement with exactly this content whose code can still be read."""
    secret_key = current_app.config["SECRET_KEY"]
    for statement in db.session.scalars(
        select(Statement)
        .where(
            Statement.member_id == member.id,
            Statement.area_id == area_id,
            Statement.starts_on == starts_on,
            Statement.ends_on == ends_on,
            Statement.content_hash == content_hash,
        )
        .order_by(Statement.id.desc())
    ):
        if codes.unseal(statement.code_sealed, number=statement.number, secret_key=secret_key):
            return statement
    return None


def _new_statement(
    *,
    actor: Actor,
    member: Member,
    area: Area,
    records: list[ServiceRecord],
    starts_on: date,
    ends_on: date,
    content_hash: str,
    origin: Origin | None,
) -> Statement:
    today = clock.today()
    number = codes.next_number(current_app.config["STATEMENT_NUMBER_PREFIX"], today.year)
    code = codes.new_code()
    statement = Statement(
        number=number,
        member_id=member.id,
        holder_name=member.name,
        area_id=area.id,
        area_path=area.path,
        issuer_name=issuer_name(area),
        starts_on=starts_on,
        ends_on=ends_on,
        services=len(records),
        total_minutes=sum(r.credited_minutes for r in records),
        content_hash=content_hash,
        code_hash=codes.code_hash(code),
        code_sealed=codes.seal(code, number=number, secret_key=current_app.config["SECRET_KEY"]),
        requested_by_id=actor.id,
        issued_at=clock.now(),
        issued_on=today,
        items=[
            StatementItem(
                record_id=r.id,
                service_date=r.service_date,
                activity_name=r.activity_name,
                place=r.place,
                minutes=r.credited_minutes,
            )
            for r in records
        ],
    )
    db.session.add(statement)
    db.session.flush()
    security.record(
        action="statement.issue",
        account_id=actor.id,
        origin=origin,
        object_type="statement",
        object_id=statement.id,
        detail={
            "number": number,
            "member_id": member.id,
            "area_id": area.id,
            "from": starts_on.isoformat(),
            "to": ends_on.isoformat(),
            "services": statement.services,
            "total_minutes": statement.total_minutes,
        },
    )
    notify.statement_issued(statement)
    return statement


def issue(*, actor: Actor, starts_on: date, ends_on: date, origin: Origin | None = None) -> Issued:
    """The statements of the member's confirmed service from ``starts_on`` to ``ends_on``.

    One per organisation that organised (and so confirmed) records in the period, in the
    order of their first service. Only confirmed records count; a period without any is
    refused (422 ``statement.no_confirmed_service``, kept in the security log). The schema
    has already refused a period that ends before it starts or after today.
    """
    member = members.own_member(actor)
    # One request of a member at a time: a double tap gets the statements the first issued.
    # (NO KEY UPDATE: rows that merely reference the member, a signup or a record, still go.)
    db.session.scalar(
        select(Member.id).where(Member.id == member.id).with_for_update(key_share=True)
    )
    records = _confirmed_records(member.id, starts_on, ends_on)
    if not records:
        raise Invalid(
            "所选期间没有已确认的服务记录，无法出具证明",
            code="statement.no_confirmed_service",
            security_event={
                "action": "statement.issue",
                "outcome": "failure",
                "reason": "statement.no_confirmed_service",
                "account_id": actor.id,
                "object_type": "member",
                "object_id": member.id,
                "detail": {"from": starts_on.isoformat(), "to": ends_on.isoformat()},
            },
        )
    by_area: dict[int, list[ServiceRecord]] = defaultdict(list)
    for record in records:
        by_area[record.area_id].append(record)
    statements, created = [], False
    for area_records in by_area.values():
        area = area_records[0].area
        content_hash = _content_hash(area_records)
        statement = _already_issued(member, area.id, starts_on, ends_on, content_hash)
        if statement is None:
            statement = _new_statement(
                actor=actor,
                member=member,
                area=area,
                records=area_records,
                starts_on=starts_on,
                ends_on=ends_on,
                content_hash=content_hash,
                origin=origin,
            )
            created = True
        statements.append(statement)
    return Issued(statements, created)


# The public check ------------------------------------------------------------------------------


@dataclass(frozen=True)
class Verification:
    """What the public check says, and nothing more."""

    status: Standing
    holder: str  # masked: 张*明
    starts_on: date
    ends_on: date
    total_minutes: int

    @property
    def valid(self) -> bool:
        return self.status == Standing.VALID

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 2)


def verify(*, number: str, code: str, origin: Origin | None = None) -> Verification:
    """Check a number and its code: valid, or revoked (a record voided or changed since).

    An unknown number and a wrong code get the same answer (404 ``statement.not_verified``)
    after the same work (one lookup, one constant-time comparison), and both go to the
    security log with the caller's address; the route is rate-limited per address.
    """
    statement = db.session.scalar(
        select(Statement).where(Statement.number == number.strip().upper())
    )
    if not codes.matches(code, None if statement is None else statement.code_hash):
        raise NotFound(
            "证明编号或核验码不正确",
            code="statement.not_verified",
            security_event={
                "action": "statement.verify",
                "outcome": "failure",
                "reason": "statement.not_verified",
                "object_type": "statement",
                "object_id": None if statement is None else statement.id,
                "detail": {"number": number[:32]},
            },
        )
    assert statement is not None
    revoked = revocations([statement.id]).get(statement.id)
    if revoked is not None:
        # Someone holds a statement that no longer stands: its issuer may want to know.
        security.record(
            action="statement.verify",
            outcome="failure",
            reason=f"statement.{revoked.value}",
            origin=origin,
            object_type="statement",
            object_id=statement.id,
            detail={"number": statement.number},
        )
    return Verification(
        status=Standing.VALID if revoked is None else Standing.REVOKED,
        holder=mask_name(statement.holder_name),
        starts_on=statement.starts_on,
        ends_on=statement.ends_on,
        total_minutes=statement.total_minutes,
    )
