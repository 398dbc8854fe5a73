"""Grading: a community admin grades the members it served for a period, one at a time or a
list at once; every change is a new version and a security event.

Refused, with nothing written: a member the community does not grade for the period (409
``evaluation.not_in_community``), a period not yet begun (409
``evaluation.period_not_started``), 不合格 without a reason (422
``evaluation.reason_required``), a 优秀 beyond the city's cap (409
``evaluation.excellent_cap``), a community admin's change to a locked period (409
``period.locked``), an org_admin's change to it without a reason (422
``evaluation.change_reason_required``), anyone else (403).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from sqlalchemy import func, select

from sunshine import clock
from sunshine.access.permissions import (
    Actor,
    Permission,
    Place,
    authorize,
    can,
    require_somewhere,
)
from sunshine.audit.models import Period
from sunshine.errors import Conflict, DomainError, Invalid, NotFound
from sunshine.evaluations import membership
from sunshine.evaluations.models import Evaluation, EvaluationSetting, EvaluationVersion, Grade
from sunshine.extensions import db
from sunshine.members import service as members
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.security import service as security

if TYPE_CHECKING:
    from sunshine.security.service import Origin

MAX_ITEMS = 500  # a list graded at once: a large community's members


def get_period(period_id: int) -> tuple[Period, Area]:
    """The period and its city (404 ``period.not_found``)."""
    period = db.session.get(Period, period_id)
    if period is None:
        raise NotFound("考核周期不存在", code="period.not_found")
    return period, db.session.get_one(Area, period.city_id)


def community_of_period(period: Period, city: Area, community_id: int) -> Area:
    """A community of the period's city (another city's is as unknown to the period)."""
    community = org.get_area_of_level(community_id, AreaLevel.COMMUNITY, "community_id")
    if not city.contains(community.path):
        raise NotFound("考核周期不存在", code="period.not_found")
    return community


def allowed_excellent(cap_percent: int | None, members: int) -> int | None:
    """How many 优秀 a community of ``members`` may hold: the cap's share, rounded down."""
    return None if cap_percent is None else cap_percent * members // 100


def settings_of(period_id: int) -> EvaluationSetting | None:
    return db.session.get(EvaluationSetting, period_id)


@dataclass
class Sheet:
    """A community's evaluations for a period, opened for changes: checked and locked."""

    period: Period
    community: Area
    locked: bool  # the period is locked: an org_admin is changing it
    change_reason: str | None
    cap_percent: int | None
    _members: set[int] | None = field(default=None, repr=False)

    def members(self) -> set[int]:
        """The members the community grades for the period (read once per sheet)."""
        if self._members is None:
            self._members = membership.member_ids_of(self.period, self.community.id)
        return self._members


def open_sheet(actor: Actor, period_id: int, community_id: int, change_reason: str | None) -> Sheet:
    """Check who may change the community's evaluations of the period, and lock them.

    An unlocked period: the community's admin, once the period has begun. A locked one: only
    an org_admin of the city, with a reason; the community's admin is told the period is
    locked (409 ``period.locked``).
    """
    require_somewhere(actor, Permission.EVALUATION_GRADE, Permission.EVALUATION_AMEND_LOCKED)
    period, city = get_period(period_id)
    community = community_of_period(period, city, community_id)
    # FOR SHARE: a lock, a cap being set or a requirement being written waits for us (and we
    # for it), so a change never slips into a period locked after we read it.
    period = db.session.scalars(
        select(Period)
        .where(Period.id == period.id)
        .with_for_update(read=True)
        .execution_options(populate_existing=True)
    ).one()
    place = Place(area_path=community.path)
    locked = period.locked_at is not None
    if not locked:
        authorize(actor, Permission.EVALUATION_GRADE, place)
        if period.starts_on > clock.today():
            raise Conflict("考核周期尚未开始，不能评价", code="evaluation.period_not_started")
    elif can(actor, Permission.EVALUATION_AMEND_LOCKED, place):
        if not change_reason:
            raise Invalid(
                "周期已锁定，修改评价须填写原因",
                code="evaluation.change_reason_required",
                fields={"change_reason": ["周期已锁定，须填写修改原因"]},
            )
    elif can(actor, Permission.EVALUATION_GRADE, place):
        raise Conflict("考核周期已锁定，只有组织部可以修改", code="period.locked")
    else:
        authorize(actor, Permission.EVALUATION_AMEND_LOCKED, place)  # refuses: logged
    # The community's row lock serialises its gradings: two admins grading at once cannot
    # both take the last 优秀 under the cap (FOR NO KEY UPDATE: rows that merely reference
    # the community are not held up).
    db.session.execute(
        select(Area.id).where(Area.id == community.id).with_for_update(key_share=True)
    )
    setting = settings_of(period.id)
    return Sheet(
        period=period,
        community=community,
        locked=locked,
        change_reason=change_reason,
        cap_percent=setting.excellent_cap_percent if setting else None,
    )


def _check_reason(grade: Grade, reason: str | None) -> None:
    if grade == Grade.POOR and not reason:
        raise Invalid(
            "评为不合格须填写原因",
            code="evaluation.reason_required",
            fields={"reason": ["评为不合格须填写原因"]},
        )
    if grade != Grade.POOR and reason is not None:
        raise Invalid(fields={"reason": ["只有评为不合格时填写原因"]})


def _check_cap(sheet: Sheet, current: Evaluation | None) -> None:
    """A new 优秀 of the community must stay within the cap (the sheet holds the lock)."""
    if sheet.cap_percent is None:
        return
    if (
        current is not None
        and current.grade == Grade.EXCELLENT
        and current.community_id == sheet.community.id
    ):
        return  # already one of the community's 优秀
    members = len(sheet.members())
    allowed = allowed_excellent(sheet.cap_percent, members) or 0
    held = db.session.scalar(
        select(func.count(Evaluation.id)).where(
            Evaluation.period_id == sheet.period.id,
            Evaluation.community_id == sheet.community.id,
            Evaluation.grade == Grade.EXCELLENT,
        )
    )
    if (held or 0) + 1 > allowed:
        raise Conflict(
            f"优秀比例不超过 {sheet.cap_percent}%：本社区 {members} 人，"
            f"最多 {allowed} 人评为优秀，已评 {held} 人",
            code="evaluation.excellent_cap",
            fields={"grade": [f"优秀名额已满（{allowed} 人）"]},
        )


def grade_member(
    sheet: Sheet,
    actor: Actor,
    origin: Origin | None,
    *,
    member_id: int,
    grade: Grade,
    comment: str | None = None,
    reason: str | None = None,
) -> Evaluation:
    """Give (or change) one member's grade on an open sheet: a new version, logged.

    The same grade, comment and reason again change nothing (no version, no event).
    """
    _check_reason(grade, reason)
    member = members.get_member(member_id)
    if member.id not in sheet.members():
        raise Conflict(
            "该党员在本周期内不是本社区报到的党员",
            code="evaluation.not_in_community",
            fields={"member_id": ["本周期内未在本社区报到"]},
        )
    current = db.session.scalar(
        select(Evaluation)
        .where(Evaluation.period_id == sheet.period.id, Evaluation.member_id == member.id)
        .execution_options(populate_existing=True)
    )
    given = (grade, comment, reason, sheet.community.id)
    if current is not None and given == (
        current.grade,
        current.comment,
        current.reason,
        current.community_id,
    ):
        return current
    if grade == Grade.EXCELLENT:
        _check_cap(sheet, current)
    previous = current.grade if current is not None else None
    now = clock.now()
    if current is None:
        current = Evaluation(period_id=sheet.period.id, member_id=member.id, created_at=now)
        db.session.add(current)
    else:
        current.versions += 1
    current.community_id, current.area_path = sheet.community.id, sheet.community.path
    current.grade, current.comment, current.reason = grade, comment, reason
    current.updated_at, current.updated_by_id = now, actor.id
    db.session.flush()
    version = EvaluationVersion(
        evaluation_id=current.id,
        community_id=sheet.community.id,
        grade=grade,
        comment=comment,
        reason=reason,
        change_reason=sheet.change_reason,
        period_locked=sheet.locked,
        created_by_id=actor.id,
        created_at=now,
    )
    db.session.add(version)
    db.session.flush()
    security.record(
        action="evaluation.grade",
        account_id=actor.id,
        origin=origin,
        object_type="evaluation",
        object_id=current.id,
        detail={
            "period_id": sheet.period.id,
            "member_id": member.id,
            "community_id": sheet.community.id,
            "grade": grade.value,
            "previous_grade": previous.value if previous else None,
            "version": version.id,
            "period_locked": sheet.locked,
            "change_reason": sheet.change_reason,
        },
    )
    return current


def grade(
    *,
    actor: Actor,
    period_id: int,
    community_id: int,
    member_id: int,
    grade: Grade,
    comment: str | None = None,
    reason: str | None = None,
    change_reason: str | None = None,
    origin: Origin | None = None,
) -> Evaluation:
    """Grade one member of the community for the period (or change the grade)."""
    sheet = open_sheet(actor, period_id, community_id, change_reason)
    return grade_member(
        sheet, actor, origin, member_id=member_id, grade=grade, comment=comment, reason=reason
    )


def grade_many(
    *,
    actor: Actor,
    period_id: int,
    community_id: int,
    items: Sequence[dict[str, Any]],
    change_reason: str | None = None,
    origin: Origin | None = None,
) -> list[Evaluation]:
    """Grade a list of members at once: all of them, or (any one refused) none.

    The cap counts the list's 优秀 as they are given, in order; a refusal names the item.
    """
    sheet = open_sheet(actor, period_id, community_id, change_reason)
    seen: set[int] = set()
    for i, item in enumerate(items):
        if item["member_id"] in seen:
            raise Invalid(fields={"items": {str(i): {"member_id": ["同一党员在列表中重复"]}}})
        seen.add(item["member_id"])
    graded = []
    for i, item in enumerate(items):
        try:
            graded.append(grade_member(sheet, actor, origin, **item))
        except DomainError as refused:
            refused.message = f"第 {i + 1} 项（党员 {item['member_id']}）：{refused.message}"
            refused.fields = {"items": {str(i): refused.fields or {"member_id": [refused.message]}}}
            raise
    return graded


def set_settings(
    *,
    actor: Actor,
    period_id: int,
    excellent_cap_percent: int | None,
    origin: Origin | None = None,
) -> EvaluationSetting:
    """The city's cap on the share of 优秀 for the period (null: none). Grades already given
    stay; the cap applies to each new 优秀."""
    require_somewhere(actor, Permission.EVALUATION_SETTINGS)
    period, city = get_period(period_id)
    authorize(actor, Permission.EVALUATION_SETTINGS, Place(area_path=city.path))
    # The period's row lock: gradings in flight (FOR SHARE) finish under the old cap first.
    db.session.execute(
        select(Period.id).where(Period.id == period.id).with_for_update(key_share=True)
    )
    setting = db.session.get(EvaluationSetting, period.id, populate_existing=True)
    previous = setting.excellent_cap_percent if setting else None
    if setting is None:
        setting = EvaluationSetting(period_id=period.id)
        db.session.add(setting)
    setting.excellent_cap_percent = excellent_cap_percent
    setting.updated_at, setting.updated_by_id = clock.now(), actor.id
    db.session.flush()
    security.record(
        action="evaluation.settings",
        account_id=actor.id,
        origin=origin,
        object_type="period",
        object_id=period.id,
        detail={"excellent_cap_percent": excellent_cap_percent, "previous": previous},
    )
    return setting
