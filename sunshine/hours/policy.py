"""Approval policies: how a community (or a street) confirms its records.

Manual (the default, without a row), automatic, or automatic below a threshold of minutes.
A community without its own row follows the nearest ancestor that has one (its street), so
a street can set the mode of all its communities at once and a community can still differ.
``service.apply_policy`` reads the effective policy when attendance creates a record.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.errors import Invalid
from sunshine.extensions import db
from sunshine.hours.models import ApprovalMode, ApprovalPolicy
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.security import service as security

if TYPE_CHECKING:
    from sunshine.security.service import Origin


@dataclass(frozen=True)
class EffectivePolicy:
    """The policy that applies to an area: its own row, an ancestor's, or manual."""

    area_id: int
    mode: ApprovalMode
    auto_below_minutes: int | None
    inherited_from: int | None  # the area whose row applies, when not the area's own
    updated_at: datetime | None


def _ancestor_ids(area_path: str) -> list[int]:
    """The ids along a path ("/1/17/230/" → [1, 17, 230]), top first."""
    return [int(part) for part in area_path.strip("/").split("/") if part]


def effective_policy(area_id: int, area_path: str) -> EffectivePolicy:
    ids = _ancestor_ids(area_path)
    rows = {
        p.area_id: p
        for p in db.session.scalars(select(ApprovalPolicy).where(ApprovalPolicy.area_id.in_(ids)))
    }
    for candidate in reversed(ids):
        policy = rows.get(candidate)
        if policy is not None:
            return EffectivePolicy(
                area_id=area_id,
                mode=policy.mode,
                auto_below_minutes=policy.auto_below_minutes,
                inherited_from=None if candidate == area_id else candidate,
                updated_at=policy.updated_at,
            )
    return EffectivePolicy(area_id, ApprovalMode.MANUAL, None, None, None)


def _policy_area(area_id: int) -> Area:
    area = org.get_area(area_id)
    if area.level not in (AreaLevel.COMMUNITY, AreaLevel.STREET):
        raise Invalid(
            "审批方式应设置在社区或街道",
            code="area.wrong_level",
            fields={"area_id": ["应为社区或街道"]},
        )
    return area


def get_policy(*, actor: Actor, area_id: int) -> EffectivePolicy:
    """The policy in force for a community (or street), and where it comes from."""
    require_somewhere(actor, Permission.HOURS_READ)
    area = _policy_area(area_id)
    authorize(actor, Permission.HOURS_READ, Place(area_path=area.path))
    return effective_policy(area.id, area.path)


def set_policy(
    *,
    actor: Actor,
    area_id: int,
    mode: ApprovalMode,
    auto_below_minutes: int | None = None,
    origin: Origin | None = None,
) -> EffectivePolicy:
    """Set how a community (or a street, for itself and communities without their own)
    confirms records. Takes effect for records created from now on."""
    require_somewhere(actor, Permission.HOURS_CONFIRM)
    area = _policy_area(area_id)
    authorize(actor, Permission.HOURS_CONFIRM, Place(area_path=area.path))
    if (mode == ApprovalMode.AUTOMATIC_BELOW) != (auto_below_minutes is not None):
        raise Invalid(
            "仅“低于阈值自动确认”需要填写阈值",
            code="policy.bad_threshold",
            fields={"auto_below_minutes": ["仅 automatic_below 需要且必须填写"]},
        )
    policy = _locked_policy(area.id)
    policy.mode, policy.auto_below_minutes, policy.updated_by_id = (
        mode,
        auto_below_minutes,
        actor.id,
    )
    security.record(
        action="hours.policy",
        account_id=actor.id,
        origin=origin,
        object_type="area",
        object_id=area.id,
        detail={"mode": mode.value, "auto_below_minutes": auto_below_minutes},
    )
    db.session.flush()
    return effective_policy(area.id, area.path)


def _locked_policy(area_id: int) -> ApprovalPolicy:
    """The area's policy row, locked; created (manual) if missing, safely under a race."""
    policy = db.session.get(ApprovalPolicy, area_id, with_for_update=True, populate_existing=True)
    if policy is not None:
        return policy
    try:
        with db.session.begin_nested():
            db.session.add(ApprovalPolicy(area_id=area_id, mode=ApprovalMode.MANUAL))
    except IntegrityError:
        pass  # another administrator's first policy for the area won; change theirs
    policy = db.session.get(ApprovalPolicy, area_id, with_for_update=True, populate_existing=True)
    assert policy is not None
    return policy
