"""Work units ranked by their members' compliance in a period, for oversight.

Not a second computation: the figures are ``GET /periods/{id}/compliance?by=unit``'s
(``audit.compliance.aggregate``, with the compliance pages' own selection and scope), ranked
here by the share of members who met the requirement. A street admin ranks the units by their
members placed in the street; the org department by their members in the city (or a street).
"""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

from sunshine.access.permissions import Actor, Permission, Place, require_reach, require_somewhere
from sunshine.api import Shown
from sunshine.audit.compliance import Group, GroupBy, aggregate
from sunshine.audit.selection import Filters
from sunshine.honour_roll.views import get_period


@dataclass(frozen=True)
class UnitBoard:
    period_id: int
    total: int  # units ranked (the items are the first ``limit``)
    items: list[Shown]  # a compliance ``Group`` with its ``rank``


def _rate(group: Group) -> Fraction:
    """The exact share of compliant members (the page's rate is rounded: ties must not be)."""
    return Fraction(group.compliant, group.members) if group.members else Fraction(-1)


def units(*, actor: Actor, period_id: int, limit: int, street_id: int | None = None) -> UnitBoard:
    """Units by compliance rate, best first; equal rates share a rank (1-2-2-4), shown in id
    order."""
    require_somewhere(actor, Permission.RANKING_UNITS)
    _, city = get_period(period_id)
    require_reach(actor, Permission.RANKING_UNITS, Place(area_path=city.path))
    figures = aggregate(
        actor=actor, period_id=period_id, by=GroupBy.UNIT, filters=Filters(street_id=street_id)
    )
    groups = sorted(figures.groups, key=lambda g: (-_rate(g), g.id or 0))
    items: list[Shown] = []
    rank, previous = 0, None
    for position, group in enumerate(groups, start=1):
        if _rate(group) != previous:
            rank, previous = position, _rate(group)
        if position <= limit:
            items.append(Shown(group, rank=rank))
    return UnitBoard(period_id=period_id, total=len(groups), items=items)
