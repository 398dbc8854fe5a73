"""City bodies: the organization department keeps a city's bodies (实践中心、实践所/站、部门、
学雷锋岗) and names their admins (``POST /grants`` with ``role=body_admin, body_id``); a body's
admins post its tasks (``post_task``: ``tasks.service.create_task`` with the body), which the
tasks' own routes then manage under the one rule (``tasks.service.place_of`` names the body).
"""

from __future__ import annotations

from typing import Any

from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.bodies.models import BodyKind, CityBody
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.security import service as security
from sunshine.security.service import Origin
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Task

MANAGE = Permission.BODY_MANAGE
BODY_MISSING = Missing(code="body.not_found", message="机构不存在")


def get_body(body_id: int) -> CityBody:
    body = db.session.get(CityBody, body_id)
    if body is None:
        raise BODY_MISSING.error()
    return body


def place_of(body: CityBody) -> Place:
    """A body sits in its city; grants on the body cover it too. A refusal answers 404."""
    return Place(
        area_path=body.city.path,
        body_id=body.id,
        subject=Subject("city_body", body.id, BODY_MISSING),
    )


def get_city(city_id: int) -> Area:
    """The city a body list belongs to (404 unknown, 422 not a city)."""
    return org.get_area_of_level(city_id, AreaLevel.CITY, "city_id")


def _check_unique(city_id: int, name: str) -> None:
    """409 when the city has a body of that name (under the city's row lock)."""
    if org.name_taken(city_id, name, area_column=CityBody.city_id, name_column=CityBody.name):
        raise Conflict("本市已有同名机构", code="body.duplicate", fields={"name": ["名称已存在"]})


def _parent(city_id: int, parent_id: int | None, body_id: int | None = None) -> int | None:
    """A parent body of the same city, never the body itself nor one under it (422). The
    city's row lock serialises two changes of parent, so two crossed ones make no cycle."""
    if parent_id is None:
        return None
    org.lock_area(city_id)
    parent = db.session.get(CityBody, parent_id, populate_existing=True)
    seen: set[int] = set()
    above = parent
    while above is not None and above.id not in seen:
        if above.id == body_id:
            break
        seen.add(above.id)
        above = (
            db.session.get(CityBody, above.parent_id, populate_existing=True)
            if above.parent_id
            else None
        )
    if parent is None or parent.city_id != city_id or above is not None:
        message = "上级机构不存在、不属于本市，或在本机构之下"
        raise Invalid(message, code="body.bad_parent", fields={"parent_id": [message]})
    return parent.id


def create_body(
    *,
    actor: Actor,
    city_id: int,
    name: str,
    kind: BodyKind,
    parent_id: int | None = None,
    origin: Origin | None = None,
) -> CityBody:
    """Add a body to the city (names are unique in a city)."""
    require_somewhere(actor, MANAGE)
    city = get_city(city_id)
    authorize(actor, MANAGE, Place(area_path=city.path))
    parent = _parent(city.id, parent_id)
    _check_unique(city.id, name)
    body = CityBody(city=city, name=name, kind=kind, parent_id=parent, created_by_id=actor.id)
    db.session.add(body)
    db.session.flush()
    security.record(
        action="body.create",
        account_id=actor.id,
        origin=origin,
        object_type="city_body",
        object_id=body.id,
        detail={"city_id": city.id, "name": name, "kind": kind.value, "parent_id": parent},
    )
    return body


def update_body(
    *, actor: Actor, body_id: int, changes: dict[str, Any], origin: Origin | None = None
) -> CityBody:
    """Rename a body, change its kind or its parent (``parent_id`` null: none)."""
    require_somewhere(actor, MANAGE)
    body = get_body(body_id)
    authorize(actor, MANAGE, place_of(body))
    if "parent_id" in changes:
        body.parent_id = _parent(body.city_id, changes["parent_id"], body.id)
    if "name" in changes and changes["name"] != body.name:
        _check_unique(body.city_id, changes["name"])
        body.name = changes["name"]
    if "kind" in changes:
        body.kind = changes["kind"]
    db.session.flush()
    security.record(
        action="body.update",
        account_id=actor.id,
        origin=origin,
        object_type="city_body",
        object_id=body.id,
        detail={k: getattr(v, "value", v) for k, v in changes.items()},
    )
    return body


def managed_body(actor: Actor, body_id: int) -> CityBody:
    """A body whose tasks the actor manages: its admins, the city's organization department
    (others of the permission: 404 as unknown; without it: 403)."""
    require_somewhere(actor, Permission.TASK_MANAGE)
    body = get_body(body_id)
    authorize(actor, Permission.TASK_MANAGE, place_of(body))
    return body


def post_task(*, actor: Actor, body_id: int, **fields: Any) -> Task:
    """Post a task of the body (a draft until published): it sits in the body's city, visible
    to the whole city or to chosen streets of it (``visibility``, ``street_ids``)."""
    body = managed_body(actor, body_id)
    return tasks.create_task(actor=actor, area_id=body.city_id, body=body, **fields)
