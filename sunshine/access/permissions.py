"""The one way a service asks "may this actor do X on this object".

A service describes *where* an object sits as a ``Place`` (its area path, work unit, city body)
and calls ``authorize(actor, Permission.X, place)``. The ``POLICY`` table says which roles
hold each permission; a grant of such a role allows the action when its scope covers the
place. Listings use ``scope_filter`` to turn the same rule into a SQL condition, so scope
checks are never written by hand twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

# The actor is at home in access.actor; services import it from here with the rules.
from sunshine.access.actor import UNREAD as UNREAD
from sunshine.access.actor import Actor as Actor
from sunshine.access.actor import OwnMember as OwnMember
from sunshine.access.actor import active_grants as active_grants
from sunshine.access.models import Grant

# The table lives in access.policy; services import it from here with the rules.
from sunshine.access.policy import POLICY as POLICY
from sunshine.access.policy import Permission as Permission
from sunshine.access.refusals import Subject, refusal
from sunshine.org.models import Area, WorkUnit


@dataclass(frozen=True)
class Place:
    """Where an object sits: an area path, a work unit with its city's path, a city body.

    An area grant covers the place when the area path, or the unit's city path, lies inside
    the grant's area; a unit (body) grant when the unit (body) is the grant's; a global grant
    always. An empty place (``EVERYWHERE``) is covered only by a global grant.

    ``subject`` names the object whose place it is: a refusal then answers the object's
    unknown-id 404 rather than 403 (``access.refusals``).
    """

    area_path: str | None = None
    unit_id: int | None = None
    unit_city_path: str | None = None
    body_id: int | None = None
    subject: Subject | None = field(default=None, compare=False)


EVERYWHERE = Place()


def covers(grant: Grant, place: Place) -> bool:
    """Whether a grant's scope includes the place."""
    if grant.is_global:
        return True
    if grant.unit_id is not None:
        return place.unit_id == grant.unit_id
    if grant.body_id is not None:
        return place.body_id == grant.body_id
    area = grant.area
    if area is None:
        return False
    return any(
        path is not None and area.contains(path) for path in (place.area_path, place.unit_city_path)
    )


def _grants_for(actor: Actor, permission: Permission) -> list[Grant]:
    roles = POLICY[permission]
    return [g for g in actor.grants if g.role in roles and g.is_active]


def can(actor: Actor, permission: Permission, place: Place) -> bool:
    return any(covers(g, place) for g in _grants_for(actor, permission))


def authorize(
    actor: Actor,
    permission: Permission,
    place: Place,
    *,
    audit: Mapping[str, Any] | None = None,
) -> None:
    """Refuse unless one of the actor's grants allows ``permission`` at ``place``.

    Every refusal is a security-log entry, kept although the request is rolled back
    (``access.refusals``): 404 as for an unknown id when the place names its object
    (``place.subject``), 403 ``auth.forbidden`` otherwise. ``audit`` (keyword arguments of
    ``security.service.record``) overrides the entry's action, object or detail.
    """
    grants = _grants_for(actor, permission)
    if any(covers(g, place) for g in grants):
        return
    raise refusal(actor.id, [permission], place.subject, bool(grants), audit)


def _nested(a: str, b: str) -> bool:
    """Whether one of two area paths lies inside the other (or they are the same)."""
    return a.startswith(b) or b.startswith(a)


def reaches(grant: Grant, place: Place) -> bool:
    """Whether a grant's scope and the place overlap: the grant covers the place, or lies
    inside it (a street admin reaches its city; a unit admin the city of its unit, and any
    area of that city, where the unit's members may live).

    A place that names a work unit is reached by an area grant nested with the unit's city,
    and by a unit grant only on that unit; a body grant reaches only its body's places.
    """
    if grant.is_global:
        return True
    if grant.body_id is not None:
        return place.body_id == grant.body_id
    if grant.unit is not None:
        if place.unit_id is not None:
            return place.unit_id == grant.unit_id
        return place.area_path is not None and _nested(grant.unit.city.path, place.area_path)
    if grant.area is None:
        return False
    return any(
        path is not None and _nested(grant.area.path, path)
        for path in (place.area_path, place.unit_city_path)
    )


def can_reach(actor: Actor, permission: Permission, place: Place) -> bool:
    """Whether a grant of ``permission`` lies inside the place or covers it."""
    return any(reaches(grant, place) for grant in _grants_for(actor, permission))


def require_reach(actor: Actor, permission: Permission, place: Place) -> None:
    """Raise ``Forbidden`` unless a grant of ``permission`` lies inside the place or covers it:
    readers of a whole area (a city's rules, its figures) then see the part their scope covers."""
    grants = _grants_for(actor, permission)
    if not any(reaches(grant, place) for grant in grants):
        raise refusal(actor.id, [permission], place.subject, bool(grants))


def can_somewhere(actor: Actor, permission: Permission) -> bool:
    """Whether the actor holds the permission on some scope."""
    return bool(_grants_for(actor, permission))


# Separation of duties: when the member whose service it is stands too close to confirming it.
# Automatic approval (decider None) and every decision by a person ask ``conflicted``.


def conflicted(decider: Actor | None, owner: Actor, place: Place, *, held_code: bool) -> bool:
    """Whether ``decider`` may not decide on a record of ``owner`` at ``place``.

    A person never decides on their own record. The system (automatic approval) never
    confirms the record of a member who could have vouched for themself: who holds
    ``hours.confirm`` covering the place (an admin of the community or the street above), or
    ``held_code`` (punched with the shift's rotating code in hand). Such a record waits for
    another holder of ``hours.confirm`` covering the place.
    """
    if decider is None:
        return held_code or can(owner, Permission.HOURS_CONFIRM, place)
    return decider.id == owner.id


def require_somewhere(
    actor: Actor, permission: Permission, *others: Permission, action: str | None = None
) -> None:
    """Raise ``Forbidden`` unless the actor holds the permission (or one of ``others``) on
    some scope; ``action`` names the refusal in the security log (else the permission).

    Listings call this first and then narrow their rows with ``scope_filter``: a caller who
    may never see such rows is refused (403, logged), not shown an empty list.
    """
    wanted = (permission, *others)
    if not any(_grants_for(actor, p) for p in wanted):
        raise refusal(actor.id, wanted, None, False, {"action": action} if action else None)


@dataclass(frozen=True)
class Scope:
    """What an actor's grants of one permission cover, as listings filter by it.

    ``everywhere`` for a global grant; otherwise the area paths of the area grants (rows in
    those areas, or in a work unit whose city lies inside one), the unit and body grants' ids.
    """

    everywhere: bool = False
    area_prefixes: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] = ()
    body_ids: tuple[int, ...] = ()


def scope_of(actor: Actor, permission: Permission) -> Scope:
    """The scope the actor's grants of ``permission`` cover (empty when none does)."""
    prefixes: list[str] = []
    unit_ids: list[int] = []
    body_ids: list[int] = []
    for grant in _grants_for(actor, permission):
        if grant.is_global:
            return Scope(everywhere=True)
        if grant.unit_id is not None:
            unit_ids.append(grant.unit_id)
        elif grant.body_id is not None:
            body_ids.append(grant.body_id)
        elif grant.area is not None:
            prefixes.append(grant.area.path)
    return Scope(area_prefixes=tuple(prefixes), unit_ids=tuple(unit_ids), body_ids=tuple(body_ids))


def scope_within(actor: Actor, permission: Permission, area_path: str) -> Scope:
    """The actor's scope of ``permission`` over the rows placed inside the area ``area_path``.

    An area grant covering the area becomes the area itself, one inside it stays, others
    drop; a unit grant stays when its unit's city and the area are nested. Never
    ``everywhere``: a global grant becomes the area. Rows placed in a city are then covered
    exactly by their area path or their unit: the "unit of a city inside the grant's area"
    branch of ``scope_filter`` adds nothing there (cities are the roots of the tree).
    """
    prefixes: set[str] = set()
    unit_ids: set[int] = set()
    for grant in _grants_for(actor, permission):
        if grant.is_global or (grant.area is not None and area_path.startswith(grant.area.path)):
            prefixes.add(area_path)
        elif grant.area is not None and grant.area.path.startswith(area_path):
            prefixes.add(grant.area.path)
        elif grant.unit is not None and _nested(grant.unit.city.path, area_path):
            unit_ids.add(grant.unit.id)
    outermost = {p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)}
    return Scope(area_prefixes=tuple(sorted(outermost)), unit_ids=tuple(sorted(unit_ids)))


def _units_inside(prefix: str) -> Select[int]:
    """The ids of the work units whose city lies inside the area of path ``prefix``."""
    return (
        select(WorkUnit.id)
        .join(Area, WorkUnit.city_id == Area.id)
        .where(Area.path.startswith(prefix, autoescape=True))
    )


def scope_filter(
    actor: Actor,
    permission: Permission,
    *,
    area_path: ColumnElement[Any] | InstrumentedAttribute[Any] | None = None,
    unit_id: ColumnElement[Any] | InstrumentedAttribute[Any] | None = None,
    body_id: ColumnElement[Any] | InstrumentedAttribute[Any] | None = None,
) -> ColumnElement[bool]:
    """A SQL condition selecting exactly the rows whose place the actor's grants cover.

    ``area_path`` is the row's area path column, ``unit_id`` its work-unit column, ``body_id``
    its city-body column; an area grant matches a unit whose city lies inside the area, as
    ``covers`` does. Listings go through ``access.listing``, which adds it (or, for a small
    mixed scope on PostgreSQL, the ids it covers).
    """
    scope = scope_of(actor, permission)
    if scope.everywhere:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if unit_id is not None:
        clauses += [unit_id == grant_unit for grant_unit in scope.unit_ids]
    if body_id is not None:
        clauses += [body_id == grant_body for grant_body in scope.body_ids]
    for prefix in scope.area_prefixes:
        if area_path is not None:
            clauses.append(area_path.startswith(prefix, autoescape=True))
        if unit_id is not None:
            clauses.append(unit_id.in_(_units_inside(prefix)))
    return or_(*clauses) if clauses else false()
