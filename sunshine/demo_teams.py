"""Demo data of grids, city bodies, detachments and campaigns (docs/grids.md, bodies.md,
detachments.md, campaigns.md).

- The org department's campaigns (创城, 专项整治, 乡村振兴, and 疫情防控, no longer active),
  tagged on the history's tasks and the new ones.
- The members of the history's communities placed in their communities' grids; a 网格联络员
  who lives in each of some grids, a 网格员 (staff) in each of those, and a few grid tasks
  their liaisons posted, seen only by the grid's members.
- 孝义市新时代文明实践中心 with two stations (实践所) and the 学雷锋岗 at the citizens' service
  centre, each with its admin, and their tasks: city-wide, or for chosen streets.
- The city's 24 party volunteer detachments, each with a leader and 10–30 members, and a few
  team signups for the bodies' shifts.

Through the services; publishing a task is the one step written directly, as the publish
service writes it once the content check passes (the check ends the transaction and asks
WeChat, which the seed cannot: ``demo_wishes`` says the same of submissions).
"""

from __future__ import annotations

import random
from datetime import timedelta
from typing import Any

from sqlalchemy import select

from sunshine import clock
from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.access.permissions import Actor
from sunshine.auth.models import Account
from sunshine.bodies import service as bodies
from sunshine.bodies.models import BodyKind, CityBody
from sunshine.campaigns import service as campaigns
from sunshine.demo_units import Admins
from sunshine.detachments import service as detachments
from sunshine.detachments import signups as team_signups
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org.models import Area
from sunshine.reportin import service as reportins
from sunshine.reportin.models import ReportIn, ReportInStatus
from sunshine.tasks import service as tasks
from sunshine.tasks.models import Shift, Task, TaskCategory, TaskKind, TaskStatus, Visibility

CAMPAIGNS = ("创城", "专项整治", "乡村振兴", "疫情防控")
# History task titles → the campaign they are filed under.
TAGS = {
    "文明劝导": "创城",
    "文明城市创建": "创城",
    "垃圾分类督导": "专项整治",
    "小区环境整治": "专项整治",
}
DETACHMENTS = (
    "理论宣讲",
    "文明交通",
    "环境保护",
    "医疗卫生",
    "法律服务",
    "教育助学",
    "科技科普",
    "文化文艺",
    "关爱老人",
    "关爱儿童",
    "助残帮扶",
    "应急救援",
    "疫情防控",
    "平安巡防",
    "垃圾分类",
    "文明旅游",
    "网络文明",
    "心理疏导",
    "金融知识",
    "农技推广",
    "消防安全",
    "食品安全",
    "邻里互助",
    "移风易俗",
)
# (openid, body name, kind, parent index): the demo's body admins, their bodies.
BODIES = (
    ("demo-centre", "孝义市新时代文明实践中心", BodyKind.PRACTICE_CENTRE, None),
    ("demo-station-1", "新义街道新时代文明实践所", BodyKind.PRACTICE_STATION, 0),
    ("demo-station-2", "中阳楼街道新时代文明实践所", BodyKind.PRACTICE_STATION, 0),
    ("demo-leifeng", "市民服务中心学雷锋岗", BodyKind.POST, None),
)
# (body index, title, category, kind, streets chosen (indexes) or None for city-wide, days)
BODY_TASKS = (
    (0, "新时代文明实践志愿服务月", "文明创建", TaskKind.ACTIVITY, None, (3, 10, 17)),
    (0, "文明城市创建集中行动", "文明劝导", TaskKind.ACTIVITY, None, (5, 12)),
    (1, "理论宣讲进社区", "政策宣传", TaskKind.ACTIVITY, (0, 1), (4, 11)),
    (2, "关爱老人义诊", "助老助残", TaskKind.ACTIVITY, (1, 2), (6, 13)),
    (3, "学雷锋岗服务值守", "文明劝导", TaskKind.POST, None, (1, 2, 8, 9)),
)


def _category(name: str) -> int:
    return db.session.scalars(select(TaskCategory.id).where(TaskCategory.name == name)).one()


def _published(task: Task) -> None:
    """As ``tasks.publish_task`` once the check passed (see the module docstring)."""
    task.status, task.published_at = TaskStatus.PUBLISHED, clock.now()
    db.session.flush()


def _task(actor: Actor, area_id: int, title: str, category: str, **fields: Any) -> Task:
    return tasks.create_task(
        actor=actor,
        area_id=area_id,
        category_id=_category(category),
        title=title,
        content=f"{title}：请按时到场，听从现场负责人安排。",
        contact_name="王老师",
        contact_phone="0358-7221234",
        **fields,
    )


def _shifts(actor: Actor, task: Task, days: tuple[int, ...], capacity: int) -> list[Shift]:
    start = clock.now().replace(minute=0, second=0, microsecond=0)
    return [
        tasks.add_shift(
            actor=actor,
            task_id=task.id,
            starts_at=start + timedelta(days=d, hours=1),
            ends_at=start + timedelta(days=d, hours=3),
            capacity=capacity,
        )
        for d in days
    ]


def seed_campaigns(org: Actor, city: Area) -> dict[str, int]:
    made = {
        name: campaigns.create_campaign(actor=org, city_id=city.id, name=name).id
        for name in CAMPAIGNS
    }
    campaigns.update_campaign(actor=org, campaign_id=made["疫情防控"], changes={"active": False})
    return made


def tag_history(street: Actor, tags: dict[str, int], communities: list[Area]) -> int:
    """File the tasks of ``communities`` (their history, the demo community's own) under
    their campaigns, as their street would."""
    tagged = 0
    rows = db.session.scalars(
        select(Task).where(Task.area_id.in_([c.id for c in communities])).order_by(Task.id)
    )
    for task in list(rows):
        name = next((c for t, c in TAGS.items() if t in task.title), None)
        if name is not None:
            tasks.update_task(actor=street, task_id=task.id, changes={"campaign_ids": [tags[name]]})
            tagged += 1
    return tagged


def seed_grids(
    rng: random.Random,
    admins: Admins,
    communities: list[Area],
    grids: dict[int, list[Area]],
    demo_member: Member,
    demo_grid_worker: Account,
    tags: dict[str, int],
) -> tuple[int, int, int]:
    """Place the members of ``communities`` in grids, name liaisons and workers, post grid
    tasks. The demo member lives in the first community's first grid and is its liaison; the
    demo grid worker works there. Returns (placed, liaisons, grid tasks)."""
    placed = liaisons = posted = 0
    for c_index, community in enumerate(communities):
        own = grids.get(community.id) or []
        if not own:
            continue
        admin = admins.community(community)
        report_ins = db.session.scalars(
            select(ReportIn)
            .where(ReportIn.community_id == community.id, ReportIn.status == ReportInStatus.ACTIVE)
            .order_by(ReportIn.id)
        ).all()
        living: dict[int, list[ReportIn]] = {g.id: [] for g in own}
        for report_in in report_ins:
            grid = own[0] if report_in.member_id == demo_member.id else rng.choice(own)
            reportins.place(
                actor=admin,
                report_in_id=report_in.id,
                grid_id=grid.id,
                team_ids=[t.id for t in report_in.teams],
            )
            living[grid.id].append(report_in)
            placed += 1
        for g_index, grid in enumerate(own[:2]):
            people = living[grid.id]
            if not people:
                continue
            liaison = (
                next((r for r in people if r.member_id == demo_member.id), people[0])
                if g_index == 0
                else people[0]
            )
            access.create_grant(
                actor=admin, role=Role.GRID_LIAISON, member_id=liaison.member_id, area_id=grid.id
            )
            worker_id = (
                demo_grid_worker.id
                if c_index == 0 and g_index == 0
                else _staff(f"demo-grid-worker-{grid.id}")
            )
            access.create_grant(
                actor=admin, role=Role.GRID_WORKER, account_id=worker_id, area_id=grid.id
            )
            liaisons += 1
            if g_index == 0 and c_index < 3:
                poster = Actor(account_id=liaison.member.account_id)
                task = _task(
                    poster,
                    grid.id,
                    f"{grid.name}楼道清洁日",
                    "环境卫生",
                    kind=TaskKind.ACTIVITY,
                    visibility=Visibility.GRID,
                    address=f"{community.name}{grid.name}",
                    campaign_ids=[tags["专项整治"]],
                )
                _shifts(poster, task, (2 + c_index,), 10)
                _published(task)
                posted += 1
    return placed, liaisons, posted


def _staff(openid: str) -> int:
    account = Account(openid=openid)
    db.session.add(account)
    db.session.flush()
    return account.id


def seed_bodies(
    org: Actor, city: Area, streets: list[Area], tags: dict[str, int]
) -> tuple[list[Shift], int]:
    """The bodies, their admins (the demo's openids) and tasks; the city-wide shifts."""
    made: list[CityBody] = []
    admins: list[Actor] = []
    for openid, name, kind, parent in BODIES:
        body = bodies.create_body(
            actor=org,
            city_id=city.id,
            name=name,
            kind=kind,
            parent_id=made[parent].id if parent is not None else None,
        )
        account_id = _staff(openid)
        access.create_grant(actor=org, role=Role.BODY_ADMIN, account_id=account_id, body_id=body.id)
        made.append(body)
        admins.append(Actor(account_id=account_id))
    city_wide: list[Shift] = []
    for index, title, category, task_kind, chosen, days in BODY_TASKS:
        admin = admins[index]
        task = bodies.post_task(
            actor=admin,
            body_id=made[index].id,
            category_id=_category(category),
            title=title,
            content=f"{title}：请按时到场，听从现场负责人安排。",
            address=f"{made[index].name}",
            contact_name="李老师",
            contact_phone="0358-7225678",
            kind=task_kind,
            visibility=Visibility.STREETS if chosen else Visibility.CITY,
            street_ids=[streets[i].id for i in chosen] if chosen else None,
            campaign_ids=[tags["创城"]],
        )
        shifts = _shifts(admin, task, days, 30)
        _published(task)
        if not chosen:
            city_wide += shifts
    return city_wide, len(BODY_TASKS)


def seed_detachments(
    rng: random.Random,
    org: Actor,
    city: Area,
    members: list[Member],
    demo_member: Member,
    shifts: list[Shift],
) -> tuple[int, int, int]:
    """24 detachments (the demo member leads the first) and a team signup of a few of them
    for city-wide shifts. Returns (detachments, memberships, team signups)."""
    active = set(
        db.session.scalars(
            select(ReportIn.member_id).where(ReportIn.status == ReportInStatus.ACTIVE)
        )
    )
    pool = [m for m in members if m.id in active and m.id != demo_member.id]
    enrolled = signed = 0
    for n, theme in enumerate(DETACHMENTS):
        team = rng.sample(pool, rng.randint(10, 30))
        leader = demo_member if n == 0 else team[0]
        detachment = detachments.create_detachment(
            actor=org,
            city_id=city.id,
            name=f"孝义市{theme}志愿服务支队",
            description=f"市级党员志愿服务支队，开展{theme}志愿服务。",
            leader_member_id=leader.id,
            member_ids=[m.id for m in team],
        )
        enrolled += len(team) + (leader not in team)
        if 0 < n <= len(shifts):
            chosen = [m.id for m in team[1 : 1 + rng.randint(4, 8)]]
            shift = shifts[n - 1]
            if shift.capacity - shift.confirmed_count >= len(chosen):
                team_signups.sign_up_team(
                    actor=Actor(account_id=leader.account_id),
                    shift_id=shift.id,
                    detachment_id=detachment.id,
                    member_ids=chosen,
                )
                signed += 1
    return len(DETACHMENTS), enrolled, signed
