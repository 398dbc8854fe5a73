"""Rules for the area tree and work units."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import InstrumentedAttribute

from sunshine.access.permissions import EVERYWHERE, Actor, Permission, Place, authorize
from sunshine.errors import Conflict, Invalid, NotFound
from sunshine.extensions import db
from sunshine.moderation import service as moderation
from sunshine.moderation.models import CLEARED, ContentCheck, Scene
from sunshine.org.models import (
    CHILD_LEVEL,
    LEVEL_LABELS,
    Area,
    AreaLevel,
    PartyOrg,
    ServiceTeam,
    WorkUnit,
)


def create_area(
    *,
    name: str,
    level: AreaLevel,
    parent: Area | None = None,
    division_code: str | None = None,
    kind_label: str | None = None,
) -> Area:
    """Add an area under ``parent`` (cities have none) and give it its path."""
    if (level == AreaLevel.CITY) != (parent is None):
        raise Invalid("只有市/县是顶级区域", code="area.bad_parent")
    if parent is not None and CHILD_LEVEL.get(parent.level) != level:
        raise Invalid("区域层级不正确", code="area.bad_parent")
    area = Area(
        name=name, level=level, parent=parent, division_code=division_code, kind_label=kind_label
    )
    db.session.add(area)
    db.session.flush()
    area.path = f"{parent.path if parent else '/'}{area.id}/"
    db.session.flush()
    return area


def create_work_unit(*, name: str, city: Area) -> WorkUnit:
    """Add a work unit in a city."""
    if city.level != AreaLevel.CITY:
        raise Invalid("单位必须属于一个市/县", code="unit.bad_city")
    unit = WorkUnit(name=name, city=city)
    db.session.add(unit)
    db.session.flush()
    return unit


def get_area(area_id: int) -> Area:
    area = db.session.get(Area, area_id)
    if area is None:
        raise NotFound("区域不存在", code="area.not_found")
    return area


def lock_area(area_id: int) -> None:
    """Take the area's row lock, FOR NO KEY UPDATE: it serialises a check-then-write scoped to
    the area (a name unique in a city, a chain of parents) without holding up the rows that
    merely reference the area."""
    db.session.execute(select(Area.id).where(Area.id == area_id).with_for_update(key_share=True))


def name_taken(
    area_id: int,
    name: str,
    *,
    area_column: InstrumentedAttribute[int],
    name_column: InstrumentedAttribute[str],
) -> bool:
    """Whether a row of the area (``area_column``) already bears ``name``, asked under the
    area's row lock: a concurrent check waits for this one's transaction, so the caller's 409
    comes before the unique index behind it could answer a 500."""
    lock_area(area_id)
    taken = select(name_column).where(area_column == area_id, name_column == name).limit(1)
    return db.session.scalar(taken) is not None


def get_work_unit(unit_id: int) -> WorkUnit:
    unit = db.session.get(WorkUnit, unit_id)
    if unit is None:
        raise NotFound("单位不存在", code="unit.not_found")
    return unit


def get_area_of_level(area_id: int, level: AreaLevel, field: str) -> Area:
    """An area that must be of one level (a member's residence must be a community)."""
    area = get_area(area_id)
    if area.level != level:
        raise Invalid(
            "所选区域层级不正确",
            code="area.wrong_level",
            fields={field: [f"应选择{LEVEL_LABELS[level]}"]},
        )
    return area


def get_party_org(unit: WorkUnit, party_org_id: int, field: str = "party_org_id") -> PartyOrg:
    org = db.session.get(PartyOrg, party_org_id)
    if org is None or org.unit_id != unit.id:
        raise Invalid(
            "党组织不属于所选单位", code="party_org.not_in_unit", fields={field: ["不属于所选单位"]}
        )
    return org


def create_city(*, actor: Actor, name: str, division_code: str | None) -> Area:
    """Add a city (the top of a tree the org department then imports)."""
    authorize(actor, Permission.CATALOGUE_MANAGE, EVERYWHERE)
    if division_code and db.session.scalar(
        select(Area.id).where(Area.division_code == division_code)
    ):
        raise Conflict("区划代码已存在", code="area.code_exists")
    return create_area(name=name, level=AreaLevel.CITY, division_code=division_code)


TEAM_SUBJECT = "team"  # a new team's name, checked per community (``org.moderated``)


def create_team(
    *, actor: Actor, community_id: int, name: str
) -> tuple[ServiceTeam | None, ContentCheck]:
    """Add a service team (志愿服务队) to a community, once WeChat's text check passes its
    name (scene 1, 资料): risky is refused (422); a held name makes no team until it clears
    (``org.moderated``), and the team is None."""
    community = _team_community(actor, community_id, name)
    check = moderation.screen(
        actor=actor,
        subject=TEAM_SUBJECT,
        subject_id=community.id,
        action="create",
        area_path=community.path,
        scene=Scene.PROFILE,
        texts={"name": name},
    )
    community = _team_community(actor, community_id, name)  # again: the check ended the transaction
    if check.status not in CLEARED:
        return None, check
    return add_team(community.id, name), check


def _team_community(actor: Actor, community_id: int, name: str) -> Area:
    community = get_area_of_level(community_id, AreaLevel.COMMUNITY, "community_id")
    authorize(actor, Permission.ORG_MANAGE, Place(area_path=community.path))
    if team_named(community.id, name) is not None:
        raise Conflict("该社区已有同名服务队", code="team.duplicate")
    return community


def team_named(community_id: int, name: str) -> int | None:
    return db.session.scalar(
        select(ServiceTeam.id).where(
            ServiceTeam.community_id == community_id, ServiceTeam.name == name
        )
    )


def add_team(community_id: int, name: str) -> ServiceTeam:
    team = ServiceTeam(community_id=community_id, name=name)
    db.session.add(team)
    db.session.flush()
    return team
