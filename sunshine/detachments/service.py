"""Detachments: the organization department creates a city's detachments, names their
leaders and keeps their rosters; ``steward`` says who may act for one (its leader, or the
department).

The leader is a member, not an administrator: no grant says who leads, the detachment does
(``detachment.leader_member_id`` is the acting account's own verified member). The leader is
always a current member of the detachment: naming a leader puts them on the roster, and the
leader cannot be taken off it (name another leader first).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    can,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.detachments.models import Detachment, DetachmentMember
from sunshine.errors import Conflict, Forbidden, Invalid, Missing
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import Member, MemberStatus
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, WorkUnit
from sunshine.security import service as security
from sunshine.security.service import Origin

MANAGE = Permission.DETACHMENT_MANAGE
DETACHMENT_MISSING = Missing(code="detachment.not_found", message="支队不存在")
MEMBERSHIP_MISSING = Missing(code="detachment.member_not_found", message="该党员不是本支队成员")


def get_city(city_id: int) -> Area:
    """The city a detachment list belongs to (404 unknown, 422 not a city)."""
    return org.get_area_of_level(city_id, AreaLevel.CITY, "city_id")


def get_detachment(detachment_id: int, *, lock: bool = False) -> Detachment:
    """The detachment; ``lock`` holds its row (roster and leader changes wait for each other)."""
    query = select(Detachment).where(Detachment.id == detachment_id)
    if lock:
        query = query.with_for_update().execution_options(populate_existing=True)
    detachment = db.session.scalar(query)
    if detachment is None:
        raise DETACHMENT_MISSING.error()
    return detachment


def place_of(detachment: Detachment) -> Place:
    city = db.session.get_one(Area, detachment.city_id)
    return Place(
        area_path=city.path, subject=Subject("detachment", detachment.id, DETACHMENT_MISSING)
    )


def current_member_ids(detachment_id: int) -> list[int]:
    """The ids of the detachment's members now, in the order they joined."""
    return list(
        db.session.scalars(
            select(DetachmentMember.member_id)
            .where(
                DetachmentMember.detachment_id == detachment_id,
                DetachmentMember.left_at.is_(None),
            )
            .order_by(DetachmentMember.joined_at, DetachmentMember.id)
        )
    )


def _managed(actor: Actor, detachment_id: int, action: str, origin: Origin | None) -> Detachment:
    """The detachment, locked, for the organization department of its city (else 404)."""
    require_somewhere(actor, MANAGE)
    detachment = get_detachment(detachment_id, lock=True)
    authorize(actor, MANAGE, place_of(detachment), audit={"action": action, "origin": origin})
    return detachment


def steward(actor: Actor, detachment_id: int, *, action: str) -> Detachment:
    """The detachment, for one who may read its roster and hours and sign its members up:
    its leader (the acting account's own verified member is ``leader_member_id``) or the
    organization department of its city.

    A member of the detachment who is not its leader is refused with 403
    ``detachment.leader_only`` (they know it exists: it is on their own list); anyone else
    as for an unknown id (404 ``detachment.not_found``). Both are in the security log.
    """
    detachment = get_detachment(detachment_id)
    member = members.own_member_or_none(actor)
    is_member = member is not None and member.status == MemberStatus.VERIFIED
    if is_member and member is not None and member.id == detachment.leader_member_id:
        return detachment
    place = place_of(detachment)
    if (
        is_member
        and member is not None
        and not can(actor, MANAGE, place)
        and member.id in current_member_ids(detachment.id)
    ):
        raise Forbidden(
            "只有支队队长或组织部可以进行此操作",
            code="detachment.leader_only",
            security_event={
                "account_id": actor.id,
                "action": action,
                "outcome": "failure",
                "reason": "detachment.leader_only",
                "object_type": "detachment",
                "object_id": detachment.id,
            },
        )
    authorize(actor, MANAGE, place, audit={"action": action})
    return detachment


def city_members(city: Area, member_ids: Sequence[int], field: str) -> list[Member]:
    """The verified members of the city with these ids, in the order given: a member lives
    (is reported in) in the city or works in one of its units. Any other id is refused with
    422 ``detachment.members_invalid``, ``fields[field]`` naming each and why. A member of
    another city is answered exactly as an unknown id: by id alone, never by name."""
    wanted = list(dict.fromkeys(member_ids))
    rows = db.session.execute(
        select(Member, WorkUnit.city_id)
        .join(WorkUnit, Member.unit_id == WorkUnit.id)
        .where(Member.id.in_(wanted))
    ).all()
    found = {member.id: (member, unit_city_id) for member, unit_city_id in rows}
    problems = []
    for member_id in wanted:
        member, unit_city_id = found.get(member_id, (None, None))
        if (
            member is None
            or member.status == MemberStatus.DEACTIVATED
            or not (member.area_path.startswith(city.path) or unit_city_id == city.id)
        ):
            problems.append(f"{member_id}：不是本市的党员或不存在")
        elif member.status != MemberStatus.VERIFIED:
            problems.append(f"{member_id}（{member.name}）：党员身份尚未认证")
    if problems:
        raise Invalid(
            "以下党员不能加入支队：" + "；".join(problems[:5]),
            code="detachment.members_invalid",
            fields={field: problems},
        )
    return [found[member_id][0] for member_id in wanted]


def _check_unique(city_id: int, name: str) -> None:
    """409 when the city has a detachment of that name (under the city's row lock)."""
    if org.name_taken(city_id, name, area_column=Detachment.city_id, name_column=Detachment.name):
        raise Conflict(
            "本市已有同名的支队", code="detachment.duplicate", fields={"name": ["名称已存在"]}
        )


def _enrol(actor: Actor, detachment: Detachment, joining: Sequence[Member]) -> list[int]:
    """Put members on the (locked) detachment's roster; those on it already stay as they
    are. Returns the ids added."""
    current = set(current_member_ids(detachment.id))
    now = clock.now()
    added = list(dict.fromkeys(m.id for m in joining if m.id not in current))
    db.session.add_all(
        DetachmentMember(
            detachment_id=detachment.id, member_id=member_id, joined_at=now, added_by_id=actor.id
        )
        for member_id in added
    )
    db.session.flush()
    return added


def create_detachment(
    *,
    actor: Actor,
    city_id: int,
    name: str,
    description: str | None = None,
    leader_member_id: int | None = None,
    member_ids: Sequence[int] = (),
    origin: Origin | None = None,
) -> Detachment:
    """A detachment of the city, with its first members and its leader (who joins it)."""
    require_somewhere(actor, MANAGE)
    city = get_city(city_id)
    authorize(actor, MANAGE, Place(area_path=city.path))
    joining = city_members(city, member_ids, "member_ids")
    if leader_member_id is not None:
        joining += city_members(city, [leader_member_id], "leader_member_id")
    _check_unique(city.id, name)
    detachment = Detachment(
        city_id=city.id,
        name=name,
        description=description,
        leader_member_id=leader_member_id,
        active=True,
        created_by_id=actor.id,
    )
    db.session.add(detachment)
    db.session.flush()
    added = _enrol(actor, detachment, joining)
    security.record(
        action="detachment.create",
        account_id=actor.id,
        origin=origin,
        object_type="detachment",
        object_id=detachment.id,
        detail={"city_id": city.id, "name": name, "leader": leader_member_id, "members": added},
    )
    return detachment


def update_detachment(
    *, actor: Actor, detachment_id: int, changes: dict[str, Any], origin: Origin | None = None
) -> Detachment:
    """Rename, describe, (de)activate a detachment or name its leader (who joins it; null:
    no leader, the department alone signs up)."""
    detachment = _managed(actor, detachment_id, "detachment.update", origin)
    city = db.session.get_one(Area, detachment.city_id)
    if "name" in changes and changes["name"] != detachment.name:
        _check_unique(detachment.city_id, changes["name"])
        detachment.name = changes["name"]
    if "description" in changes:
        detachment.description = changes["description"]
    if "active" in changes:
        detachment.active = changes["active"]
    if "leader_member_id" in changes:
        leader_id = changes["leader_member_id"]
        if leader_id is not None:
            _enrol(actor, detachment, city_members(city, [leader_id], "leader_member_id"))
        detachment.leader_member_id = leader_id
    db.session.flush()
    security.record(
        action="detachment.update",
        account_id=actor.id,
        origin=origin,
        object_type="detachment",
        object_id=detachment.id,
        detail=dict(changes),
    )
    return detachment


def add_members(
    *, actor: Actor, detachment_id: int, member_ids: Sequence[int], origin: Origin | None = None
) -> Detachment:
    """Put members of the city on the roster (those already on it are left as they are)."""
    detachment = _managed(actor, detachment_id, "detachment.add_members", origin)
    city = db.session.get_one(Area, detachment.city_id)
    added = _enrol(actor, detachment, city_members(city, member_ids, "member_ids"))
    security.record(
        action="detachment.add_members",
        account_id=actor.id,
        origin=origin,
        object_type="detachment",
        object_id=detachment.id,
        detail={"members": added},
    )
    return detachment


def remove_member(
    *, actor: Actor, detachment_id: int, member_id: int, origin: Origin | None = None
) -> Detachment:
    """Take a member off the roster (the row stays, with ``left_at``). Their signups stay:
    they are the member's own to cancel, and the hours earned through the detachment keep
    counting for it. The leader cannot leave (409): name another leader first."""
    detachment = _managed(actor, detachment_id, "detachment.remove_member", origin)
    membership = db.session.scalar(
        select(DetachmentMember).where(
            DetachmentMember.detachment_id == detachment.id,
            DetachmentMember.member_id == member_id,
            DetachmentMember.left_at.is_(None),
        )
    )
    if membership is None:
        raise MEMBERSHIP_MISSING.error()
    if member_id == detachment.leader_member_id:
        raise Conflict("不能移出队长，请先另行指定队长", code="detachment.leader_cannot_leave")
    membership.left_at, membership.removed_by_id = clock.now(), actor.id
    db.session.flush()
    security.record(
        action="detachment.remove_member",
        account_id=actor.id,
        origin=origin,
        object_type="detachment",
        object_id=detachment.id,
        detail={"member_id": member_id},
    )
    return detachment
