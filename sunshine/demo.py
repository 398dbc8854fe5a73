"""Demo data: a synthetic city shaped like 孝义市, generated deterministically.

16 streets and townships (5 街道, 7 镇, 4 乡), 305 communities and villages (81 社区, 224 村)
with grids, about 200 work units with their party organisations, and a roster of about
15,000 members — plus one administrator of each kind and one registered member. Names are
illustrative, not real people. ``bench/`` reuses ``CityShape`` and the generators at
province scale.

Demo accounts log in through the fake WeChat with these openids
(``POST /__fake__/wx.login {"openid": "demo-org"}``): see ``DEMO_ACCOUNTS``.
"""

from __future__ import annotations

import random
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import timedelta
from decimal import Decimal

from sqlalchemy import insert, select

from sunshine import clock
from sunshine.access import service as access
from sunshine.access.models import Role
from sunshine.auth.models import Account
from sunshine.consent.models import PrivacyNotice
from sunshine.demo_audit import seed_audit
from sunshine.demo_double import DEMO_DOUBLE_ACCOUNTS, seed_double
from sunshine.demo_history import COMMUNITIES as HISTORY_COMMUNITIES
from sunshine.demo_history import seed_history, verified_member
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, PartyOrg, PartyOrgKind, ServiceTeam, WorkUnit
from sunshine.roster.models import RosterEntry
from sunshine.tasks.models import (
    Shift,
    ShiftStatus,
    Signup,
    SignupStatus,
    Task,
    TaskCategory,
    TaskKind,
    TaskStatus,
    Visibility,
)

SEED = 20261127
CITY = ("孝义市", "141181000000")
STREETS = ["新义街道", "中阳楼街道", "振兴街道", "胜溪湖街道", "崇文街道"]
TOWNS = ["兑镇镇", "阳泉曲镇", "下堡镇", "西辛庄镇", "高阳镇", "梧桐镇", "柱濮镇"]
TOWNSHIPS = ["大孝堡乡", "下栅乡", "驿马乡", "南阳乡"]
SYLLABLES = "东西南北中新旧安康和平兴华崇文府前迎宾振胜溪湖阳泉梧桐柏杨柳李王张赵孙吴郭贾"
SURNAMES = (
    "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧"
    "程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超秀兰霞平刚桂英文华建国志红梅玉兰海燕晓东晨阳"
AGENCIES = [
    "市委办公室",
    "市政府办公室",
    "市委组织部",
    "市委宣传部",
    "市委统战部",
    "市委政法委",
    "市纪委监委",
    "市发展和改革局",
    "市教育局",
    "市科技局",
    "市工业和信息化局",
    "市公安局",
    "市民政局",
    "市司法局",
    "市财政局",
    "市人力资源和社会保障局",
    "市自然资源局",
    "市生态环境局",
    "市住房和城乡建设局",
    "市交通运输局",
    "市水利局",
    "市农业农村局",
    "市商务局",
    "市文化和旅游局",
    "市卫生健康委员会",
    "市退役军人事务局",
    "市应急管理局",
    "市审计局",
    "市市场监督管理局",
    "市统计局",
    "市医疗保障局",
    "市行政审批服务管理局",
    "市信访局",
    "市林业局",
    "市能源局",
]
INSTITUTIONS = [
    "人民医院",
    "中医院",
    "妇幼保健院",
    "疾病预防控制中心",
    "图书馆",
    "文化馆",
    "档案馆",
]
COMPANIES = ["供电公司", "自来水公司", "城市投资集团", "交通投资集团", "农村商业银行", "燃气公司"]


@dataclass(frozen=True)
class CityShape:
    """How big a generated city is."""

    communities_per_street: int = 16
    villages: int = 224  # spread over the towns and townships
    grids_per_community: tuple[int, int] = (3, 6)
    schools: tuple[int, int, int] = (70, 50, 20)  # primary, middle, kindergartens
    roster_size: int = 15_000


XIAOYI = CityShape()


# openid → (role, scope name): scope is an area name, a unit name, or None.
DEMO_ACCOUNTS: dict[str, tuple[Role, str | None]] = {
    "demo-sysadmin": (Role.SYS_ADMIN, None),
    "demo-org": (Role.ORG_ADMIN, CITY[0]),
    "demo-street": (Role.STREET_ADMIN, STREETS[0]),
    "demo-community": (Role.COMMUNITY_ADMIN, None),  # the first community of the first street
    "demo-unit": (Role.UNIT_ADMIN, "孝义市人民医院"),
}
DEMO_MEMBER_OPENID = "demo-member"


def _place_name(rng: random.Random, used: set[str], suffix: str) -> str:
    while True:
        name = "".join(rng.sample(SYLLABLES, 2)) + suffix
        if name not in used:
            used.add(name)
            return name


def person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))


def build_city(
    rng: random.Random, name: str, code: str, shape: CityShape = XIAOYI
) -> tuple[Area, list[Area], list[WorkUnit]]:
    """Create a city with its streets, communities, grids and work units; returns
    (city, communities, units)."""
    city = org.create_area(name=name, level=AreaLevel.CITY, division_code=code)
    prefix = code[:6]
    communities: list[Area] = []
    used: set[str] = set()
    kinds = [(s, "街道", 1 + i) for i, s in enumerate(STREETS)]
    kinds += [(t, "镇", 100 + i) for i, t in enumerate(TOWNS)]
    kinds += [(t, "乡", 200 + i) for i, t in enumerate(TOWNSHIPS)]
    rural = len(kinds) - len(STREETS)
    village_counts = iter(
        shape.villages // rural + (i < shape.villages % rural) for i in range(rural)
    )
    for street_name, label, number in kinds:
        street_code = f"{prefix}{number:03d}000"
        street = org.create_area(
            name=street_name,
            level=AreaLevel.STREET,
            parent=city,
            division_code=street_code,
            kind_label=label,
        )
        is_street = label == "街道"
        count = shape.communities_per_street if is_street else next(village_counts)
        # 孝义: 81 社区 (16 per 街道, one more in the first town) and 224 村.
        if label == "镇" and number == 100:
            count += 1
        for i in range(count):
            urban = is_street or (label == "镇" and number == 100 and i == 0)
            community = org.create_area(
                name=_place_name(rng, used, "社区" if urban else "村"),
                level=AreaLevel.COMMUNITY,
                parent=street,
                division_code=f"{street_code[:9]}{(1 if urban else 200) + i:03d}",
                kind_label="社区" if urban else "村",
            )
            communities.append(community)
            grids = rng.randint(*shape.grids_per_community) if urban else rng.randint(0, 2)
            for g in range(grids):
                org.create_area(
                    name=f"第{g + 1}网格", level=AreaLevel.GRID, parent=community, kind_label="网格"
                )
    units = _units(rng, city, shape)
    return city, communities, units


def _units(rng: random.Random, city: Area, shape: CityShape) -> list[WorkUnit]:
    names = [f"{city.name}{a.removeprefix('市')}" for a in AGENCIES]
    names += [f"{city.name}{i}" for i in INSTITUTIONS + COMPANIES]
    primary, middle, kindergartens = shape.schools
    names += [f"{city.name}第{n}小学" for n in range(1, primary + 1)]
    names += [f"{city.name}第{n}中学" for n in range(1, middle + 1)]
    names += [f"{city.name}第{n}幼儿园" for n in range(1, kindergartens + 1)]
    names += [f"{city.name}{s}人民政府" for s in TOWNS + TOWNSHIPS]
    names += [f"{city.name}{s}办事处" for s in STREETS]
    units = []
    for name in names:
        unit = WorkUnit(name=name, city=city)
        big = rng.random() < 0.3
        top = PartyOrg(
            name=f"{name.removeprefix(city.name)}{'党委' if big else '党总支'}",
            kind=PartyOrgKind.COMMITTEE if big else PartyOrgKind.GENERAL_BRANCH,
        )
        unit.party_orgs.append(top)
        for b in range(rng.randint(1, 5 if big else 2)):
            unit.party_orgs.append(
                PartyOrg(name=f"第{b + 1}党支部", kind=PartyOrgKind.BRANCH, parent=top)
            )
        db.session.add(unit)
        units.append(unit)
    db.session.flush()
    return units


def roster_rows(
    rng: random.Random, city: Area, units: list[WorkUnit], size: int, phone_base: int
) -> Iterator[dict[str, object]]:
    """Roster rows with unique phones ``phone_base + i``, spread over the units."""
    weights = [5 if "中学" in u.name or "医院" in u.name else 2 for u in units]
    branches = {u.id: [o.id for o in u.party_orgs if o.kind == PartyOrgKind.BRANCH] for u in units}
    now = clock.now()
    for i in range(size):
        unit = rng.choices(units, weights)[0]
        yield {
            "city_id": city.id,
            "name": person_name(rng),
            "phone": str(phone_base + i),
            "unit_id": unit.id,
            "party_org_id": rng.choice(branches[unit.id]),
            "created_at": now,
            "updated_at": now,
        }


def seed(shape: CityShape = XIAOYI) -> str:
    """Create the demo city, its roster, admins and one member unless they exist.

    ``random`` is seeded: the same data every time (not for anything secret).
    """
    if db.session.scalar(select(Area.id).where(Area.division_code == CITY[1])) is not None:
        return "demo data already present"
    rng = random.Random(SEED)
    city, communities, units = build_city(rng, CITY[0], CITY[1], shape)
    rows = list(roster_rows(rng, city, units, shape.roster_size, 13_900_000_000))
    db.session.execute(insert(RosterEntry), rows)
    notice = PrivacyNotice(
        version="2026.1",
        title="一米阳光隐私政策",
        content="我们只收集为您提供报到和志愿服务所必需的信息……",
    )
    db.session.add(notice)
    first_community = communities[0]
    db.session.add(ServiceTeam(community_id=first_community.id, name="红色先锋服务队"))
    by_name: dict[str, Area | WorkUnit] = {city.name: city}
    by_name.update(
        {a.name: a for a in db.session.scalars(select(Area).where(Area.parent_id == city.id))}
    )
    by_name.update({u.name: u for u in units})
    accounts: dict[str, int] = {}
    for openid, (role, scope_name) in DEMO_ACCOUNTS.items():
        scope = by_name.get(scope_name) if scope_name else None
        if role == Role.COMMUNITY_ADMIN:
            scope = first_community
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
        accounts[openid] = account.id
    member = _demo_member(rows[0], first_community, notice)
    shifts = _demo_tasks(first_community, member)
    db.session.flush()
    history = seed_history(
        city=city,
        communities=communities,
        hospital=next(u for u in units if u.name == DEMO_ACCOUNTS["demo-unit"][1]),
        notice=notice,
        org_account_id=accounts["demo-org"],
        street_account_id=accounts["demo-street"],
        taken_roster_ids={member.roster_entry_id or 0},
    )
    audit = seed_audit(
        org_account_id=accounts["demo-org"],
        community_admin_account_id=accounts["demo-community"],
        community=first_community,
    )
    double = seed_double(
        city=city,
        communities=communities,
        units=units,
        notice=notice,
        accounts=accounts,
        demo_member=member,
        history_communities=HISTORY_COMMUNITIES,
    )
    return (
        f"demo data loaded: {len(communities)} communities, {len(units)} units, "
        f"{len(rows)} roster entries, {len(DEMO_ACCOUNTS) + 1} demo accounts, "
        f"{shifts} shifts (the demo member holds a place on one starting 10 minutes after now); "
        f"history: {history.members} members, {history.shifts} past shifts, "
        f"{history.records} service records, {history.periods} periods; "
        f"{audit.evaluations} evaluations, {audit.locked} locked period, "
        f"{audit.anomalies} anomalies to review; {double.summary()}; "
        f"{len(DEMO_DOUBLE_ACCOUNTS)} more demo accounts: {', '.join(DEMO_DOUBLE_ACCOUNTS)}"
    )


# (title, category, visibility, starts in, hours): the demo community's tasks.
DEMO_TASKS = (
    ("府前街文明劝导", "文明劝导", Visibility.COMMUNITY, timedelta(minutes=10), 2),
    ("小区环境整治", "环境卫生", Visibility.COMMUNITY, timedelta(days=2, hours=1), 3),
    ("街道政策宣传日", "政策宣传", Visibility.STREET, timedelta(days=4), 2),
    ("全市文明城市创建", "文明创建", Visibility.CITY, timedelta(days=6), 3),
)


def _demo_tasks(community: Area, member: Member) -> int:
    """Published tasks of the demo community; the member signed up for the first shift, which
    starts soon after the seed, so check-in can be tried (demo-community shows the code)."""
    categories = {c.name: c for c in db.session.scalars(select(TaskCategory))}
    now = clock.now().replace(second=0, microsecond=0)
    shifts = []
    for title, category, visibility, starts_in, hours in DEMO_TASKS:
        task = Task(
            area=community,
            area_path=community.path,
            kind=TaskKind.ACTIVITY,
            category=categories[category],
            title=title,
            content=f"{title}：请按时到场，听从现场负责人安排。",
            address=f"{community.name}党群服务中心",
            # GCJ-02, as every stored venue point (sunshine/geo.py): a Tencent map shows this
            # point where it is; a phone there sends it with system gcj02.
            latitude=Decimal("37.146000"),
            longitude=Decimal("111.781000"),
            visibility=visibility,
            contact_name="王书记",
            contact_phone="0358-7221234",
            status=TaskStatus.PUBLISHED,
            published_at=now,
        )
        db.session.add(task)
        starts = now + starts_in
        shift = Shift(
            task=task,
            starts_at=starts,
            ends_at=starts + timedelta(hours=hours),
            capacity=20,
            signup_deadline=starts,
            status=ShiftStatus.OPEN,
            confirmed_count=0,
        )
        db.session.add(shift)
        shifts.append(shift)
    first = shifts[0]
    first.confirmed_count = 1
    db.session.add(
        Signup(shift=first, member=member, status=SignupStatus.CONFIRMED, confirmed_at=now)
    )
    return len(shifts)


def _demo_member(row: dict[str, object], community: Area, notice: PrivacyNotice) -> Member:
    """A registered, verified member reported to the first community, just now."""
    entry = db.session.scalar(select(RosterEntry).where(RosterEntry.phone == row["phone"]))
    assert entry is not None
    return verified_member(entry, community, notice, openid=DEMO_MEMBER_OPENID, since=clock.now())
