"""Demo data of residents' wishes and requests (微心愿 / 诉求, docs/needs.md).

Residents (plain WeChat accounts, no party membership) of many communities of the demo city
asked over the last six months; their communities answered: most accepted (a few after the
three working days), some declined with a reason, the newest still waiting, a few forgotten
past their due time. Accepted ones were made wish tasks or done by the community itself (a
few past the 15 working days; some still open), or left for a co-building unit's project
(``reserved``); the residents rated most of what was done: 满意, 基本满意, 不满意.

The submission is written as ``needs.residents.submit`` writes it after the content check
passes: the check ends the transaction and asks WeChat, which the seed (one transaction, before
the demo's fake WeChat starts) cannot do; the texts here are known to be clean. Every later
step goes through the needs services with the clock moved to when it happened.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta

from sqlalchemy import select

from sunshine import clock
from sunshine.access.permissions import Actor
from sunshine.auth.models import Account
from sunshine.demo_history import then
from sunshine.demo_units import Admins
from sunshine.extensions import db
from sunshine.needs import residents
from sunshine.needs import service as needs
from sunshine.needs.models import Need, NeedKind, NeedRating, NeedStatus, NeedUrgency
from sunshine.org.models import Area
from sunshine.tasks.models import TaskCategory, Visibility

DAYS = 180
WISHES = (
    "家里老人行动不便，希望有志愿者帮忙代购一周的米面油",
    "孩子放学后没人看护，希望社区能有四点半课堂",
    "想学用智能手机挂号和视频通话，希望有人教一教",
    "独居老人家里的灯泡坏了，自己够不着，希望有人帮忙换",
    "希望有志愿者陪老人去医院复查",
    "家里有旧衣物想捐给需要的人，希望社区组织收集",
)
REQUESTS = (
    "小区门口的路灯坏了好几天，晚上出行不安全",
    "楼道里堆放杂物，存在消防隐患，希望尽快清理",
    "小区垃圾投放点气味大，希望增加清运次数",
    "单元门禁损坏，外来人员随意进出",
    "小区内有私拉电线给电动车充电的情况",
    "广场舞音响太吵，影响老人和孩子休息",
)
DECLINE_REASONS = (
    "属于物业服务合同范围，已转交物业公司办理",
    "该事项由市自来水公司负责，已告知办理渠道",
    "经核实不属于本社区辖区，请向所在社区反映",
)
COMMENTS = {
    NeedRating.SATISFIED: ("志愿者很热心，谢谢社区！", "办得又快又好"),
    NeedRating.FAIRLY_SATISFIED: ("解决了，就是等得久了点",),
    NeedRating.DISSATISFIED: ("拖了很长时间才处理",),
}
RATINGS = (
    (NeedRating.SATISFIED, 0.62),
    (NeedRating.FAIRLY_SATISFIED, 0.25),
    (NeedRating.DISSATISFIED, 0.13),
)


@dataclass
class WishesDemo:
    submitted: int = 0
    declined: int = 0
    accepted: int = 0
    done: int = 0
    rated: int = 0
    # accepted needs left open for a unit's project: community id → (need id, accepted on)
    reserved: dict[int, list[tuple[int, date]]] = field(default_factory=dict)


def plain_account(openid: str) -> Account:
    """An account that logged in once: no role, no member registration (a resident)."""
    account = Account(openid=openid)
    db.session.add(account)
    db.session.flush()
    return account


def submit(
    account_id: int, community: Area, grid: Area | None, kind: NeedKind, content: str, at: datetime
) -> Need:
    """The resident's submission as ``residents.submit`` writes it once its text passed."""
    with then(at):
        need = Need(
            community=community,
            grid=grid,
            area_path=(grid or community).path,
            kind=kind,
            content=content,
            urgency=NeedUrgency.NORMAL,
            status=NeedStatus.SUBMITTED,
            resident_id=account_id,
            created_by_id=account_id,
            created_at=at,
            answer_due_at=needs.due_after(at, kind, "answer"),
        )
        db.session.add(need)
        db.session.flush()
    return need


def rate(rng: random.Random, need: Need, at: datetime) -> NeedRating:
    """The resident rates a done need (a comment on some: kept as the service keeps a comment
    that passed the check)."""
    rating = rng.choices([r for r, _ in RATINGS], [w for _, w in RATINGS])[0]
    assert need.resident_id is not None
    with then(at):
        residents.rate(
            actor=Actor(account_id=need.resident_id), need_id=need.id, rating=rating, comment=None
        )
    if rng.random() < 0.4:
        need.rating_comment = rng.choice(COMMENTS[rating])
    return rating


def _daytime(rng: random.Random, moment: datetime) -> datetime:
    day = clock.local_date(moment)
    return clock.at_local(day, time(rng.randint(8, 20), rng.randint(0, 59)))


def _follow(
    rng: random.Random,
    admins: Admins,
    need: Need,
    community: Area,
    wish_category: int,
    result: WishesDemo,
) -> None:
    """What the community did with a submission, and the resident's rating."""
    now = clock.now()
    created = need.created_at
    admin = admins.community(community)
    fresh = now - created < timedelta(days=3)
    fate = rng.random()
    if (fresh and fate < 0.6) or fate < 0.04:
        return  # still waiting (the old ones: overdue)
    late = rng.random() < 0.08
    answered = created + timedelta(
        hours=rng.uniform(100, 200) if late else min(rng.lognormvariate(2.6, 0.9), 60)
    )
    if answered >= now:
        return
    if fate < 0.14:
        with then(answered):
            needs.decline(actor=admin, need_id=need.id, reason=rng.choice(DECLINE_REASONS))
        result.declined += 1
        return
    with then(answered):
        needs.accept(actor=admin, need_id=need.id)
    result.accepted += 1
    age = (now - answered).days
    if fate < 0.26 and age >= 60:
        result.reserved.setdefault(community.id, []).append((need.id, clock.local_date(answered)))
        return
    assert need.completion_due_at is not None
    span = need.completion_due_at - answered
    closed = answered + span * rng.uniform(0.15, 0.95 if rng.random() < 0.9 else 1.5)
    if fate < 0.6:
        with then(answered + timedelta(hours=20)):
            needs.make_task(
                actor=admin,
                need_id=need.id,
                category_id=wish_category,
                title=f"微心愿：{need.content[:20]}",
                address=f"{community.name}党群服务中心",
                visibility=Visibility.COMMUNITY,
                contact_name="社区网格员",
                contact_phone="0358-7221234",
            )
    if closed >= now:
        return
    with then(closed):
        needs.update(actor=admin, need_id=need.id, changes={"status": NeedStatus.DONE})
    result.done += 1
    rated = closed + timedelta(hours=rng.uniform(2, 72))
    if rated < now and rng.random() < 0.8:
        rate(rng, need, rated)
        result.rated += 1


def seed_wishes(
    rng: random.Random,
    admins: Admins,
    communities: list[Area],
    grids: dict[int, list[Area]],
    demo_resident: Account,
    first: Area,
) -> WishesDemo:
    """Six months of residents' needs in ``communities`` (see the module docstring); the demo
    resident's own in ``first``: one waiting, one declined, one done and waiting for a rating."""
    result = WishesDemo()
    wish_category = db.session.scalars(
        select(TaskCategory.id).where(TaskCategory.name == "助老助残")
    ).one()
    people = [plain_account(f"demo-resident-{n}") for n in range(1, 241)]
    now = clock.now()
    items: list[tuple[datetime, Account, Area]] = []
    for community in communities:
        for _ in range(rng.randint(4, 13)):
            at = _daytime(rng, now - timedelta(days=rng.uniform(0.5, DAYS)))
            if at < now:
                items.append((at, rng.choice(people), community))
    items.sort(key=lambda item: item[0])
    for at, account, community in items:
        kind = NeedKind.WISH if rng.random() < 0.55 else NeedKind.REQUEST
        own = grids.get(community.id) or []
        grid = rng.choice(own) if own and rng.random() < 0.5 else None
        content = rng.choice(WISHES if kind == NeedKind.WISH else REQUESTS)
        need = submit(account.id, community, grid, kind, content, at)
        result.submitted += 1
        _follow(rng, admins, need, community, wish_category, result)
    _demo_resident(rng, admins, demo_resident, first, result)
    return result


def _demo_resident(
    rng: random.Random, admins: Admins, account: Account, community: Area, result: WishesDemo
) -> None:
    now = clock.now()
    admin = admins.community(community)
    done = submit(account.id, community, None, NeedKind.WISH, WISHES[3], now - timedelta(days=12))
    with then(now - timedelta(days=11)):
        needs.accept(actor=admin, need_id=done.id)
    with then(now - timedelta(days=2)):
        needs.update(actor=admin, need_id=done.id, changes={"status": NeedStatus.DONE})
    declined = submit(
        account.id, community, None, NeedKind.REQUEST, REQUESTS[3], now - timedelta(days=6)
    )
    with then(now - timedelta(days=5)):
        needs.decline(actor=admin, need_id=declined.id, reason=DECLINE_REASONS[0])
    submit(account.id, community, None, NeedKind.REQUEST, REQUESTS[0], now - timedelta(hours=5))
    result.submitted += 3
    result.accepted += 1
    result.declined += 1
    result.done += 1
