"""Demo data of 单位报到 (docs/units.md): the demo city's work units report in to communities.

Every unit is paired with a community (结对共建, as the org department's import would pair it);
about a third report in to it: a few still waiting for the community, most admitted, with a
co-building agreement and its resources list, projects (some done with the members the unit
sent, some in progress, one or two taking up a resident's wish) and, for those admitted before
last year ended, last year's yearly report. Also here: the demo's administrators of the many
communities and units this needs (``Admins``) and the members the units send (``enlist``).

Everything goes through the services with the clock moved to when each step happened
(``demo_history.then``), so statuses, times and notifications are what production would hold.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from sunshine import clock
from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.access.permissions import Actor
from sunshine.auth.models import Account
from sunshine.cobuilding import projects, yearly
from sunshine.cobuilding import service as cobuilding
from sunshine.cobuilding.models import ResourceKind
from sunshine.consent.models import PrivacyNotice
from sunshine.demo_history import then, verified_member
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org.models import Area, PartyOrgKind, WorkUnit
from sunshine.roster.models import RosterEntry

UNIT_SHARE = 3  # one unit in three reports in
PENDING_SHARE = 0.15
RESOURCES = (
    (ResourceKind.PEOPLE, "党员志愿者", (8, 40), "人"),
    (ResourceKind.SKILLS, "义诊与健康咨询", (2, 6), "人"),
    (ResourceKind.SKILLS, "法律咨询", (1, 4), "人"),
    (ResourceKind.VENUES, "会议室（可供社区活动使用）", (60, 200), "㎡"),
    (ResourceKind.FUNDS, "共建经费", (5, 30), "千元"),
    (ResourceKind.VEHICLES, "公务车辆（应急保障）", (1, 3), "辆"),
)
PROJECTS = (
    ("楼道环境整治", "组织党员清理楼道杂物、张贴文明提示，协助物业完成楼道照明维修。"),
    ("关爱空巢老人结对帮扶", "党员与辖区空巢老人结对，每月上门走访，帮助代购代办。"),
    ("义诊进社区", "每季度在社区党群服务中心开展一次义诊和健康讲座。"),
    ("四点半课堂", "为双职工家庭孩子提供课后看护和作业辅导。"),
    ("垃圾分类宣传督导", "在小区投放点开展垃圾分类宣传和现场督导。"),
    ("文明交通劝导", "早晚高峰在社区周边路口开展文明交通劝导。"),
)


def _local(day: date, hour: int = 10) -> datetime:
    return clock.at_local(day, time(hour, 0))


class Admins:
    """The demo's administrator of each community and unit the seed needs, made on first use
    (openid ``demo-<role>-<id>``); ``known`` holds the demo accounts already made."""

    def __init__(self, known: dict[tuple[Role, int], int]) -> None:
        self.accounts = dict(known)
        self.actors: dict[int, Actor] = {}

    def of(self, role: Role, scope: Area | WorkUnit, openid: str | None = None) -> Actor:
        key = (role, scope.id)
        if key not in self.accounts:
            openid = openid or f"demo-{role.value.replace('_', '-')}-{scope.id}"
            account = Account(openid=openid)
            db.session.add(account)
            db.session.flush()
            access.create_grant(
                actor=None,
                account_id=account.id,
                role=role,
                area_id=scope.id if isinstance(scope, Area) else None,
                unit_id=scope.id if isinstance(scope, WorkUnit) else None,
            )
            self.accounts[key] = account.id
        # One actor per account: its grants are read once (they do not change afterwards).
        account_id = self.accounts[key]
        if account_id not in self.actors:
            self.actors[account_id] = Actor(account_id=account_id)
        return self.actors[account_id]

    def community(self, community: Area) -> Actor:
        return self.of(Role.COMMUNITY_ADMIN, community)

    def unit(self, unit: WorkUnit) -> Actor:
        return self.of(Role.UNIT_ADMIN, unit)


def enlist(
    rng: random.Random,
    notice: PrivacyNotice,
    communities: list[Area],
    per_unit: dict[int, int],
    extra: int,
) -> list[Member]:
    """Verified members reported in where they live (a community of the city), registered
    about half a year ago, from roster entries not yet taken: ``per_unit`` of those units,
    then ``extra`` of any."""
    taken = select(Member.roster_entry_id).where(Member.roster_entry_id.is_not(None))
    free = list(
        db.session.execute(
            select(RosterEntry.id, RosterEntry.unit_id)
            .where(RosterEntry.id.not_in(taken))
            .order_by(RosterEntry.id)
        )
    )
    wanted = dict(per_unit)
    chosen: list[int] = []
    rest: list[int] = []
    for entry_id, unit_id in free:
        if wanted.get(unit_id, 0) > 0:
            wanted[unit_id] -= 1
            chosen.append(entry_id)
        else:
            rest.append(entry_id)
    chosen += rng.sample(rest, min(extra, len(rest)))
    since = clock.now() - timedelta(days=200)
    entries = db.session.scalars(select(RosterEntry).where(RosterEntry.id.in_(chosen)))
    return [
        verified_member(
            entry, rng.choice(communities), notice, openid=f"demo-pool-{entry.id}", since=since
        )
        for entry in sorted(entries, key=lambda e: e.id)
    ]


@dataclass
class UnitsDemo:
    report_ins: int = 0
    pending: int = 0
    projects: int = 0
    projects_done: int = 0
    yearly_reports: int = 0
    needs_done: list[int] = field(default_factory=list)  # needs closed by a project


def pair(rng: random.Random, units: list[WorkUnit], communities: list[Area]) -> None:
    """Each unit paired with a community (urban ones first), as the import would pair it."""
    urban = [c for c in communities if c.kind_label == "社区"]
    for unit in units:
        if unit.paired_communities:
            continue
        unit.paired_communities.append(rng.choice(urban if rng.random() < 0.8 else communities))
    db.session.flush()


def _agreement(
    rng: random.Random, admins: Admins, report_in_id: int, unit: WorkUnit, day: date
) -> None:
    lines = rng.sample(RESOURCES, rng.randint(2, 4))
    with then(_local(day)):
        cobuilding.write_agreement(
            actor=admins.unit(unit),
            report_in_id=report_in_id,
            starts_on=day,
            ends_on=date(day.year + 2, 12, 31),
            text=f"{unit.name}与社区结对共建，围绕社区需求清单开展志愿服务，双方每季度沟通一次。",
            resources=[
                {"kind": kind, "name": name, "quantity": rng.randint(*span), "measure": measure}
                for kind, name, span, measure in lines
            ],
        )


def _project(
    rng: random.Random,
    admins: Admins,
    report_in_id: int,
    unit: WorkUnit,
    community: Area,
    starts: date,
    senders: list[int],
    result: UnitsDemo,
    need_id: int | None = None,
    *,
    showcase: bool = False,
) -> None:
    """A project planned on ``starts``, started, staffed and (when its end has passed and
    the coin says so) confirmed done by the community."""
    title, description = rng.choice(PROJECTS)
    ends = starts + timedelta(days=rng.randint(20, 60))
    unit_admin = admins.unit(unit)
    with then(_local(starts)):
        project = projects.create(
            actor=unit_admin,
            report_in_id=report_in_id,
            title=title if need_id is None else "承接居民微心愿",
            description=description,
            planned_from=starts,
            planned_to=ends,
            need_id=need_id,
        )
    result.projects += 1
    with then(_local(starts + timedelta(days=2))):
        projects.start(actor=unit_admin, project_id=project.id)
        if senders:
            projects.send_members(
                actor=unit_admin,
                project_id=project.id,
                member_ids=rng.sample(senders, min(len(senders), rng.randint(2, 5))),
            )
    finish = ends + timedelta(days=rng.randint(0, 5))
    if (
        senders
        and finish < clock.today()
        and (need_id is not None or rng.random() < 0.7 or showcase)
    ):
        with then(_local(finish, 16)):
            projects.confirm_done(actor=admins.community(community), project_id=project.id)
        result.projects_done += 1
        if need_id is not None:
            result.needs_done.append(need_id)


def report_in(
    rng: random.Random,
    admins: Admins,
    unit: WorkUnit,
    community: Area,
    asked: date,
    *,
    pending: bool,
    senders: list[int],
    open_needs: list[tuple[int, date]],
    result: UnitsDemo,
    showcase: bool = False,
) -> None:
    """One unit's report-in to the community ``asked`` on, and what followed."""
    top = next(o for o in unit.party_orgs if o.kind != PartyOrgKind.BRANCH)
    with then(_local(asked, 9)):
        made = cobuilding.request_report_in(
            actor=admins.unit(unit), unit_id=unit.id, party_org_id=top.id, community_id=community.id
        )
    result.report_ins += 1
    if pending:
        result.pending += 1
        return
    decided = asked + timedelta(days=rng.randint(1, 4))
    with then(_local(decided, 15)):
        cobuilding.decide(
            actor=admins.community(community), report_in_id=made.id, approve=True, reason=None
        )
    _agreement(rng, admins, made.id, unit, decided + timedelta(days=3))
    if rng.random() < 0.85 or showcase:
        with then(_local(decided + timedelta(days=6), 11)):
            cobuilding.countersign(actor=admins.community(community), report_in_id=made.id)
    day = decided + timedelta(days=10)
    for _ in range(2):  # at most two of its own, a season or two apart
        if day >= clock.today() - timedelta(days=3):
            break
        _project(rng, admins, made.id, unit, community, day, senders, result, showcase=showcase)
        day += timedelta(days=rng.randint(90, 200))
    if open_needs and senders:
        need_id, accepted = open_needs.pop(0)
        starts = max(accepted, decided) + timedelta(days=2)
        _project(rng, admins, made.id, unit, community, starts, senders, result, need_id)
    last_year = clock.today().year - 1
    if decided < date(last_year, 10, 1):
        written = _local(date(last_year + 1, 1, rng.randint(8, 25)))
        with then(min(written, clock.now() - timedelta(hours=1))):  # early January: just now
            yearly.submit(
                actor=admins.unit(unit),
                year=last_year,
                unit_id=unit.id,
                text=f"{last_year}年，我单位党组织到结对社区报到，围绕社区需求开展共建项目，"
                "组织党员参加志愿服务，与社区共同解决居民急难愁盼问题。",
            )
        result.yearly_reports += 1


def seed_units(
    rng: random.Random,
    admins: Admins,
    chosen: list[WorkUnit],
    senders: dict[int, list[int]],
    open_needs: dict[int, list[tuple[int, date]]],
) -> UnitsDemo:
    """The report-ins of ``chosen`` units to their paired communities (see the docstring);
    ``senders`` are each unit's verified members, ``open_needs`` each community's accepted
    needs waiting for a unit to take them up. The first chosen unit reports in at once
    and is admitted; the second waits for the community's decision."""
    result = UnitsDemo()
    today = clock.today()
    for n, unit in enumerate(chosen):
        community = unit.paired_communities[0]
        pending = n == 1 or (n > 1 and rng.random() < PENDING_SHARE)
        asked = today - timedelta(days=rng.randint(1, 10) if pending else rng.randint(60, 520))
        if n == 0:
            asked = today - timedelta(days=480)
        report_in(
            rng,
            admins,
            unit,
            community,
            asked,
            pending=pending,
            senders=senders.get(unit.id, []),
            open_needs=open_needs.get(community.id, []),
            result=result,
            showcase=n == 0,  # the demo unit admin's: countersigned, its projects done
        )
    return result


def chosen_units(
    rng: random.Random, units: list[WorkUnit], first: list[WorkUnit]
) -> list[WorkUnit]:
    """``first`` then a third of the other units, in a seeded order."""
    others = [u for u in units if u not in first]
    return first + rng.sample(others, len(units) // UNIT_SHARE - len(first))
