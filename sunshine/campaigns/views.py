"""The read side of campaigns: a city's list, and the one filter compliance and the record
listing narrow service records by."""

from __future__ import annotations

from sqlalchemy import Select, select

from sunshine.campaigns.models import Campaign, task_campaign
from sunshine.campaigns.service import get_city
from sunshine.extensions import db
from sunshine.tasks.models import Shift


def list_campaigns(*, city_id: int, active: bool | None = None) -> list[Campaign]:
    """The city's campaigns by id (a short list, like the skill catalogue: public to the
    signed-in, since tasks show their tags)."""
    city = get_city(city_id)
    query = select(Campaign).where(Campaign.city_id == city.id).order_by(Campaign.id)
    if active is not None:
        query = query.where(Campaign.active.is_(active))
    return list(db.session.scalars(query))


def tagged_shifts(campaign_id: int) -> Select[int]:
    """The ids of the shifts of the tasks tagged with the campaign: a record counts for the
    campaign when its shift is one of them (``ServiceRecord.shift_id.in_(…)``)."""
    return (
        select(Shift.id)
        .join(task_campaign, task_campaign.c.task_id == Shift.task_id)
        .where(task_campaign.c.campaign_id == campaign_id)
    )
