"""The one way a service asks "may this actor do X on this object".

A service describes *where* an object sits as a ``Place`` (its area path, work unit, city body)
and calls ``authorize(actor, Permission.X, place)``. The ``POLICY`` table says which roles
hold each permission; a grant of such a role allows the action when its scope covers the
place. Listings use ``scope_filter`` to turn the same rule into a SQL condition, so scope
checks are never written by hand twice.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, Select, false, or_, select, true
from sqlalchemy.orm import InstrumentedAttribute

# The actor is at home in access.actor; services import it from here with the rules.
from sunshine.access.actor import UNREAD as UNREAD
from sunshine.access.actor import Actor as Actor
from sunshine.access.actor import OwnMember as OwnMember
from sunshine.access.actor import active_grants as active_grants
from sunshine.access.models import GRID_ROLES, Grant, Role
from sunshine.access.refusals import Subject, refusal
from sunshine.org.models import Area, WorkUnit


class Permission(StrEnum):
    ACCOUNT_MANAGE = "account.manage"
    GRANT_MANAGE = "grant.manage"
    GRID_ROLE_MANAGE = "grid_role.manage"  # name and revoke the grid roles of grids in scope
    GRID_READ = "grid.read"  # a grid's members and their report-ins
    SECURITY_LOG_READ = "security_log.read"
    CATALOGUE_MANAGE = "catalogue.manage"  # skills, privacy notice, cities
    ORG_IMPORT = "org.import"  # area tree, work units, roster
    ORG_MANAGE = "org.manage"  # service teams of a community
    MEMBER_LIST = "member.list"
    MEMBER_REVIEW = "member.review"  # approve registrations missing from the roster
    MEMBER_CONTACT = "member.contact"  # see full phone numbers
    REPORT_IN_LIST = "report_in.list"
    REPORT_IN_DECIDE = "report_in.decide"  # approve, reject, end, place in grid/teams
    TASK_MANAGE = "task.manage"  # post, edit, publish, cancel tasks and shifts; see rosters
    NEED_READ = "need.read"  # the needs list and a need (a grid role: its grid's needs)
    NEED_CONTACT = "need.contact"  # see a resident's contact on the needs list
    HOURS_READ = "hours.read"  # service records of the communities in scope
    HOURS_CONFIRM = "hours.confirm"  # confirm, reject, void, adjust; decide corrections; policy
    CALENDAR_MANAGE = "calendar.manage"  # the holiday table that working days are counted by
    CALLUP_MANAGE = "callup.manage"  # call-ups (动员) of a street or city: propose, confirm
    LEDGER_VERIFY = "ledger.verify"  # verify the ledgers against the signed digests
    REQUIREMENT_READ = "requirement.read"  # periods and their service requirements
    REQUIREMENT_CITY = "requirement.city"  # a city's periods and requirements
    REQUIREMENT_STREET = "requirement.street"  # a street's tightening of the city's requirement
    ANOMALY_READ = "anomaly.read"  # anomalies in scope (a community: those sent back to it)
    ANOMALY_REVIEW = "anomaly.review"  # review an anomaly: no problem, void the record, send back
    ANOMALY_ANSWER = "anomaly.answer"  # answer an anomaly sent back to the community
    EVALUATION_READ = "evaluation.read"  # evaluations (评价) of the communities in scope
    EVALUATION_GRADE = "evaluation.grade"  # grade the community's members for a period
    EVALUATION_AMEND_LOCKED = "evaluation.amend_locked"  # change them once the period is locked
    EVALUATION_SETTINGS = "evaluation.settings"  # a city's cap on the share of 优秀
    STATEMENT_READ = "statement.read"  # service statements issued in the name of areas in scope
    COMPLIANCE_READ = "compliance.read"  # members' compliance with a period's requirement
    PERIOD_LOCK = "period.lock"  # lock (close the books of) an ended period of a city, unlock it
    NOTIFY_MONITOR = "notify.monitor"  # every account's outbox messages and their failures
    HOURS_ADJUST_LOCKED = "hours.adjust_locked"  # the one change to a record of a locked period
    CONSOLE_LOGIN = "console.login"  # log in to the PC console (its pages then ask for the rest)
    RANKING_READ = "ranking.read"  # the honour roll (光荣榜) of an area the grant reaches
    RANKING_UNITS = "ranking.units"  # work units ranked by their members' compliance
    CONTENT_REVIEW = "content.review"  # approve or reject public text WeChat held for a person
    UNIT_FEEDBACK_ISSUE = "unit_feedback.issue"  # tell a city's work units how their members served
    UNIT_FEEDBACK_READ = "unit_feedback.read"  # read and download a unit's feedback
    CAMPAIGN_MANAGE = "campaign.manage"  # a city's campaigns (创城, 专项整治 …) that tag tasks
    DETACHMENT_MANAGE = "detachment.manage"  # a city's volunteer detachments (支队), rosters
    COBUILD_READ = "cobuild.read"  # units' report-ins, agreements, projects, yearly reports
    COBUILD_MANAGE = "cobuild.manage"  # the unit's side: report in, agreement, projects, report
    COBUILD_DECIDE = "cobuild.decide"  # the community's side: admit, countersign, confirm done
    BODY_MANAGE = "body.manage"  # a city's bodies (实践中心、实践站、部门、学雷锋岗)


_ADMINS = frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.UNIT_ADMIN, Role.ORG_ADMIN})
_ORGANISERS = frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.ORG_ADMIN, Role.BODY_ADMIN})

POLICY: dict[Permission, frozenset[Role]] = {
    Permission.ACCOUNT_MANAGE: frozenset({Role.SYS_ADMIN}),
    Permission.GRANT_MANAGE: frozenset({Role.SYS_ADMIN, Role.ORG_ADMIN}),
    Permission.GRID_ROLE_MANAGE: frozenset({Role.SYS_ADMIN, Role.ORG_ADMIN, Role.COMMUNITY_ADMIN}),
    Permission.GRID_READ: GRID_ROLES | {Role.COMMUNITY_ADMIN},
    Permission.SECURITY_LOG_READ: frozenset({Role.SYS_ADMIN}),
    Permission.NOTIFY_MONITOR: frozenset({Role.SYS_ADMIN}),
    Permission.CATALOGUE_MANAGE: frozenset({Role.SYS_ADMIN}),
    Permission.ORG_IMPORT: frozenset({Role.ORG_ADMIN}),
    Permission.ORG_MANAGE: frozenset({Role.COMMUNITY_ADMIN, Role.ORG_ADMIN}),
    Permission.MEMBER_LIST: frozenset({Role.UNIT_ADMIN, Role.ORG_ADMIN}),
    Permission.MEMBER_REVIEW: frozenset({Role.UNIT_ADMIN, Role.ORG_ADMIN}),
    # Those who organise members in person see their numbers; oversight roles see them masked.
    Permission.MEMBER_CONTACT: frozenset({Role.COMMUNITY_ADMIN, Role.UNIT_ADMIN}),
    Permission.REPORT_IN_LIST: _ADMINS - {Role.UNIT_ADMIN},
    Permission.REPORT_IN_DECIDE: frozenset({Role.COMMUNITY_ADMIN}),
    Permission.TASK_MANAGE: _ORGANISERS | GRID_ROLES,
    Permission.NEED_READ: GRID_ROLES | _ADMINS - {Role.UNIT_ADMIN},
    # The resident's contact stays private to the community that recorded the need.
    Permission.NEED_CONTACT: frozenset({Role.COMMUNITY_ADMIN}),
    Permission.HOURS_READ: _ORGANISERS,
    # The organising community confirms (the street its street-wide tasks; a body its own).
    Permission.HOURS_CONFIRM: frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.BODY_ADMIN}),
    Permission.CALENDAR_MANAGE: frozenset({Role.SYS_ADMIN, Role.ORG_ADMIN}),
    # A call-up spans communities: the street and the organization department run them.
    Permission.CALLUP_MANAGE: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # The audit of the city's ledgers (a global grant: every member's).
    Permission.LEDGER_VERIFY: frozenset({Role.SYS_ADMIN, Role.ORG_ADMIN}),
    Permission.REQUIREMENT_READ: _ADMINS - {Role.UNIT_ADMIN},
    # The organization department sets the rule; a street may only tighten it.
    Permission.REQUIREMENT_CITY: frozenset({Role.ORG_ADMIN}),
    Permission.REQUIREMENT_STREET: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # The street and the organization department review what the detectors find; a community
    # sees only what is sent back to it, and answers it.
    Permission.ANOMALY_READ: frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.ORG_ADMIN}),
    Permission.ANOMALY_REVIEW: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    Permission.ANOMALY_ANSWER: frozenset({Role.COMMUNITY_ADMIN}),
    Permission.EVALUATION_READ: _ADMINS - {Role.UNIT_ADMIN},
    # The community grades its members; once the period is locked only the organization
    # department changes a grade (with a reason), and it sets the city's cap on 优秀.
    Permission.EVALUATION_GRADE: frozenset({Role.COMMUNITY_ADMIN}),
    Permission.EVALUATION_AMEND_LOCKED: frozenset({Role.ORG_ADMIN}),
    Permission.EVALUATION_SETTINGS: frozenset({Role.ORG_ADMIN}),
    # The issuing community, the street above it, the organization department's oversight.
    Permission.STATEMENT_READ: frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # A unit admin sees its members' figures, and the detail of those who consented.
    Permission.COMPLIANCE_READ: _ADMINS,
    # The organization department closes the books, and alone may still correct them.
    Permission.PERIOD_LOCK: frozenset({Role.ORG_ADMIN}),
    Permission.HOURS_ADJUST_LOCKED: frozenset({Role.ORG_ADMIN}),
    # The console is for those who administer something; a member's place is the mini-program.
    Permission.CONSOLE_LOGIN: _ADMINS | {Role.SYS_ADMIN, Role.BODY_ADMIN},
    # The honour roll is shown in public (consenting members only, names masked): every admin
    # of the city may read the boards of the areas their grant reaches (members read their own
    # community's, street's and city's without a grant). Units are ranked for oversight only.
    Permission.RANKING_READ: _ADMINS,
    Permission.RANKING_UNITS: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # Held text is judged a level above the community that mostly writes it (never by its
    # own author: moderation.service.decide).
    Permission.CONTENT_REVIEW: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # 双报到反馈: the organization department issues it to the city's units; the unit reads
    # its own (the organization department reads what it sent).
    Permission.UNIT_FEEDBACK_ISSUE: frozenset({Role.ORG_ADMIN}),
    Permission.UNIT_FEEDBACK_READ: frozenset({Role.UNIT_ADMIN, Role.ORG_ADMIN}),
    # The organization department names the city's campaigns; task managers tag with them.
    Permission.CAMPAIGN_MANAGE: frozenset({Role.ORG_ADMIN}),
    # The organization department runs the city's detachments; their leaders are members,
    # authorised by the detachment itself (detachments.service.steward), not by a grant.
    Permission.DETACHMENT_MANAGE: frozenset({Role.ORG_ADMIN}),
    # 单位报到 / 共驻共建: the unit writes, the community it reports in to decides; the street
    # and the organization department read (docs/units.md).
    Permission.COBUILD_READ: _ADMINS,
    Permission.COBUILD_MANAGE: frozenset({Role.UNIT_ADMIN}),
    Permission.COBUILD_DECIDE: frozenset({Role.COMMUNITY_ADMIN}),
    # The organization department keeps the city's bodies; their admins run the bodies' tasks.
    Permission.BODY_MANAGE: frozenset({Role.ORG_ADMIN}),
}


@dataclass(frozen=True)
class Place:
    """Where an object sits: an area path, a work unit with its city's path, a city body.

    An area grant covers the place when the area path, or the unit's city path, lies inside
    the grant's area; a unit (body) grant when the unit (body) is the grant's; a global grant
    always. An empty place (``EVERYWHERE``) is covered only by a global grant.

    ``subject`` names the object whose place it is: a refusal then answers the object's
    unknown-id 404 rather than 403 (``access.refusals``).
    """

    area_path: str | None = None
    unit_id: int | None = None
    unit_city_path: str | None = None
    body_id: int | None = None
    subject: Subject | None = field(default=None, compare=False)


EVERYWHERE = Place()


def covers(grant: Grant, place: Place) -> bool:
    """Whether a grant's scope includes the place."""
    if grant.is_global:
        return True
    if grant.unit_id is not None:
        return place.unit_id == grant.unit_id
    if grant.body_id is not None:
        return place.body_id == grant.body_id
    area = grant.area
    if area is None:
        return False
    return any(
        path is not None and area.contains(path) for path in (place.area_path, place.unit_city_path)
    )


def _grants_for(actor: Actor, permission: Permission) -> list[Grant]:
    roles = POLICY[permission]
    return [g for g in actor.grants if g.role in roles and g.is_active]


def can(actor: Actor, permission: Permission, place: Place) -> bool:
    return any(covers(g, place) for g in _grants_for(actor, permission))


def authorize(
    actor: Actor,
    permission: Permission,
    place: Place,
    *,
    audit: Mapping[str, Any] | None = None,
) -> None:
    """Refuse unless one of the actor's grants allows ``permission`` at ``place``.

    Every refusal is a security-log entry, kept although the request is rolled back
    (``access.refusals``): 404 as for an unknown id when the place names its object
    (``place.subject``), 403 ``auth.forbidden`` otherwise. ``audit`` (keyword arguments of
    ``security.service.record``) overrides the entry's action, object or detail.
    """
    grants = _grants_for(actor, permission)
    if any(covers(g, place) for g in grants):
        return
    raise refusal(actor.id, [permission], place.subject, bool(grants), audit)


def _nested(a: str, b: str) -> bool:
    """Whether one of two area paths lies inside the other (or they are the same)."""
    return a.startswith(b) or b.startswith(a)


def reaches(grant: Grant, place: Place) -> bool:
    """Whether a grant's scope and the place overlap: the grant covers the place, or lies
    inside it (a street admin reaches its city; a unit admin the city of its unit, and any
    area of that city, where the unit's members may live).

    A place that names a work unit is reached by an area grant nested with the unit's city,
    and by a unit grant only on that unit; a body grant reaches only its body's places.
    """
    if grant.is_global:
        return True
    if grant.body_id is not None:
        return place.body_id == grant.body_id
    if grant.unit is not None:
        if place.unit_id is not None:
            return place.unit_id == grant.unit_id
        return place.area_path is not None and _nested(grant.unit.city.path, place.area_path)
    if grant.area is None:
        return False
    return any(
        path is not None and _nested(grant.area.path, path)
        for path in (place.area_path, place.unit_city_path)
    )


def can_reach(actor: Actor, permission: Permission, place: Place) -> bool:
    """Whether a grant of ``permission`` lies inside the place or covers it."""
    return any(reaches(grant, place) for grant in _grants_for(actor, permission))


def require_reach(actor: Actor, permission: Permission, place: Place) -> None:
    """Raise ``Forbidden`` unless a grant of ``permission`` lies inside the place or covers it:
    readers of a whole area (a city's rules, its figures) then see the part their scope covers."""
    grants = _grants_for(actor, permission)
    if not any(reaches(grant, place) for grant in grants):
        raise refusal(actor.id, [permission], place.subject, bool(grants))


def can_somewhere(actor: Actor, permission: Permission) -> bool:
    """Whether the actor holds the permission on some scope."""
    return bool(_grants_for(actor, permission))


# Separation of duties: when the member whose service it is stands too close to confirming it.
# Automatic approval (decider None) and every decision by a person ask ``conflicted``.


def conflicted(decider: Actor | None, owner: Actor, place: Place, *, held_code: bool) -> bool:
    """Whether ``decider`` may not decide on a record of ``owner`` at ``place``.

    A person never decides on their own record. The system (automatic approval) never
    confirms the record of a member who could have vouched for themself: who holds
    ``hours.confirm`` covering the place (an admin of the community or the street above), or
    ``held_code`` (punched with the shift's rotating code in hand). Such a record waits for
    another holder of ``hours.confirm`` covering the place.
    """
    if decider is None:
        return held_code or can(owner, Permission.HOURS_CONFIRM, place)
    return decider.id == owner.id


def require_somewhere(
    actor: Actor, permission: Permission, *others: Permission, action: str | None = None
) -> None:
    """Raise ``Forbidden`` unless the actor holds the permission (or one of ``others``) on
    some scope; ``action`` names the refusal in the security log (else the permission).

    Listings call this first and then narrow their rows with ``scope_filter``: a caller who
    may never see such rows is refused (403, logged), not shown an empty list.
    """
    wanted = (permission, *others)
    if not any(_grants_for(actor, p) for p in wanted):
        raise refusal(actor.id, wanted, None, False, {"action": action} if action else None)


@dataclass(frozen=True)
class Scope:
    """What an actor's grants of one permission cover, as listings filter by it.

    ``everywhere`` for a global grant; otherwise the area paths of the area grants (rows in
    those areas, or in a work unit whose city lies inside one), the unit and body grants' ids.
    """

    everywhere: bool = False
    area_prefixes: tuple[str, ...] = ()
    unit_ids: tuple[int, ...] = ()
    body_ids: tuple[int, ...] = ()


def scope_of(actor: Actor, permission: Permission) -> Scope:
    """The scope the actor's grants of ``permission`` cover (empty when none does)."""
    prefixes: list[str] = []
    unit_ids: list[int] = []
    body_ids: list[int] = []
    for grant in _grants_for(actor, permission):
        if grant.is_global:
            return Scope(everywhere=True)
        if grant.unit_id is not None:
            unit_ids.append(grant.unit_id)
        elif grant.body_id is not None:
            body_ids.append(grant.body_id)
        elif grant.area is not None:
            prefixes.append(grant.area.path)
    return Scope(area_prefixes=tuple(prefixes), unit_ids=tuple(unit_ids), body_ids=tuple(body_ids))


def scope_within(actor: Actor, permission: Permission, area_path: str) -> Scope:
    """The actor's scope of ``permission`` over the rows placed inside the area ``area_path``.

    An area grant covering the area becomes the area itself, one inside it stays, others
    drop; a unit grant stays when its unit's city and the area are nested. Never
    ``everywhere``: a global grant becomes the area. Rows placed in a city are then covered
    exactly by their area path or their unit: the "unit of a city inside the grant's area"
    branch of ``scope_filter`` adds nothing there (cities are the roots of the tree).
    """
    prefixes: set[str] = set()
    unit_ids: set[int] = set()
    for grant in _grants_for(actor, permission):
        if grant.is_global or (grant.area is not None and area_path.startswith(grant.area.path)):
            prefixes.add(area_path)
        elif grant.area is not None and grant.area.path.startswith(area_path):
            prefixes.add(grant.area.path)
        elif grant.unit is not None and _nested(grant.unit.city.path, area_path):
            unit_ids.add(grant.unit.id)
    outermost = {p for p in prefixes if not any(p != q and p.startswith(q) for q in prefixes)}
    return Scope(area_prefixes=tuple(sorted(outermost)), unit_ids=tuple(sorted(unit_ids)))


def _units_inside(prefix: str) -> Select[int]:
    """The ids of the work units whose city lies inside the area of path ``prefix``."""
    return (
        select(WorkUnit.id)
        .join(Area, WorkUnit.city_id == Area.id)
        .where(Area.path.startswith(prefix, autoescape=True))
    )


def scope_filter(
    actor: Actor,
    permission: Permission,
    *,
    area_path: ColumnElement[Any] | InstrumentedAttribute[Any] | None = None,
    unit_id: ColumnElement[Any] | InstrumentedAttribute[Any] | None = None,
    body_id: ColumnElement[Any] | InstrumentedAttribute[Any] | None = None,
) -> ColumnElement[bool]:
    """A SQL condition selecting exactly the rows whose place the actor's grants cover.

    ``area_path`` is the row's area path column, ``unit_id`` its work-unit column, ``body_id``
    its city-body column; an area grant matches a unit whose city lies inside the area, as
    ``covers`` does. Listings go through ``access.listing``, which adds it (or, for a small
    mixed scope on PostgreSQL, the ids it covers).
    """
    scope = scope_of(actor, permission)
    if scope.everywhere:
        return true()
    clauses: list[ColumnElement[bool]] = []
    if unit_id is not None:
        clauses += [unit_id == grant_unit for grant_unit in scope.unit_ids]
    if body_id is not None:
        clauses += [body_id == grant_body for grant_body in scope.body_ids]
    for prefix in scope.area_prefixes:
        if area_path is not None:
            clauses.append(area_path.startswith(prefix, autoescape=True))
        if unit_id is not None:
            clauses.append(unit_id.in_(_units_inside(prefix)))
    return or_(*clauses) if clauses else false()
