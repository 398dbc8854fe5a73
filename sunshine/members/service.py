"""Registration, verification against the roster, review, profile, own data and deactivation."""

from __future__ import annotations

import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import Select, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload, selectinload

from sunshine import wechat
from sunshine.access.permissions import (
    EVERYWHERE,
    Actor,
    Permission,
    Place,
    authorize,
    can,
    require_somewhere,
    scope_filter,
)
from sunshine.auth.models import AccountStatus, AuthToken
from sunshine.consent import service as consent
from sunshine.database import utcnow
from sunshine.errors import Conflict, Forbidden, Invalid, NotFound
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus, Skill
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, WorkUnit
from sunshine.pagination import CursorPage, cursor_page
from sunshine.roster.models import RosterEntry
from sunshine.security import service as security

IDENTITY_FIELDS = ("name", "unit_id", "party_org_id")
# PostgreSQL takes at most 65,535 bind parameters per statement.
_PHONES_PER_QUERY = 10_000


@dataclass(frozen=True)
class Availability:
    weekday_daytime: bool = False
    evenings: bool = False
    weekends: bool = False


def place_of(member: Member) -> Place:
    """Where a member sits for scope checks: their community, and their unit in its city."""
    return Place(
        area_path=member.area_path, unit_id=member.unit_id, unit_city_path=member.unit.city.path
    )


def mask_phone(phone: str | None) -> str | None:
    """138****1234: enough to recognise, not enough to call."""
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def visible_phone(actor: Actor, member: Member) -> str | None:
    """The member's phone as this actor may see it."""
    phone = member.account.phone
    if member.account_id == actor.id or can(actor, Permission.MEMBER_CONTACT, place_of(member)):
        return phone
    return mask_phone(phone)


# Phone ---------------------------------------------------------------------------------------


def bind_phone(*, actor: Actor, code: str, ip: str | None) -> str:
    """Bind the phone number WeChat vouches for (one billed call per binding).

    A registered member whose roster match breaks because of the new number goes back to
    review.
    """
    phone = wechat.get_phone_number(code)
    account = actor.account
    account.phone, account.phone_bound_at = phone, utcnow()
    security.record(
        action="phone.bind", account_id=actor.id, ip=ip, object_type="account", object_id=actor.id
    )
    member = own_member_or_none(actor)
    if member is not None:
        _rematch(member)
    db.session.flush()
    return phone


# Registration --------------------------------------------------------------------------------


def own_member_or_none(actor: Actor) -> Member | None:
    return db.session.scalar(select(Member).where(Member.account_id == actor.id))


def own_member(actor: Actor) -> Member:
    member = own_member_or_none(actor)
    if member is None or member.status == MemberStatus.DEACTIVATED:
        raise NotFound("尚未注册为党员", code="member.not_registered")
    return member


def _skills(skill_ids: Sequence[int]) -> list[Skill]:
    wanted = set(skill_ids)
    found = list(db.session.scalars(select(Skill).where(Skill.id.in_(wanted), Skill.active)))
    if len(found) != len(wanted):
        unknown = sorted(wanted - {s.id for s in found})
        raise Invalid(
            "技能不在目录中", code="skill.unknown", fields={"skill_ids": [f"未知技能：{unknown}"]}
        )
    return found


def _roster_match(member: Member) -> RosterEntry | None:
    phone = member.account.phone
    if not phone:
        return None
    return db.session.scalar(
        select(RosterEntry).where(
            RosterEntry.city_id == member.unit.city_id,
            RosterEntry.phone == phone,
            RosterEntry.name == member.name,
            RosterEntry.unit_id == member.unit.id,  # unit_id is unset until the member flushes
        )
    )


def _rematch(member: Member) -> None:
    """Verify against the roster; a broken match sends a verified member back to review."""
    entry = _roster_match(member)
    if entry is not None:
        if member.status != MemberStatus.VERIFIED or member.roster_entry_id != entry.id:
            member.status, member.roster_entry_id = MemberStatus.VERIFIED, entry.id
            member.reviewed_by_id, member.reviewed_at, member.review_reason = None, utcnow(), None
        return
    if member.status == MemberStatus.VERIFIED or member.roster_entry_id is not None:
        member.status, member.roster_entry_id = MemberStatus.PENDING, None
        member.reviewed_by_id, member.reviewed_at, member.review_reason = None, None, None


def register(
    *,
    actor: Actor,
    name: str,
    unit_id: int,
    residence_id: int,
    party_org_id: int | None = None,
    skill_ids: Sequence[int] = (),
    availability: Availability = Availability(),
) -> Member:
    """Register the account as a Party member; a roster match verifies at once."""
    consent.require_notice_accepted(actor.id)
    if not actor.account.phone:
        raise Conflict("请先授权绑定手机号", code="member.phone_required")
    existing = own_member_or_none(actor)
    if existing is not None:
        raise Conflict("已经注册过了", code="member.already_registered")
    unit = org.get_work_unit(unit_id)
    residence = org.get_area_of_level(residence_id, AreaLevel.COMMUNITY, "residence_id")
    party_org = org.get_party_org(unit, party_org_id) if party_org_id is not None else None
    member = Member(
        account=actor.account,
        name=name,
        unit=unit,
        party_org=party_org,
        residence=residence,
        area_path=residence.path,
        status=MemberStatus.PENDING,
        skills=_skills(skill_ids),
        available_weekday_daytime=availability.weekday_daytime,
        available_evenings=availability.evenings,
        available_weekends=availability.weekends,
    )
    try:
        with db.session.begin_nested():
            db.session.add(member)
            db.session.flush()
    except IntegrityError:
        # A parallel registration of the same account won (member.account_id is unique).
        raise Conflict("已经注册过了", code="member.already_registered") from None
    _rematch(member)
    db.session.flush()
    return member


def update_profile(*, actor: Actor, changes: dict[str, Any]) -> Member:
    """Change one's own profile; changing name, unit or party org re-checks the roster."""
    member = own_member(actor)
    unit = member.unit
    if "unit_id" in changes:
        unit = org.get_work_unit(changes["unit_id"])
        member.unit = unit
        if "party_org_id" not in changes and member.party_org is not None:
            changes["party_org_id"] = None
    if "party_org_id" in changes:
        po_id = changes["party_org_id"]
        member.party_org = org.get_party_org(unit, po_id) if po_id is not None else None
    if "name" in changes:
        member.name = changes["name"]
    if "residence_id" in changes:
        member.residence = org.get_area_of_level(
            changes["residence_id"], AreaLevel.COMMUNITY, "residence_id"
        )
        refresh_area_path(member)
    if "skill_ids" in changes:
        member.skills = _skills(changes["skill_ids"])
    if "availability" in changes:
        a: Availability = changes["availability"]
        member.available_weekday_daytime = a.weekday_daytime
        member.available_evenings = a.evenings
        member.available_weekends = a.weekends
    if any(field in changes for field in IDENTITY_FIELDS):
        if member.status == MemberStatus.REJECTED:  # a corrected registration asks again
            member.status = MemberStatus.PENDING
        _rematch(member)
    db.session.flush()
    return member


def refresh_area_path(member: Member) -> None:
    """Point area_path at the active report-in's community, else the pending one, else home."""
    from sunshine.reportin.models import ReportIn, ReportInStatus  # report-in builds on members

    community = db.session.scalar(
        select(Area)
        .join(ReportIn, ReportIn.community_id == Area.id)
        .where(
            ReportIn.member_id == member.id,
            ReportIn.status.in_([ReportInStatus.ACTIVE, ReportInStatus.PENDING]),
        )
        .order_by(ReportIn.status)  # "active" sorts before "pending"
        .limit(1)
    )
    member.area_path = (community or member.residence).path


def rematch_city(city_id: int, phones: set[str]) -> int:
    """After a roster import: check members whose numbers the file listed. Returns how many
    became verified.

    Pending members who now match are verified; members the roster had verified are checked
    again (their row may have changed). Members an administrator approved by hand are left
    alone: a roster row under another name is no reason to doubt that review.
    """
    from sunshine.auth.models import Account

    verified = 0
    ordered = sorted(phones)
    for start in range(0, len(ordered), _PHONES_PER_QUERY):
        chunk = ordered[start : start + _PHONES_PER_QUERY]
        candidates = db.session.scalars(
            select(Member)
            .join(Account, Member.account_id == Account.id)
            .join(WorkUnit, Member.unit_id == WorkUnit.id)
            .where(
                WorkUnit.city_id == city_id,
                Account.phone.in_(chunk),
                (Member.status == MemberStatus.PENDING)
                | ((Member.status == MemberStatus.VERIFIED) & Member.roster_entry_id.is_not(None)),
            )
        ).all()
        for member in candidates:
            before = member.status
            _rematch(member)
            verified += before != MemberStatus.VERIFIED and member.status == MemberStatus.VERIFIED
    db.session.flush()
    return verified


# Review --------------------------------------------------------------------------------------


def get_member(member_id: int) -> Member:
    member = db.session.get(Member, member_id)
    if member is None or member.status == MemberStatus.DEACTIVATED:
        raise NotFound("党员不存在", code="member.not_found")
    return member


def review(*, actor: Actor, member_id: int, approve: bool, reason: str | None) -> Member:
    """The unit admin (or the org department) approves or rejects a registration."""
    require_somewhere(actor, Permission.MEMBER_REVIEW)
    member = get_member(member_id)
    authorize(actor, Permission.MEMBER_REVIEW, place_of(member))
    if member.status != MemberStatus.PENDING:
        raise Conflict("该注册不在待审核状态", code="member.not_pending")
    if not approve and not (reason and reason.strip()):
        raise Invalid(
            "驳回时请填写原因", code="member.reason_required", fields={"reason": ["请填写原因"]}
        )
    member.status = MemberStatus.VERIFIED if approve else MemberStatus.REJECTED
    member.reviewed_by_id, member.reviewed_at, member.review_reason = actor.id, utcnow(), reason
    db.session.flush()
    return member


# Listings ------------------------------------------------------------------------------------


def query_members(
    *,
    actor: Actor,
    status: MemberStatus | None = None,
    unit_id: int | None = None,
    area_id: int | None = None,
    name: str | None = None,
    after_id: int | None = None,
) -> Select[Member]:
    """Members in the actor's scope, newest first, for cursor pagination by id."""
    require_somewhere(actor, Permission.MEMBER_LIST)
    query = (
        select(Member)
        .where(
            Member.status != MemberStatus.DEACTIVATED,
            scope_filter(
                actor, Permission.MEMBER_LIST, area_path=Member.area_path, unit_id=Member.unit_id
            ),
        )
        .order_by(Member.id.desc())
    )
    if status is not None:
        query = query.where(Member.status == status)
    if unit_id is not None:
        query = query.where(Member.unit_id == unit_id)
    if area_id is not None:
        query = query.where(
            Member.area_path.startswith(org.get_area(area_id).path, autoescape=True)
        )
    if name:
        query = query.where(Member.name == name)
    if after_id is not None:
        query = query.where(Member.id < after_id)
    return query


def member_for(actor: Actor, member_id: int) -> Member:
    """One member, if the actor may list them (or it is the actor's own record)."""
    member = get_member(member_id)
    if member.account_id != actor.id:
        authorize(actor, Permission.MEMBER_LIST, place_of(member))
    return member


# Own data and deactivation -------------------------------------------------------------------


def deactivate(*, actor: Actor, reason: str | None, ip: str | None) -> None:
    """Remove the member's personal data, keeping ledger rows attached to an anonymous record.

    The account is closed (every token revoked) and unlinked from WeChat, so a later login
    starts a new account. Consent records stay as proof of what was consented to, when.
    """
    from sunshine.reportin import service as reportin  # report-in builds on members

    account = actor.account
    member = own_member_or_none(actor)
    now = utcnow()
    if member is not None and member.status != MemberStatus.DEACTIVATED:
        reportin.end_all_for_deactivation(member)
        member.name = "已注销"
        member.skills = []
        member.party_org = None
        member.roster_entry_id = None
        member.available_weekday_daytime = member.available_evenings = False
        member.available_weekends = False
        member.status = MemberStatus.DEACTIVATED
        member.review_reason = None
    account.openid = f"deactivated:{account.id}:{secrets.token_hex(8)}"
    account.unionid = account.session_key = account.phone = None
    account.phone_bound_at = None
    account.status, account.disabled_at, account.disabled_reason = (
        AccountStatus.DISABLED,
        now,
        "本人注销",
    )
    db.session.execute(
        update(AuthToken)
        .where(AuthToken.account_id == account.id, AuthToken.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    # Token rows are housekeeping, not evidence: they keep no IP once the person has left.
    db.session.execute(update(AuthToken).where(AuthToken.account_id == account.id).values(ip=None))
    security.record(
        action="account.deactivate",
        account_id=actor.id,
        ip=ip,
        object_type="account",
        object_id=actor.id,
        detail={"reason": reason} if reason else None,
    )
    db.session.flush()


def require_verified(actor: Actor) -> Member:
    member = own_member(actor)
    if member.status != MemberStatus.VERIFIED:
        raise Forbidden("党员身份尚未认证", code="member.not_verified")
    return member


def open_report_ins(member_ids: Sequence[int]) -> dict[int, Any]:
    """Each member's current report-in: the active one, else the pending one."""
    from sunshine.reportin.models import ReportIn, ReportInStatus  # report-in builds on members

    if not member_ids:
        return {}
    current: dict[int, Any] = {}
    rows = db.session.scalars(
        select(ReportIn)
        .options(joinedload(ReportIn.community))
        .where(
            ReportIn.member_id.in_(set(member_ids)),
            ReportIn.status.in_([ReportInStatus.ACTIVE, ReportInStatus.PENDING]),
        )
    )
    for row in rows:
        if row.member_id not in current or row.status == ReportInStatus.ACTIVE:
            current[row.member_id] = row
    return current


def view(
    actor: Actor, member: Member, report_ins: Mapping[int, Any] | None = None
) -> dict[str, Any]:
    """A member as the actor may see them (phone masked unless the role needs it).

    ``report_ins`` is ``open_report_ins`` of a whole page, fetched once for the page.
    """
    if report_ins is None:
        report_ins = open_report_ins([member.id])
    report_in = report_ins.get(member.id)
    return {
        "id": member.id,
        "name": member.name,
        "phone": visible_phone(actor, member),
        "status": member.status,
        "unit": member.unit,
        "party_org": member.party_org,
        "residence": member.residence,
        "verified_by_roster": member.roster_entry_id is not None,
        "review_reason": member.review_reason,
        "reviewed_at": member.reviewed_at,
        "skills": member.skills,
        "availability": {
            "weekday_daytime": member.available_weekday_daytime,
            "evenings": member.available_evenings,
            "weekends": member.available_weekends,
        },
        "report_in": None
        if report_in is None
        else {"id": report_in.id, "status": report_in.status, "community": report_in.community},
        "created_at": member.created_at,
    }


# What a page of members shows, loaded in a few batched queries instead of several per row.
MEMBER_PAGE_LOADS = (
    selectinload(Member.account),
    selectinload(Member.unit).selectinload(WorkUnit.city),
    selectinload(Member.party_org),
    selectinload(Member.residence),
    selectinload(Member.skills),
)


def list_members(*, actor: Actor, limit: int, **filters: Any) -> CursorPage:
    query = query_members(actor=actor, **filters).options(*MEMBER_PAGE_LOADS)
    page = cursor_page(query, Member.id, limit)
    report_ins = open_report_ins([m.id for m in page.items])
    return CursorPage([view(actor, m, report_ins) for m in page.items], page.next_cursor)


def export_own_data(actor: Actor) -> dict[str, Any]:
    """Everything held about the caller (PIPL right of access and copy), as JSON."""
    from sunshine.reportin import service as reportin  # report-in builds on members
    from sunshine.security.models import SecurityEvent

    account = actor.account
    member = own_member_or_none(actor)
    events = db.session.scalars(
        select(SecurityEvent)
        .where(SecurityEvent.account_id == account.id)
        .order_by(SecurityEvent.id)
    )
    return {
        "account": account,
        "member": view(actor, member) if member is not None else None,
        "consents": consent.history(account.id),
        "report_ins": reportin.history(actor=actor) if member is not None else [],
        "security_events": list(events),
    }


# Skill catalogue -----------------------------------------------------------------------------


def list_skills(include_inactive: bool = False) -> list[Skill]:
    query = select(Skill).order_by(Skill.sort_order, Skill.id)
    if not include_inactive:
        query = query.where(Skill.active)
    return list(db.session.scalars(query))


def create_skill(*, actor: Actor, name: str) -> Skill:
    authorize(actor, Permission.CATALOGUE_MANAGE, EVERYWHERE)
    if db.session.scalar(select(Skill.id).where(Skill.name == name)):
        raise Conflict("技能已存在", code="skill.duplicate")
    last = db.session.scalar(select(Skill.sort_order).order_by(Skill.sort_order.desc()).limit(1))
    skill = Skill(name=name, active=True, sort_order=(last or 0) + 1)
    db.session.add(skill)
    db.session.flush()
    return skill


def update_skill(*, actor: Actor, skill_id: int, changes: dict[str, Any]) -> Skill:
    """Rename or (de)activate a skill; members keep deactivated skills, new picks cannot."""
    authorize(actor, Permission.CATALOGUE_MANAGE, EVERYWHERE)
    skill = db.session.get(Skill, skill_id)
    if skill is None:
        raise NotFound("技能不存在", code="skill.not_found")
    if "name" in changes and changes["name"] != skill.name:
        if db.session.scalar(select(Skill.id).where(Skill.name == changes["name"])):
            raise Conflict("技能已存在", code="skill.duplicate")
        skill.name = changes["name"]
    if "active" in changes:
        skill.active = changes["active"]
    db.session.flush()
    return skill
