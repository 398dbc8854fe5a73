"""Registration, verification against the roster, review and profile (deactivation:
``members.deactivation``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sunshine import clock, wechat
from sunshine.access.permissions import (
    Actor,
    OwnMember,
    Permission,
    Place,
    authorize,
    can,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.auth.models import Account
from sunshine.consent import service as consent
from sunshine.errors import Conflict, Forbidden, Invalid, Missing, NotFound
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.members.skills import active_skills
from sunshine.notify import service as notify
from sunshine.notify.events import Event
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, WorkUnit
from sunshine.reportin.models import ReportIn, ReportInStatus
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


MEMBER_MISSING = Missing(code="member.not_found", message="党员不存在")


def place_of(member: Member) -> Place:
    """Where a member sits for scope checks: their community, and their unit in its city."""
    return Place(
        area_path=member.area_path,
        unit_id=member.unit_id,
        unit_city_path=member.unit.city.path,
        subject=Subject("member", member.id, MEMBER_MISSING),
    )


def mask_phone(phone: str | None) -> str | None:
    """138****1234: enough to recognise, not enough to call."""
    if not phone:
        return phone
    return phone[:3] + "****" + phone[-4:] if len(phone) >= 8 else "****"


def visible_phone(actor: Actor, member: Member) -> str | None:
    """The member's phone as this actor may see it."""
    return phone_as_seen(actor, member.account.phone, member.account_id, place_of(member))


def phone_as_seen(actor: Actor, phone: str | None, account_id: int, place: Place) -> str | None:
    """A phone as this actor may see it: whole to its owner and to those who hold
    ``MEMBER_CONTACT`` where the member sits, else masked (a member read as columns: exports)."""
    if account_id == actor.id or can(actor, Permission.MEMBER_CONTACT, place):
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
    account.phone, account.phone_bound_at = phone, clock.now()
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
    known = actor.own_member
    if isinstance(known, OwnMember):  # read with the token: a member is never deleted
        return db.session.get(Member, known.id)
    return db.session.scalar(select(Member).where(Member.account_id == actor.id))


def _refuse_unregistered(status: str | None) -> None:
    if status is None or status == MemberStatus.DEACTIVATED:
        raise NotFound("尚未注册为党员", code="member.not_registered")


def _refuse_unverified(status: str | None) -> None:
    _refuse_unregistered(status)
    if status != MemberStatus.VERIFIED:
        raise Forbidden("党员身份尚未认证", code="member.not_verified")


def own_member(actor: Actor) -> Member:
    member = own_member_or_none(actor)
    _refuse_unregistered(None if member is None else member.status)
    assert member is not None
    return member


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
            member.reviewed_by_id, member.reviewed_at = None, clock.now()
            member.review_reason = None
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
        skills=active_skills(skill_ids),
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
        member.skills = active_skills(changes["skill_ids"])
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
        raise MEMBER_MISSING.error()
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
    member.reviewed_by_id, member.reviewed_at, member.review_reason = actor.id, clock.now(), reason
    notify.decided(
        Event.REGISTRATION_REVIEWED,
        member_id=member.id,
        approved=approve,
        reason=reason,
    )
    db.session.flush()
    return member


def verified_member_id(actor: Actor) -> int:
    """``require_verified`` without loading the member, for the busiest requests (a check-in).

    It trusts the status read with the token at the start of the request, so it is for
    requests that do not change the member's registration before asking.
    """
    known = actor.own_member
    if not isinstance(known, OwnMember):
        return require_verified(actor).id
    _refuse_unverified(known.status)
    return known.id


def require_verified(actor: Actor) -> Member:
    member = own_member(actor)
    _refuse_unverified(member.status)
    return member
