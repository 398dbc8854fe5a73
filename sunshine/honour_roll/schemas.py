"""Input and output of the honour roll (光荣榜) and the units' ranking."""

from __future__ import annotations

from marshmallow import fields, validate

from sunshine.api import ID, BaseSchema
from sunshine.cobuilding.schemas import CoBuildingOut
from sunshine.honour_roll.views import Measure
from sunshine.org.schemas import AreaOut

MEASURE_HELP = "hours: confirmed hours (default); services: confirmed services"


class RankingBoardArgs(BaseSchema):
    area_id = fields.Integer(
        validate=ID,
        metadata={"description": "the city (default), a street or a community of the period"},
    )
    by = fields.Enum(
        Measure, by_value=True, load_default=Measure.HOURS, metadata={"description": MEASURE_HELP}
    )
    limit = fields.Integer(load_default=20, validate=validate.Range(min=1, max=100))


class RankingEntryOut(BaseSchema):
    rank = fields.Integer(metadata={"description": "equal figures share a rank (1, 2, 2, 4)"})
    name = fields.String(metadata={"description": "masked: 张*明"})
    services = fields.Integer(metadata={"description": "confirmed services in the period"})
    minutes = fields.Integer(metadata={"description": "confirmed minutes in the period"})
    hours = fields.Float()
    is_me = fields.Boolean(metadata={"description": "the caller's own line"})


class RankingBoardOut(BaseSchema):
    period_id = fields.Integer()
    area = fields.Nested(AreaOut)
    by = fields.Enum(Measure, by_value=True)
    total = fields.Integer(metadata={"description": "members on the board"})
    items = fields.List(fields.Nested(RankingEntryOut))


class MyRankingArgs(BaseSchema):
    by = fields.Enum(
        Measure, by_value=True, load_default=Measure.HOURS, metadata={"description": MEASURE_HELP}
    )


class RankingStandingOut(BaseSchema):
    area = fields.Nested(AreaOut)
    rank = fields.Integer(
        allow_none=True, metadata={"description": "null: no confirmed service in the period"}
    )
    total = fields.Integer(metadata={"description": "members on the board"})


class MyRankingOut(BaseSchema):
    period_id = fields.Integer()
    by = fields.Enum(Measure, by_value=True)
    services = fields.Integer()
    minutes = fields.Integer()
    hours = fields.Float()
    boards = fields.List(
        fields.Nested(RankingStandingOut), metadata={"description": "community, street, city"}
    )


class UnitRankingArgs(BaseSchema):
    street_id = fields.Integer(validate=ID, metadata={"description": "a street of the city"})
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=500))


class UnitRankingEntryOut(BaseSchema):
    rank = fields.Integer(metadata={"description": "equal rates share a rank (1, 2, 2, 4)"})
    id = fields.Integer(metadata={"description": "the work unit"})
    name = fields.String()
    members = fields.Integer(metadata={"description": "verified members counted"})
    compliant = fields.Integer(metadata={"description": "达标"})
    compliant_rate = fields.Float(metadata={"description": "compliant / members, 0–1"})
    reported_in_rate = fields.Float()
    total_hours = fields.Float()
    co_building = fields.Nested(
        CoBuildingOut, metadata={"description": "the unit's 双报到 (单位报到) figures"}
    )


class UnitRankingOut(BaseSchema):
    period_id = fields.Integer()
    total = fields.Integer(metadata={"description": "units ranked"})
    items = fields.List(fields.Nested(UnitRankingEntryOut))
