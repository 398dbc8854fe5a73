"""The skill catalogue members pick from and tasks ask for."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from sunshine.access.permissions import EVERYWHERE, Actor, Permission, authorize
from sunshine.errors import Conflict, Invalid, NotFound
from sunshine.extensions import db
from sunshine.members.models import Skill


def list_skills(include_inactive: bool = False) -> list[Skill]:
    query = select(Skill).order_by(Skill.sort_order, Skill.id)
    if not include_inactive:
        query = query.where(Skill.active)
    return list(db.session.scalars(query))


def active_skills(skill_ids: Sequence[int]) -> list[Skill]:
    """The catalogue's skills with these ids, for a member or a task to pick; an unknown or
    deactivated one is refused (422 naming it)."""
    wanted = set(skill_ids)
    found = list(db.session.scalars(select(Skill).where(Skill.id.in_(wanted), Skill.active)))
    if len(found) != len(wanted):
        unknown = sorted(wanted - {s.id for s in found})
        raise Invalid(
            "技能不在目录中", code="skill.unknown", fields={"skill_ids": [f"未知技能：{unknown}"]}
        )
    return found


def create_skill(*, actor: Actor, name: str) -> Skill:
    authorize(actor, Permission.CATALOGUE_MANAGE, EVERYWHERE)
    if db.session.scalar(select(Skill.id).where(Skill.name == name)):
        raise Conflict("技能已存在", code="skill.duplicate")
    last = db.session.scalar(select(Skill.sort_order).order_by(Skill.sort_order.desc()).limit(1))
    skill = Skill(name=name, active=True, sort_order=(last or 0) + 1)
    db.session.add(skill)
    db.session.flush()
    return skill


def update_skill(*, actor: Actor, skill_id: int, changes: dict[str, Any]) -> Skill:
    """Rename or (de)activate a skill; members keep deactivated skills, new picks cannot."""
    authorize(actor, Permission.CATALOGUE_MANAGE, EVERYWHERE)
    skill = db.session.get(Skill, skill_id)
    if skill is None:
        raise NotFound("技能不存在", code="skill.not_found")
    if "name" in changes and changes["name"] != skill.name:
        if db.session.scalar(select(Skill.id).where(Skill.name == changes["name"])):
            raise Conflict("技能已存在", code="skill.duplicate")
        skill.name = changes["name"]
    if "active" in changes:
        skill.active = changes["active"]
    db.session.flush()
    return skill
