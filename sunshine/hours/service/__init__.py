"""The hours domain's writes: service records and the decisions on them.

``records`` creates a record from what attendance saw (the minutes rule lives there),
``decisions`` confirms, rejects, voids and adjusts records and applies the approval policy
(the only writer of a record's ledger entries), ``totals`` sums confirmed time per member
and year. Callers import from here.
"""

from sunshine.hours.service.decisions import (
    MAX_CREDITED_MINUTES,
    STATUS_LABELS,
    Decision,
    adjust,
    adjust_credit,
    apply_policy,
    confirm,
    confirm_many,
    confirm_with,
    conflicted_on,
    get_record,
    own_record_refused,
    place_of,
    points_for,
    record_subject,
    reject,
    void,
)
from sunshine.hours.service.records import RULE, clamped_quarter_hours, create_record
from sunshine.hours.service.totals import confirmed_minutes_in_year

__all__ = [
    "MAX_CREDITED_MINUTES",
    "RULE",
    "STATUS_LABELS",
    "Decision",
    "adjust",
    "adjust_credit",
    "apply_policy",
    "clamped_quarter_hours",
    "confirm",
    "confirm_many",
    "confirm_with",
    "confirmed_minutes_in_year",
    "conflicted_on",
    "create_record",
    "get_record",
    "own_record_refused",
    "place_of",
    "points_for",
    "record_subject",
    "reject",
    "void",
]
