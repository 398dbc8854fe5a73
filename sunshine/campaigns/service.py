"""Campaigns: the organization department names, renames and deactivates a city's campaigns;
task managers tag tasks with the active ones (``active_of_city``)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select

from sunshine.access.permissions import Actor, Permission, Place, authorize, require_somewhere
from sunshine.access.refusals import Subject
from sunshine.campaigns.models import Campaign
from sunshine.errors import Conflict, Invalid, Missing
from sunshine.extensions import db
from sunshine.org import service as org
from sunshine.org.models import Area, AreaLevel
from sunshine.security import service as security
from sunshine.security.service import Origin

MANAGE = Permission.CAMPAIGN_MANAGE
CAMPAIGN_MISSING = Missing(code="campaign.not_found", message="专项活动标签不存在")


def get_city(city_id: int) -> Area:
    """The city a campaign list belongs to (404 unknown, 422 not a city)."""
    return org.get_area_of_level(city_id, AreaLevel.CITY, "city_id")


def get_campaign(campaign_id: int) -> Campaign:
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise CAMPAIGN_MISSING.error()
    return campaign


def _place(campaign: Campaign) -> Place:
    city = db.session.get_one(Area, campaign.city_id)
    return Place(area_path=city.path, subject=Subject("campaign", campaign.id, CAMPAIGN_MISSING))


def _check_unique(city_id: int, name: str) -> None:
    """409 when the city has a campaign of that name (under the city's row lock)."""
    if org.name_taken(city_id, name, area_column=Campaign.city_id, name_column=Campaign.name):
        raise Conflict(
            "本市已有同名的专项活动标签", code="campaign.duplicate", fields={"name": ["名称已存在"]}
        )


def create_campaign(
    *, actor: Actor, city_id: int, name: str, origin: Origin | None = None
) -> Campaign:
    """Name a campaign of the city (names are unique in a city)."""
    require_somewhere(actor, MANAGE)
    city = get_city(city_id)
    authorize(actor, MANAGE, Place(area_path=city.path))
    _check_unique(city.id, name)
    campaign = Campaign(city_id=city.id, name=name, active=True, created_by_id=actor.id)
    db.session.add(campaign)
    db.session.flush()
    security.record(
        action="campaign.create",
        account_id=actor.id,
        origin=origin,
        object_type="campaign",
        object_id=campaign.id,
        detail={"city_id": city.id, "name": name},
    )
    return campaign


def update_campaign(
    *, actor: Actor, campaign_id: int, changes: dict[str, Any], origin: Origin | None = None
) -> Campaign:
    """Rename or (de)activate a campaign. Tasks keep a deactivated campaign's tag (and the
    filter still finds them); it can no longer be put on a task."""
    require_somewhere(actor, MANAGE)
    campaign = get_campaign(campaign_id)
    authorize(actor, MANAGE, _place(campaign))
    if "name" in changes and changes["name"] != campaign.name:
        _check_unique(campaign.city_id, changes["name"])
        campaign.name = changes["name"]
    if "active" in changes:
        campaign.active = changes["active"]
    db.session.flush()
    security.record(
        action="campaign.update",
        account_id=actor.id,
        origin=origin,
        object_type="campaign",
        object_id=campaign.id,
        detail={k: v for k, v in changes.items() if k in ("name", "active")},
    )
    return campaign


def active_of_city(campaign_ids: Sequence[int], city_id: int) -> list[Campaign]:
    """The city's active campaigns with these ids, for a task to carry; an unknown id, one
    of another city or a deactivated one is refused (422 naming it)."""
    wanted = set(campaign_ids)
    if not wanted:
        return []
    found = list(
        db.session.scalars(
            select(Campaign)
            .where(Campaign.id.in_(wanted), Campaign.city_id == city_id, Campaign.active)
            .order_by(Campaign.id)
        )
    )
    if len(found) != len(wanted):
        refused = sorted(wanted - {c.id for c in found})
        raise Invalid(
            "专项活动标签不存在、已停用或不属于任务所在的市",
            code="campaign.unusable",
            fields={"campaign_ids": [f"不能使用的标签：{refused}"]},
        )
    return found


def of_city(campaign_id: int, city: Area, field: str = "campaign_id") -> Campaign:
    """A campaign named as a filter of the city's figures: 404 unknown, 422 another city's.

    Deactivated campaigns filter as before: their tasks' records still count for them."""
    campaign = get_campaign(campaign_id)
    if campaign.city_id != city.id:
        message = "不属于该周期所在的市"
        raise Invalid(message, code="campaign.wrong_city", fields={field: [message]})
    return campaign
