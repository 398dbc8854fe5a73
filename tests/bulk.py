"""Thousands of members and their service history at once, for the call-up scale tests.

One multi-row INSERT per table, committed: well under a second where the ORM would take
minutes.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from sunshine.auth.models import Account
from sunshine.extensions import db
from sunshine.org.models import Area, WorkUnit
from tests.builders import first_category_id


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
    from sunshine.hours.ledger.seal import head_seal
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
                "seal": head_seal(
                    Ledger.HOURS, member_id=m, entries=1, total=served[m], last_hash=digest
                ),
                "updated_at": now,
            }
        )
    if entries:
        db.session.execute(sa.insert(HoursEntry), entries)
        db.session.execute(sa.insert(LedgerHead), heads)
    db.session.commit()
