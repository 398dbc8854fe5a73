"""Rules for the area tree and work units."""

from __future__ import annotations

from sunshine.errors import Invalid, NotFound
from sunshine.extensions import db
from sunshine.org.models import CHILD_LEVEL, Area, AreaLevel, WorkUnit


def create_area(
    *, name: str, level: AreaLevel, parent: Area | None = None, division_code: str | None = None
) -> Area:
    """Add an area under ``parent`` (cities have none) and give it its path."""
    if (level == AreaLevel.CITY) != (parent is None):
        raise Invalid("只有市/县是顶级区域", code="area.bad_parent")
    if parent is not None and CHILD_LEVEL.get(parent.level) != level:
        raise Invalid("区域层级不正确", code="area.bad_parent")
    area = Area(name=name, level=level, parent=parent, division_code=division_code)
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


def get_work_unit(unit_id: int) -> WorkUnit:
    unit = db.session.get(WorkUnit, unit_id)
    if unit is None:
        raise NotFound("单位不存在", code="unit.not_found")
    return unit
