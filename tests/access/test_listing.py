"""scoped_page: the one scoped listing returns exactly the rows ``can`` allows, newest first, in
either of its forms (the bounded count of a mixed scope then its ids, or the single query)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import select

from sunshine.access import listing
from sunshine.access.listing import scoped_page
from sunshine.access.models import Role
from sunshine.access.permissions import Actor, Permission, active_grants, can
from sunshine.errors import Forbidden
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.members.service import place_of
from sunshine.members.views import member_query
from tests.builders import City, add_member, add_unit, grant, make_account, make_city

_phones = iter(range(13900000000, 13999999999))


def _member(unit: Any, residence: Any, **options: Any) -> int:
    return add_member(
        name="张三", phone=str(next(_phones)), unit=unit, residence=residence, **options
    )


@pytest.fixture
def cities(app: Any) -> dict[str, City]:
    """Two cities with members, and a third just onboarded (units, no members)."""
    a, b, empty = make_city(), make_city("介休市"), make_city("中阳县")
    second_unit = add_unit(a.city)
    for _ in range(3):
        _member(a.unit, a.community, verified=True)
    _member(a.unit, a.other_community)  # pending
    _member(second_unit, a.community, verified=True)
    _member(a.unit, b.community, verified=True)  # in city a by unit only
    _member(b.unit, a.community, verified=True)  # in city a by residence only
    for _ in range(2):
        _member(b.unit, b.community, verified=True)
    gone = _member(a.unit, a.community, verified=True)
    db.session.get_one(Member, gone).status = MemberStatus.DEACTIVATED
    db.session.commit()
    return {"a": a, "b": b, "empty": empty}


def _actor(*held: tuple[Role, Any]) -> Actor:
    account = make_account()
    for role, scope in held:
        grant(account, role, scope)
    return Actor(account=account, grants=active_grants(account.id))


SCOPES = {
    "org_admin of a": lambda c: [(Role.ORG_ADMIN, c["a"].city)],
    "org_admin of the empty city": lambda c: [(Role.ORG_ADMIN, c["empty"].city)],
    "org_admin of a and the empty city": lambda c: [
        (Role.ORG_ADMIN, c["a"].city),
        (Role.ORG_ADMIN, c["empty"].city),
    ],
    "org_admin of the empty city, unit_admin in b": lambda c: [
        (Role.ORG_ADMIN, c["empty"].city),
        (Role.UNIT_ADMIN, c["b"].unit),
    ],
    "unit_admin in a": lambda c: [(Role.UNIT_ADMIN, c["a"].unit)],
}

FILTERS = {
    "none": lambda c: {},
    "pending": lambda c: {"status": MemberStatus.PENDING},
    "community": lambda c: {"area_id": c["a"].community.id},
    "unit": lambda c: {"unit_id": c["a"].unit.id},
}


def _expected(actor: Actor, filters: dict[str, Any], cities: dict[str, City]) -> list[int]:
    """What the listing must show, decided row by row in Python with ``can``."""
    rows = db.session.scalars(member_query(**filters).order_by(Member.id.desc()))
    return [m.id for m in rows if can(actor, Permission.MEMBER_LIST, place_of(m))]


def _walk(actor: Actor, filters: dict[str, Any], *, count_first: bool, limit: int) -> list[int]:
    """Every page of the listing, following next_cursor."""
    seen: list[int] = []
    cursor = None
    while True:
        page = scoped_page(
            member_query(**filters),
            actor=actor,
            permission=Permission.MEMBER_LIST,
            id_column=Member.id,
            area_path=Member.area_path,
            unit_id=Member.unit_id,
            after_id=cursor,
            limit=limit,
            count_first=count_first,
        )
        seen += [m.id for m in page.items]
        if page.next_cursor is None:
            return seen
        cursor = page.next_cursor


# How the listing may read the page: the one query, or the scope counted first and then, when
# small, read by its ids; SMALL_SCOPE at 2 makes the counted scope too big, back to one query.
MODES = {"one query": (False, 1000), "counted, small": (True, 1000), "counted, too big": (True, 2)}


@pytest.mark.parametrize("scope", SCOPES, ids=str)
def test_scoped_page_lists_exactly_the_rows_can_allows_newest_first(
    cities: dict[str, City], monkeypatch: pytest.MonkeyPatch, scope: str
) -> None:
    actor = _actor(*SCOPES[scope](cities))
    for filters, make_filters in FILTERS.items():
        wanted = make_filters(cities)
        expected = _expected(actor, wanted, cities)
        for mode, (count_first, small_scope) in MODES.items():
            monkeypatch.setattr(listing, "SMALL_SCOPE", small_scope)
            for limit in (2, 100):
                walked = _walk(actor, wanted, count_first=count_first, limit=limit)
                assert walked == expected, (filters, mode, limit)


def test_the_empty_city_lists_nothing_and_the_full_city_its_members(
    cities: dict[str, City],
) -> None:
    empty = _actor((Role.ORG_ADMIN, cities["empty"].city))
    full = _actor((Role.ORG_ADMIN, cities["a"].city))

    assert _walk(empty, {}, count_first=True, limit=20) == []
    # Seven in city a by residence or unit; the deactivated one and city b's own are not.
    assert len(_walk(full, {}, count_first=True, limit=20)) == 7


def test_small_scope_ids_are_read_only_for_a_scope_of_areas_and_units(
    cities: dict[str, City],
) -> None:
    """A scope with a unit column but only unit grants keeps the single query."""
    actor = _actor((Role.UNIT_ADMIN, cities["a"].unit))
    scope = listing.scope_of(actor, Permission.MEMBER_LIST)

    assert not listing._mixes_areas_and_units(scope, Member.id, Member.area_path, Member.unit_id)


def test_scoped_page_refuses_who_may_list_nowhere(cities: dict[str, City]) -> None:
    actor = _actor((Role.COMMUNITY_ADMIN, cities["a"].community))

    with pytest.raises(Forbidden):
        scoped_page(
            select(Member),
            actor=actor,
            permission=Permission.MEMBER_LIST,
            id_column=Member.id,
            area_path=Member.area_path,
            unit_id=Member.unit_id,
            limit=20,
        )
