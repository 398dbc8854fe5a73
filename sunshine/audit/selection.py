"""Which members a compliance reader is counting: the period's city, the filters, the scope.

Counted: the verified members placed in the period's city (``Member.area_path``: the
community of their active or pending report-in, else their residence), inside the filters
(street, community, work unit, party organisation) and the reader's scope. Shown in detail:
those covered by an area grant, and those covered only by a unit grant whose unit-feedback
consent is in force; the others are counted, not listed (PIPL; docs/compliance.md).

Refused: anyone without ``compliance.read`` (403), an unknown period (404
``period.not_found``), a city none of the reader's grants reaches, or a filter outside the
scope (403), unknown filter ids (404), and filters not of the period's city (422).

A campaign filter (``campaign_id``) narrows the records counted, not the members: each
member's services and minutes are those on tasks tagged with the campaign (docs/campaigns.md).
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import ColumnElement, and_, false, not_, or_, select, true

from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    require_reach,
    require_somewhere,
    scope_within,
)
from sunshine.audit.models import Period
from sunshine.audit.rules import period_rules
from sunshine.audit.tally import Rules
from sunshine.campaigns import service as campaigns
from sunshine.campaigns.views import tagged_shifts
from sunshine.consent import service as consent
from sunshine.consent.models import ConsentKind
from sunshine.errors import Invalid, NotFound
from sunshine.extensions import db
from sunshine.hours.models import ServiceRecord
from sunshine.members.models import Member, MemberStatus
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel, PartyOrg, WorkUnit

READ = Permission.COMPLIANCE_READ


@dataclass(frozen=True)
class Filters:
    """What a reader narrows the members to (each None: no such filter)."""

    street_id: int | None = None
    community_id: int | None = None
    unit_id: int | None = None
    party_org_id: int | None = None
    campaign_id: int | None = None  # count only the records of tasks tagged with it


@dataclass(frozen=True)
class Selection:
    """The counted members of a reader's request, as SQL conditions on ``Member``."""

    period: Period
    city: Area
    rules: Rules
    where: list[ColumnElement[bool]]  # the members counted
    listed: ColumnElement[bool] | None  # those of them shown in detail (None: all)
    within: str  # the path of the narrowest area filter (the city without one)
    area_prefixes: tuple[str, ...]  # the area part of the reader's scope, inside the city
    by_unit: bool  # a unit or party organisation filter is given
    # Conditions on ``ServiceRecord``: which of the members' records count (``per_member``'s
    # ``records``). A campaign filter narrows the records, never the members counted.
    records: tuple[ColumnElement[bool], ...] = ()


def period_for(actor: Actor, period_id: int) -> tuple[Period, Area]:
    """The period and its city, if a grant of the reader lies inside the city or covers it."""
    require_somewhere(actor, READ)
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound("考核周期不存在", code="period.not_found")
    city = db.session.get_one(Area, period.city_id)
    require_reach(actor, READ, Place(area_path=city.path))
    return period, city


def rules_for(period: Period) -> Rules:
    """The period's rule in its city and in each street that tightens it, keyed by path."""
    base, by_street = period_rules(period)
    rows = db.session.execute(select(Area.id, Area.path).where(Area.id.in_(by_street)))
    paths = {area_id: path for area_id, path in rows}
    return Rules(base, {paths[area_id]: rule for area_id, rule in by_street.items()})


def _wrong_level(field: str, message: str) -> Invalid:
    return Invalid(message, code="area.wrong_level", fields={field: [message]})


def _unit_of_city(unit: WorkUnit, city: Area, field: str) -> None:
    if unit.city_id != city.id:
        message = "不属于该周期所在的市"
        raise Invalid(message, code="unit.wrong_city", fields={field: [message]})


def _area_filter(actor: Actor, city: Area, filters: Filters) -> Area:
    """The narrowest area the filters name (the city without one), checked and in scope."""
    within = city
    if filters.street_id is not None:
        street = org.get_area(filters.street_id)
        if street.level != AreaLevel.STREET or street.parent_id != city.id:
            raise _wrong_level("street_id", "应为该周期所在市的街道")
        require_reach(actor, READ, Place(area_path=street.path))
        within = street
    if filters.community_id is not None:
        community = org.get_area(filters.community_id)
        if community.level != AreaLevel.COMMUNITY or not community.path.startswith(within.path):
            raise _wrong_level(
                "community_id",
                "应为所选街道的社区" if within is not city else "应为该周期所在市的社区",
            )
        require_reach(actor, READ, Place(area_path=community.path))
        within = community
    return within


def _unit_filters(actor: Actor, city: Area, filters: Filters) -> list[ColumnElement[bool]]:
    """The work-unit and party-organisation filters, checked and in scope."""
    where: list[ColumnElement[bool]] = []
    unit = None
    if filters.unit_id is not None:
        unit = org.get_work_unit(filters.unit_id)
        _unit_of_city(unit, city, "unit_id")
        require_reach(actor, READ, Place(unit_id=unit.id, unit_city_path=city.path))
        where.append(Member.unit_id == unit.id)
    if filters.party_org_id is not None:
        party_org = db.session.get(PartyOrg, filters.party_org_id)
        if party_org is None:
            raise NotFound("党组织不存在", code="party_org.not_found")
        if unit is not None:
            org.get_party_org(unit, party_org.id)  # 422 party_org.not_in_unit
        _unit_of_city(party_org.unit, city, "party_org_id")
        require_reach(actor, READ, Place(unit_id=party_org.unit_id, unit_city_path=city.path))
        where.append(Member.party_org_id == party_org.id)
    return where


def _record_filters(city: Area, filters: Filters) -> tuple[ColumnElement[bool], ...]:
    """The campaign filter: only records on shifts of tasks tagged with the city's campaign
    (404 ``campaign.not_found``, 422 ``campaign.wrong_city``)."""
    if filters.campaign_id is None:
        return ()
    campaign = campaigns.of_city(filters.campaign_id, city)
    return (ServiceRecord.shift_id.in_(tagged_shifts(campaign.id)),)


def select_members(actor: Actor, period_id: int, filters: Filters) -> Selection:
    """The members the reader counts in the period, with the filters applied."""
    period, city = period_for(actor, period_id)
    within = _area_filter(actor, city, filters)
    unit_where = _unit_filters(actor, city, filters)
    records = _record_filters(city, filters)
    scope = scope_within(actor, READ, city.path)
    in_area: ColumnElement[bool] = or_(
        false(), *(Member.area_path.startswith(p, autoescape=True) for p in scope.area_prefixes)
    )
    in_unit = Member.unit_id.in_(scope.unit_ids) if scope.unit_ids else false()
    if city.path in scope.area_prefixes:
        in_scope: ColumnElement[bool] = true()  # the whole city: no second path test
    else:
        in_scope = or_(in_area, in_unit)
    listed = None
    if scope.unit_ids and city.path not in scope.area_prefixes:
        consented = consent.in_force(ConsentKind.UNIT_FEEDBACK, Member.account_id)
        listed = or_(in_area, and_(in_unit, consented))
    where = [
        Member.status == MemberStatus.VERIFIED,
        Member.area_path.startswith(within.path, autoescape=True),
        in_scope,
        *unit_where,
    ]
    return Selection(
        period=period,
        city=city,
        rules=rules_for(period),
        where=where,
        listed=listed,
        within=within.path,
        area_prefixes=scope.area_prefixes,
        by_unit=bool(unit_where),
        records=records,
    )


def withheld(selection: Selection) -> ColumnElement[bool] | None:
    """The counted members not shown in detail (None when the reader may see them all)."""
    return None if selection.listed is None else not_(selection.listed)
