"""Every export kind, by the name ``POST /exports`` takes.

Adding a kind is one module here defining ``KIND =
ExportKind(...)`` and one line below: docs/exports.md ("Adding a kind") walks through it.
"""

from __future__ import annotations

from sunshine.exports.kinds import (
    anomalies,
    callups,
    cobuilding,
    compliance,
    detachment_hours,
    evaluations,
    ledger,
    members,
    needs,
    needs_stats,
    records,
    signin,
    unit_feedback,
)
from sunshine.exports.registry import ExportKind

KINDS: dict[str, ExportKind] = {
    kind.name: kind
    for kind in (
        members.KIND,
        records.KIND,
        ledger.KIND,
        callups.KIND,
        signin.KIND,
        compliance.KIND,
        evaluations.KIND,
        anomalies.KIND,
        unit_feedback.KIND,
        needs.KIND,
        needs_stats.KIND,
        cobuilding.KIND,
        detachment_hours.KIND,
    )
}

# Who may ask for an export at all: a holder of some kind's permission (the kind's own is
# checked once the body names it).
PERMISSIONS = tuple(dict.fromkeys(kind.permission for kind in KINDS.values()))
