"""Compliance (达标情况) of a period: figures per street, community, work unit or party
organisation, and member by member — as each reader may see them (``audit.selection``).

Every figure is computed live from the service records (``audit.tally``), one SQL statement
per request: members are grouped in the database by their area path, unit or party
organisation (a few hundred rows at most), then rolled up here to streets and communities.
Why live and not precomputed, with the plans and timings: docs/compliance.md.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import case, func, select

from sunshine.audit.models import Period
from sunshine.audit.rules import Rule
from sunshine.audit.selection import Filters, Selection, select_members
from sunshine.audit.tally import ComplianceStatus, per_member, with_status, without_jit
from sunshine.cobuilding import figures as cobuilding
from sunshine.extensions import db
from sunshine.members.models import Member
from sunshine.org.models import Area, AreaLevel, PartyOrg, WorkUnit

NO_PARTY_ORG = "未登记党组织"


class GroupBy(StrEnum):
    STREET = "street"
    COMMUNITY = "community"
    UNIT = "unit"
    PARTY_ORG = "party_org"


class Order(StrEnum):
    ASC = "asc"
    DESC = "desc"


class GroupSort(StrEnum):
    ID = "id"
    NAME = "name"
    MEMBERS = "members"
    REPORTED_IN_RATE = "reported_in_rate"
    COMPLIANT_RATE = "compliant_rate"
    TOTAL_MINUTES = "total_minutes"
    AVERAGE_MINUTES = "average_minutes"
    ZERO_SERVICE = "zero_service"


def _ratio(part: int, whole: int, digits: int) -> float | None:
    return round(part / whole, digits) if whole else None


@dataclass
class Figures:
    """What a group of members adds up to. Rates and averages are over ``members``."""

    members: int = 0
    reported_in: int = 0
    compliant: int = 0
    behind: int = 0
    zero_service: int = 0
    not_reported: int = 0
    services: int = 0
    total_minutes: int = 0

    def add(self, other: Figures) -> None:
        for name in Figures.__dataclass_fields__:
            setattr(self, name, getattr(self, name) + getattr(other, name))

    @property
    def reported_in_rate(self) -> float | None:
        return _ratio(self.reported_in, self.members, 4)

    @property
    def compliant_rate(self) -> float | None:
        return _ratio(self.compliant, self.members, 4)

    @property
    def average_minutes(self) -> float | None:
        return _ratio(self.total_minutes, self.members, 1)

    @property
    def total_hours(self) -> float:
        return round(self.total_minutes / 60, 2)

    @property
    def average_hours(self) -> float | None:
        return _ratio(self.total_minutes, self.members * 60, 2)


@dataclass
class Group(Figures):
    """One row of a breakdown: a street, community, unit or party organisation (id None:
    members without a party organisation)."""

    id: int | None = None
    name: str = ""
    # By unit only: the unit's own 双报到 figures in the period (``cobuilding.figures``).
    co_building: cobuilding.CoBuilding | None = None


@dataclass(frozen=True)
class Aggregate:
    period: Period
    rule: Rule  # the city's rule (a street may tighten it for its members)
    total: Figures
    groups: list[Group] = field(default_factory=list)


def _figures_of(row: Any) -> Figures:
    return Figures(
        members=row.members,
        reported_in=int(row.reported_in or 0),
        compliant=int(row.compliant or 0),
        behind=int(row.behind or 0),
        zero_service=int(row.zero or 0),
        not_reported=int(row.not_reported or 0),
        services=int(row.services or 0),
        total_minutes=int(row.minutes or 0),
    )


def _grouped(selection: Selection, by: GroupBy) -> list[tuple[Any, Figures]]:
    """(key, figures) per area path, unit or party organisation: one statement."""
    key_column = {
        GroupBy.STREET: Member.area_path,
        GroupBy.COMMUNITY: Member.area_path,
        GroupBy.UNIT: Member.unit_id,
        GroupBy.PARTY_ORG: Member.party_org_id,
    }[by]
    columns = (
        [Member.area_path] if key_column is Member.area_path else [Member.area_path, key_column]
    )
    # Materialised on PostgreSQL: planned inline, grouping by unit walked the members in
    # unit order through their index, and each member's records at random (7 s, not 1 s, for
    # a city of 150,000 on a loaded machine). Apart, members are read in table order, their
    # records in index order, and the groups hashed.
    figures = (
        with_status(
            per_member(
                selection.period,
                selection.rules,
                selection.where,
                columns,
                records=selection.records,
            ),
            selection.rules,
        )
        .cte("member_figures")
        .prefix_with("MATERIALIZED", dialect="postgresql")
    )
    key = figures.c[key_column.key]

    def count_of(status: ComplianceStatus) -> Any:
        return func.sum(case((figures.c.status == status.value, 1), else_=0))

    without_jit()
    rows = db.session.execute(
        select(
            key.label("key"),
            func.count().label("members"),
            func.sum(case((figures.c.reported_in, 1), else_=0)).label("reported_in"),
            func.sum(figures.c.services).label("services"),
            func.sum(figures.c.minutes).label("minutes"),
            count_of(ComplianceStatus.COMPLIANT).label("compliant"),
            count_of(ComplianceStatus.BEHIND).label("behind"),
            count_of(ComplianceStatus.ZERO).label("zero"),
            count_of(ComplianceStatus.NOT_REPORTED).label("not_reported"),
        ).group_by(key)
    )
    return [(row.key, _figures_of(row)) for row in rows]


def path_ids(path: str) -> list[int]:
    return [int(part) for part in path.strip("/").split("/") if part]


def _nested(a: str, b: str) -> bool:
    return a.startswith(b) or b.startswith(a)


def _area_groups(
    selection: Selection, by: GroupBy, grouped: list[tuple[Any, Figures]]
) -> list[Group]:
    """Streets or communities: those where counted members are placed and, unless a unit or
    party-organisation filter is given, every other one inside the area filter and the
    reader's area scope (with zeros)."""
    depth = 1 if by == GroupBy.STREET else 2
    groups: dict[int, Group] = {}
    for path, figures in grouped:
        ids = path_ids(path)
        if len(ids) > depth:
            groups.setdefault(ids[depth], Group(id=ids[depth])).add(figures)
    if not selection.by_unit and selection.area_prefixes:
        level = AreaLevel.STREET if by == GroupBy.STREET else AreaLevel.COMMUNITY
        for area_id, path in db.session.execute(
            select(Area.id, Area.path).where(
                Area.level == level, Area.path.startswith(selection.city.path, autoescape=True)
            )
        ):
            if _nested(path, selection.within) and any(
                _nested(path, prefix) for prefix in selection.area_prefixes
            ):
                groups.setdefault(area_id, Group(id=area_id))
    names = names_of(Area, groups)
    for area_id, group in groups.items():
        group.name = names.get(area_id, "")
    return list(groups.values())


def _named_groups(
    grouped: list[tuple[Any, Figures]], model: type[WorkUnit] | type[PartyOrg]
) -> list[Group]:
    """Units or party organisations where counted members are (None: no party org)."""
    groups: dict[int | None, Group] = {}
    for key, figures in grouped:
        groups.setdefault(key, Group(id=key)).add(figures)
    names = names_of(model, groups)
    for key, group in groups.items():
        group.name = names.get(key, "") if key is not None else NO_PARTY_ORG
    return list(groups.values())


def sort_rows(rows: list[Any], key: Callable[[Any], Any], order: Order) -> list[Any]:
    """Rows sorted by ``key`` then id, in ``order``; rows whose key is None come last."""
    present = [row for row in rows if key(row) is not None]
    absent = [row for row in rows if key(row) is None]
    reverse = order == Order.DESC
    present.sort(key=lambda row: (key(row), row.id if row.id is not None else -1), reverse=reverse)
    absent.sort(key=lambda row: row.id if row.id is not None else -1, reverse=reverse)
    return present + absent


def aggregate(
    *,
    actor: Any,
    period_id: int,
    by: GroupBy,
    filters: Filters,
    sort: GroupSort = GroupSort.ID,
    order: Order = Order.ASC,
) -> Aggregate:
    """The figures of the members the reader counts, in total and one row per group."""
    selection = select_members(actor, period_id, filters)
    grouped = _grouped(selection, by)
    if by in (GroupBy.STREET, GroupBy.COMMUNITY):
        groups = _area_groups(selection, by, grouped)
    else:
        groups = _named_groups(grouped, WorkUnit if by == GroupBy.UNIT else PartyOrg)
    if by == GroupBy.UNIT:
        _with_co_building(groups, selection.period)
    total = Figures()
    for _, figures in grouped:
        total.add(figures)
    groups = sort_rows(groups, lambda group: getattr(group, sort.value), order)
    return Aggregate(selection.period, selection.rules.city, total, groups)


def _with_co_building(groups: list[Group], period: Period) -> None:
    """Each unit's report-ins, projects done and yearly report over the period's days:
    counted by their owner (``cobuilding.figures``), as the unit's yearly report counts them."""
    unit_ids = [group.id for group in groups if group.id is not None]
    counted = cobuilding.of_units(unit_ids, period.starts_on, period.ends_on)
    for group in groups:
        if group.id is not None:
            group.co_building = counted[group.id]


def names_of(
    model: type[Area] | type[WorkUnit] | type[PartyOrg], ids: Iterable[int | None]
) -> dict[int, str]:
    """The names of the rows of ``model`` with these ids, in one query."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    query = select(model.id, model.name).where(model.id.in_(wanted))
    return {row_id: name for row_id, name in db.session.execute(query)}
