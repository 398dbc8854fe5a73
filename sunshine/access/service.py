"""Granting and revoking roles, within the granter's own scope.

The grantee is named by account (``account_id``: what the person reads off ``/me``) or by
member registration (``member_id``: what the org department sees in its member listing).

Every role is granted and revoked under one permission (``GRANTED_UNDER``): the grid roles
under ``grid_role.manage``, which a community admin holds on its community, every other role
under ``grant.manage``; the granter's grant of it must cover the new grant's scope. A grid
liaison (网格联络员) must live in the grid, and stops being one when they leave it
(``access.grids``): docs/grids.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sunshine import clock
from sunshine.access.grids import require_lives_in
from sunshine.access.models import GRID_ROLES, SCOPE_OF_ROLE, Grant, Role
from sunshine.access.permissions import (
    EVERYWHERE,
    Actor,
    Permission,
    Place,
    authorize,
    require_somewhere,
)
from sunshine.access.refusals import Subject
from sunshine.auth.models import Account, AccountStatus
from sunshine.bodies import service as bodies
from sunshine.bodies.models import CityBody
from sunshine.errors import Conflict, Invalid, Missing, NotFound
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.members.models import MemberStatus
from sunshine.org import service as org
from sunshine.org.models import Area, WorkUnit
from sunshine.security import service as security

if TYPE_CHECKING:
    from sunshine.security.service import Origin


# What a granter must hold (covering the grant's scope) to grant or revoke each role.
GRANTED_UNDER: dict[Role, Permission] = {
    role: Permission.GRID_ROLE_MANAGE if role in GRID_ROLES else Permission.GRANT_MANAGE
    for role in Role
}
# Either lets a caller on to the grant endpoints; the role asked for then decides which.
GRANTING = (Permission.GRANT_MANAGE, Permission.GRID_ROLE_MANAGE)


def place_of_grant(grant: Grant) -> Place:
    """Where a grant's scope sits: a unit's place is its city, plus the unit itself; a
    body's, its city plus the body."""
    if grant.unit is not None:
        return Place(unit_id=grant.unit.id, unit_city_path=grant.unit.city.path)
    if grant.body is not None:
        return Place(area_path=grant.body.city.path, body_id=grant.body.id)
    if grant.area is not None:
        return Place(area_path=grant.area.path)
    return EVERYWHERE


def _scope_for(
    role: Role, area_id: int | None, unit_id: int | None, body_id: int | None = None
) -> tuple[Area | None, WorkUnit | None, CityBody | None]:
    """Check that the scope given fits the role, and load it."""
    if role == Role.MEMBER:
        raise Invalid("党员身份由注册认证产生，不能直接授予", code="grant.role_not_grantable")
    wanted = SCOPE_OF_ROLE[role]
    if wanted == "body" or body_id is not None:
        if wanted != "body" or area_id is not None or unit_id is not None or body_id is None:
            raise Invalid(
                "只有实践中心等市级机构管理员的范围是一个机构",
                code="grant.bad_scope",
                fields={"body_id": ["该角色的范围必须且只能是一个机构"]},
            )
        return None, None, bodies.get_body(body_id)
    if wanted is None:
        if area_id is not None or unit_id is not None:
            raise Invalid(
                "该角色不需要范围", code="grant.bad_scope", fields={"area_id": ["该角色不需要范围"]}
            )
        return None, None, None
    if wanted == "unit":
        if unit_id is None or area_id is not None:
            raise Invalid(
                "该角色的范围必须是一个单位",
                code="grant.bad_scope",
                fields={"unit_id": ["请指定单位"]},
            )
        return None, org.get_work_unit(unit_id), None
    if area_id is None or unit_id is not None:
        raise Invalid(
            "该角色的范围必须是一个区域", code="grant.bad_scope", fields={"area_id": ["请指定区域"]}
        )
    area = org.get_area(area_id)
    if area.level != wanted:
        raise Invalid(
            "区域层级与角色不符",
            code="grant.bad_scope",
            fields={"area_id": [f"应为{wanted}级区域"]},
        )
    return area, None, None


def _grantee(account_id: int | None, member_id: int | None) -> None:
    if (account_id is None) == (member_id is None):
        message = "请指定授权对象：account_id 与 member_id 二选一"
        raise Invalid(
            message,
            code="grant.bad_grantee",
            fields={"account_id": [message], "member_id": [message]},
        )


def _account_of_member(
    actor: Actor | None, member_id: int, origin: Origin | None, permission: Permission
) -> int:
    """The account of a verified member inside the granter's scope.

    A member outside it is refused as ``GET /members/{id}`` refuses them (404, as unknown),
    and the refusal is kept in the security log like any refused grant.
    """
    member = members.get_member(member_id)
    if actor is not None:
        authorize(
            actor,
            permission,
            members.place_of(member),
            audit={
                "action": "grant.create",
                "object_type": "member",
                "object_id": member_id,
                "origin": origin,
            },
        )
    if member.status != MemberStatus.VERIFIED:
        raise Conflict("该党员尚未通过认证，不能授权", code="grant.member_not_verified")
    return member.account_id


def create_grant(
    *,
    actor: Actor | None,
    role: Role,
    account_id: int | None = None,
    member_id: int | None = None,
    area_id: int | None = None,
    unit_id: int | None = None,
    body_id: int | None = None,
    origin: Origin | None = None,
) -> Grant:
    """Give an account a role on a scope. ``actor=None`` is the command line (bootstrap).

    The grantee is ``account_id`` or ``member_id`` (exactly one): a member must be verified
    and inside the granter's scope; the grant goes to the member's account.
    """
    if actor is not None:
        require_somewhere(actor, *GRANTING)  # before any lookup reveals ids
    _grantee(account_id, member_id)
    area, unit, body = _scope_for(role, area_id, unit_id, body_id)
    permission = GRANTED_UNDER[role]
    if member_id is not None:
        account_id = _account_of_member(actor, member_id, origin, permission)
    assert account_id is not None
    grant = Grant(role=role, area=area, unit=unit, body=body, account_id=account_id)
    grant.scope_key = (
        f"area:{area.id}"
        if area
        else f"unit:{unit.id}"
        if unit
        else f"body:{body.id}"
        if body
        else "global"
    )
    if actor is not None:
        authorize(
            actor,
            permission,
            place_of_grant(grant),
            audit={
                "action": "grant.create",
                "object_type": "account",
                "object_id": account_id,
                "origin": origin,
                "detail": {"role": role.value, "scope": grant.scope_key},
            },
        )
    if db.session.get(Account, account_id) is None:
        raise NotFound("账号不存在", code="account.not_found")
    if role == Role.GRID_LIAISON and area is not None:
        require_lives_in(area, account_id, "member_id" if member_id else "account_id")
    duplicate = db.session.scalar(
        select(Grant.id).where(
            Grant.account_id == account_id,
            Grant.role == role,
            Grant.scope_key == grant.scope_key,
            Grant.revoked_at.is_(None),
        )
    )
    if duplicate is not None:
        raise Conflict("该账号已拥有此授权", code="grant.duplicate")
    grant.granted_by_id = actor.id if actor else None
    try:
        with db.session.begin_nested():
            db.session.add(grant)
            db.session.flush()
    except IntegrityError:
        # The same grant made by a parallel request: the unique index kept the rule.
        raise Conflict("该账号已拥有此授权", code="grant.duplicate") from None
    security.record(
        action="grant.create",
        account_id=actor.id if actor else None,
        origin=origin,
        object_type="grant",
        object_id=grant.id,
        detail={"account_id": account_id, "role": role.value, "scope": grant.scope_key},
    )
    return grant


GRANT_MISSING = Missing(code="grant.not_found", message="授权不存在")


def get_grant(grant_id: int) -> Grant:
    grant = db.session.get(Grant, grant_id)
    if grant is None:
        raise GRANT_MISSING.error()
    return grant


def revoke_grant(*, actor: Actor, grant_id: int, reason: str | None, origin: Origin) -> Grant:
    """End a grant; it stops working on the holder's very next request."""
    require_somewhere(actor, *GRANTING)  # before the lookup reveals ids
    grant = get_grant(grant_id)
    authorize(
        actor,
        GRANTED_UNDER[grant.role],
        replace(place_of_grant(grant), subject=Subject("grant", grant.id, GRANT_MISSING)),
        audit={
            "action": "grant.revoke",
            "object_type": "grant",
            "object_id": grant.id,
            "origin": origin,
        },
    )
    if grant.revoked_at is not None:
        raise Conflict("该授权已撤销", code="grant.already_revoked")
    if grant.role == Role.SYS_ADMIN:
        # Only administrators who can still log in count; the rows are locked so that two
        # administrators revoking each other at the same moment cannot both succeed.
        usable = db.session.scalars(
            select(Grant.id)
            .join(Account, Grant.account_id == Account.id)
            .where(
                Grant.role == Role.SYS_ADMIN,
                Grant.revoked_at.is_(None),
                Account.status == AccountStatus.ACTIVE,
            )
            .with_for_update(of=Grant)
        ).all()
        if not set(usable) - {grant.id}:
            raise Conflict("不能撤销最后一个系统管理员", code="grant.last_sys_admin")
    grant.revoked_at, grant.revoked_by_id, grant.revoke_reason = clock.now(), actor.id, reason
    db.session.flush()
    security.record(
        action="grant.revoke",
        account_id=actor.id,
        origin=origin,
        object_type="grant",
        object_id=grant.id,
        detail={
            "account_id": grant.account_id,
            "role": grant.role.value,
            "scope": grant.scope_key,
            "reason": reason,
        },
    )
    return grant


def bootstrap_sys_admin(*, openid: str) -> Grant:
    """The command-line path to the first system administrator.

    The account is created if its owner has not logged in yet; the first login then finds it
    by openid.
    """
    account = db.session.scalar(select(Account).where(Account.openid == openid))
    if account is None:
        account = Account(openid=openid)
        db.session.add(account)
        db.session.flush()
    return create_grant(actor=None, account_id=account.id, role=Role.SYS_ADMIN)


def unit_admins(unit_ids: Sequence[int]) -> dict[int, list[int]]:
    """The accounts holding a unit admin grant in force on each of ``unit_ids``."""
    admins: dict[int, list[int]] = {unit_id: [] for unit_id in unit_ids}
    rows = db.session.execute(
        select(Grant.unit_id, Grant.account_id).where(
            Grant.role == Role.UNIT_ADMIN, Grant.unit_id.in_(unit_ids), Grant.revoked_at.is_(None)
        )
    )
    for unit_id, account_id in rows:
        if unit_id is not None:
            admins[unit_id].append(account_id)
    return admins
