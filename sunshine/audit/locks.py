"""Which locked period, if any, holds a day of a city: what every change to a record asks."""

from __future__ import annotations

from datetime import date

from sqlalchemy import select

from sunshine.audit.models import Period
from sunshine.extensions import db


def city_id_of(area_path: str) -> int:
    """The city of an area path (its first segment: paths are ``/city/street/community/``)."""
    return int(area_path.strip("/").split("/")[0])


def locked_period(area_path: str, day: date) -> Period | None:
    """The locked period (of any kind) of the city of ``area_path`` that contains ``day``."""
    return db.session.scalar(
        select(Period)
        .where(
            Period.city_id == city_id_of(area_path),
            Period.locked_at.is_not(None),
            Period.starts_on <= day,
            Period.ends_on >= day,
        )
        .order_by(Period.starts_on)
        .limit(1)
    )
