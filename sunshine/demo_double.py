"""The other half of 双报到 in the demo city (issue 17): units reporting in, residents' wishes,
grids, city bodies, detachments and campaigns, on top of the city and its history.

``seed_double`` runs after ``demo_history`` and ``demo_audit`` and calls the modules that
write each part (``demo_units``, ``demo_wishes``, ``demo_teams``), all seeded: the same data
on every load. The demo accounts it adds (``DEMO_DOUBLE_ACCOUNTS``) are listed in the README.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select

from sunshine import clock
from sunshine.access.models import Role
from sunshine.access.permissions import Actor
from sunshine.consent.models import PrivacyNotice
from sunshine.demo_teams import (
    BODIES,
    seed_bodies,
    seed_campaigns,
    seed_detachments,
    seed_grids,
    tag_history,
)
from sunshine.demo_units import Admins, UnitsDemo, chosen_units, enlist, pair, seed_units
from sunshine.demo_wishes import WishesDemo, plain_account, rate, seed_wishes
from sunshine.extensions import db
from sunshine.members.models import Member, MemberStatus
from sunshine.needs.models import Need
from sunshine.org.models import Area, AreaLevel, WorkUnit

WISH_COMMUNITIES = 40  # besides the history's six
SCHOOL = "孝义市第1中学"
# openid → what the account is, for the README and the demo's summary.
DEMO_DOUBLE_ACCOUNTS = {
    "demo-unit-school": f"unit_admin of {SCHOOL} (its report-in waits for demo-community)",
    "demo-resident": "a resident (no party membership) with three wishes in the first community",
    "demo-grid": "网格员 of the first community's 第1网格 (demo-member is its 网格联络员)",
    **{openid: f"body_admin of {name}" for openid, name, _, _ in BODIES},
}


@dataclass(frozen=True)
class DoubleDemo:
    units: UnitsDemo
    wishes: WishesDemo
    members: int
    placed: int
    liaisons: int
    grid_tasks: int
    bodies: int
    body_tasks: int
    detachments: int
    detachment_members: int
    team_signups: int
    tagged: int

    def summary(self) -> str:
        u, w = self.units, self.wishes
        return (
            f"双报到: {self.members} more members registered, "
            f"{u.report_ins} unit report-ins ({u.pending} pending), "
            f"{u.projects} projects ({u.projects_done} done), {u.yearly_reports} yearly reports; "
            f"{w.submitted} residents' wishes ({w.declined} declined, {w.done} done, "
            f"{w.rated} rated); {self.placed} members placed in grids, {self.liaisons} grid "
            f"liaisons, {self.grid_tasks} grid tasks; {self.bodies} city bodies with "
            f"{self.body_tasks} tasks; {self.detachments} detachments "
            f"({self.detachment_members} places on their rosters), {self.team_signups} team "
            f"signups; {self.tagged} tasks tagged with campaigns"
        )


def seed_double(
    *,
    city: Area,
    communities: list[Area],
    units: list[WorkUnit],
    notice: PrivacyNotice,
    accounts: dict[str, int],
    demo_member: Member,
    history_communities: int,
) -> DoubleDemo:
    """Load the other half of 双报到 (see the module docstring). ``accounts``: the demo
    accounts by openid; the first ``history_communities`` communities hold the history."""
    rng = random.Random(20261206)  # noqa: S311 (demo data, nothing secret)
    first = communities[0]
    org, street = Actor(account_id=accounts["demo-org"]), Actor(account_id=accounts["demo-street"])
    by_name = {u.name: u for u in units}
    hospital, school = by_name["孝义市人民医院"], by_name[SCHOOL]
    admins = Admins(
        {
            (Role.COMMUNITY_ADMIN, first.id): accounts["demo-community"],
            (Role.UNIT_ADMIN, hospital.id): accounts["demo-unit"],
        }
    )
    admins.of(Role.UNIT_ADMIN, school, openid="demo-unit-school")
    grids = _grids(city)
    tags = seed_campaigns(org, city)

    hospital.paired_communities.append(first)
    school.paired_communities.append(first)
    pair(rng, units, communities)
    chosen = chosen_units(rng, units, [hospital, school])
    per_unit = {u.id: rng.randint(2, 5) for u in chosen}
    pool = enlist(rng, notice, communities, per_unit, extra=100)
    verified = list(
        db.session.scalars(
            select(Member).where(Member.status == MemberStatus.VERIFIED).order_by(Member.id)
        )
    )
    senders: dict[int, list[int]] = {}
    for member in verified:
        senders.setdefault(member.unit_id, []).append(member.id)

    history = communities[:history_communities]
    placed, liaisons, grid_tasks = seed_grids(
        rng, admins, history, grids, demo_member, plain_account("demo-grid"), tags
    )
    paired = [u.paired_communities[0] for u in chosen]
    others = [c for c in communities[history_communities:] if c not in paired]
    wished = list(
        dict.fromkeys(
            history + paired[:30] + rng.sample(others, min(len(others), WISH_COMMUNITIES - 30))
        )
    )
    wishes = seed_wishes(rng, admins, wished, grids, plain_account("demo-resident"), first)
    units_done = seed_units(rng, admins, chosen, senders, wishes.reserved)
    for need_id in units_done.needs_done:
        need = db.session.get_one(Need, need_id)
        assert need.closed_at is not None
        moment = need.closed_at + timedelta(hours=rng.uniform(3, 48))
        if moment < clock.now():
            rate(rng, need, moment)
            wishes.rated += 1
        wishes.done += 1

    streets = list(
        db.session.scalars(select(Area).where(Area.parent_id == city.id).order_by(Area.id))
    )
    city_wide, body_tasks = seed_bodies(org, city, streets, tags)
    detachments, enrolled, signed = seed_detachments(
        rng, org, city, verified, demo_member, city_wide
    )
    tagged = tag_history(street, tags, communities[:2])
    return DoubleDemo(
        units_done,
        wishes,
        len(pool),
        placed,
        liaisons,
        grid_tasks,
        len(BODIES),
        body_tasks,
        detachments,
        enrolled,
        signed,
        tagged,
    )


def _grids(city: Area) -> dict[int, list[Area]]:
    """Each community's grids, in order (第1网格 first)."""
    found: dict[int, list[Area]] = {}
    rows = db.session.scalars(
        select(Area)
        .where(Area.level == AreaLevel.GRID, Area.path.startswith(city.path))
        .order_by(Area.id)
    )
    for grid in rows:
        assert grid.parent_id is not None
        found.setdefault(grid.parent_id, []).append(grid)
    return found
