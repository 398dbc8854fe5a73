"""covers(), can() and scope_filter(): one scope rule, asked in Python and in SQL."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from sunshine.access.models import Grant, Role
from sunshine.access.permissions import (
    EVERYWHERE,
    POLICY,
    Actor,
    Permission,
    Place,
    can,
    covers,
    scope_filter,
)
from sunshine.database import utcnow
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, WorkUnit
from tests.builders import City, grant, make_account

ROLE_OF_SCOPE = {
    "global": Role.SYS_ADMIN,
    "city": Role.ORG_ADMIN,
    "street": Role.STREET_ADMIN,
    "community": Role.COMMUNITY_ADMIN,
    "unit": Role.UNIT_ADMIN,
}

# What a grant on each scope of "our" city covers; nothing of the other city but globally.
COVERED = {
    "community": {"community", "grid"},
    "street": {"street", "community", "grid", "other_community", "lookalike"},
    "city": {"city", "street", "community", "grid", "other_community", "lookalike", "unit"},
    "unit": {"unit"},
}


@pytest.fixture
def grid(city: City) -> Area:
    made = org.create_area(name="一网格", level=AreaLevel.GRID, parent=city.community)
    db.session.commit()
    return made


@pytest.fixture
def places(city: City, other_city: City, grid: Area) -> dict[str, Place]:
    return {
        "city": Place(area_path=city.city.path),
        "street": Place(area_path=city.street.path),
        "community": Place(area_path=city.community.path),
        "grid": Place(area_path=grid.path),
        "other_community": Place(area_path=city.other_community.path),
        # Shares the community's path as a string prefix but is not inside it ("/1/2/3/" and
        # "/1/2/30/"): containment is by whole path segment.
        "lookalike": Place(area_path=city.community.path.rstrip("/") + "0/"),
        "unit": Place(area_path=city.city.path, unit_id=city.unit.id),
        "unit_city_only": Place(area_path=None, unit_id=city.unit.id),
        "elsewhere_city": Place(area_path=other_city.city.path),
        "elsewhere_community": Place(area_path=other_city.community.path),
        "elsewhere_unit": Place(area_path=other_city.city.path, unit_id=other_city.unit.id),
        "everywhere": EVERYWHERE,
    }


def held(city: City, scope: str) -> Grant:
    place = None if scope == "global" else getattr(city, scope)
    return grant(make_account(), ROLE_OF_SCOPE[scope], place)


def actor_with(*grants: Grant) -> Actor:
    return Actor(account=grants[0].account, grants=list(grants))


@pytest.mark.parametrize("scope", ["community", "street", "city", "unit"])
def test_a_scoped_grant_covers_exactly_the_places_inside_its_scope(
    city: City, places: dict[str, Place], scope: str
) -> None:
    expected = set(COVERED[scope])
    if scope == "unit":
        expected.add("unit_city_only")  # a unit grant looks at the unit only

    covered = {name for name, place in places.items() if covers(held(city, scope), place)}

    assert covered == expected


def test_a_global_grant_covers_every_place(city: City, places: dict[str, Place]) -> None:
    global_grant = held(city, "global")

    assert all(covers(global_grant, place) for place in places.values())


@pytest.mark.parametrize("scope", ["community", "street", "city", "unit"])
def test_only_a_global_grant_covers_everywhere(city: City, scope: str) -> None:
    assert not covers(held(city, scope), EVERYWHERE)


def test_a_community_grant_does_not_cover_the_areas_above_it(city: City) -> None:
    community_grant = held(city, "community")

    assert not covers(community_grant, Place(area_path=city.street.path))
    assert not covers(community_grant, Place(area_path=city.city.path))


@pytest.mark.parametrize(
    ("scope", "permission", "allowed"),
    [
        ("global", Permission.GRANT_MANAGE, True),
        ("global", Permission.ACCOUNT_MANAGE, True),
        ("global", Permission.SECURITY_LOG_READ, True),
        ("city", Permission.GRANT_MANAGE, True),
        ("city", Permission.ACCOUNT_MANAGE, False),
        ("city", Permission.SECURITY_LOG_READ, False),
        ("street", Permission.GRANT_MANAGE, False),
        ("community", Permission.GRANT_MANAGE, False),
        ("unit", Permission.GRANT_MANAGE, False),
    ],
)
def test_can_needs_a_role_the_policy_lists_for_the_permission(
    city: City, scope: str, permission: Permission, allowed: bool
) -> None:
    """Asked at the grant's own scope, so only the policy table can say no."""
    own_grant = held(city, scope)
    if scope == "global":
        place = EVERYWHERE
    elif scope == "unit":
        place = Place(area_path=city.city.path, unit_id=city.unit.id)
    else:
        place = Place(area_path=getattr(city, scope).path)

    assert can(actor_with(own_grant), permission, place) is allowed


def test_a_revoked_grant_allows_nothing(city: City) -> None:
    revoked = held(city, "city")
    revoked.revoked_at = utcnow()
    actor = actor_with(revoked)

    assert not can(actor, Permission.GRANT_MANAGE, Place(area_path=city.community.path))
    rows = select(Area.id).where(scope_filter(actor, Permission.GRANT_MANAGE, area_path=Area.path))
    assert db.session.scalars(rows).all() == []


def test_an_actor_without_grants_can_do_nothing(city: City) -> None:
    actor = Actor(account=make_account())

    assert not can(actor, Permission.GRANT_MANAGE, Place(area_path=city.community.path))
    rows = select(Area.id).where(scope_filter(actor, Permission.GRANT_MANAGE, area_path=Area.path))
    assert db.session.scalars(rows).all() == []


@pytest.fixture
def every_role_manages_grants(monkeypatch: pytest.MonkeyPatch) -> Permission:
    """Let every role hold one permission, so the scope rule is tested apart from the policy."""
    monkeypatch.setitem(POLICY, Permission.GRANT_MANAGE, frozenset(Role))
    return Permission.GRANT_MANAGE


@pytest.mark.parametrize(
    "scopes",
    [("global",), ("city",), ("street",), ("community",), ("unit",), ("community", "unit")],
    ids="+".join,
)
def test_scope_filter_selects_exactly_the_rows_can_allows(
    city: City,
    other_city: City,
    grid: Area,
    every_role_manages_grants: Permission,
    scopes: tuple[str, ...],
) -> None:
    permission = every_role_manages_grants
    actor = actor_with(*(held(city, scope) for scope in scopes))
    areas = list(db.session.scalars(select(Area)))
    units = list(db.session.scalars(select(WorkUnit)))
    assert (len(areas), len(units)) == (9, 2)  # two cities of four areas, plus the grid

    area_rows = select(Area.id).where(scope_filter(actor, permission, area_path=Area.path))
    unit_rows = (
        select(WorkUnit.id)
        .join(Area, WorkUnit.city_id == Area.id)
        .where(scope_filter(actor, permission, area_path=Area.path, unit_id=WorkUnit.id))
    )

    allowed_areas = {
        area.id for area in areas if can(actor, permission, Place(area_path=area.path))
    }
    allowed_units = {
        unit.id
        for unit in units
        if can(actor, permission, Place(area_path=unit.city.path, unit_id=unit.id))
    }
    assert allowed_areas or allowed_units  # every case allows something: no vacuous pass
    assert set(db.session.scalars(area_rows)) == allowed_areas
    assert set(db.session.scalars(unit_rows)) == allowed_units
