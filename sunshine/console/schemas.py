"""The console login's API shapes (the mini-program's confirmation)."""

from __future__ import annotations

from marshmallow import Schema, fields


class TicketConfirmOut(Schema):
    status = fields.String(required=True, metadata={"description": "confirmed：已确认"})
