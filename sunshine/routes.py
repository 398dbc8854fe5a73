"""Every API blueprint, in the order they appear in the OpenAPI document."""

from __future__ import annotations

from sunshine.access.routes import blp as access_blp
from sunshine.anomalies.routes import blp as anomalies_blp
from sunshine.attendance.routes import blp as attendance_blp
from sunshine.audit.compliance_routes import blp as compliance_blp
from sunshine.audit.lock_routes import blp as locks_blp
from sunshine.audit.routes import blp as audit_blp
from sunshine.auth.routes import blp as auth_blp
from sunshine.bodies.routes import blp as bodies_blp
from sunshine.callups.routes import blp as callups_blp
from sunshine.campaigns.routes import blp as campaigns_blp
from sunshine.cobuilding.project_routes import blp as unit_projects_blp
from sunshine.cobuilding.routes import blp as cobuilding_blp
from sunshine.consent.routes import blp as consent_blp
from sunshine.console import city_pages  # noqa: F401  (its pages join console_pages)
from sunshine.console.pages import bp as console_pages
from sunshine.console.routes import blp as console_blp
from sunshine.detachments.routes import blp as detachments_blp
from sunshine.evaluations.routes import blp as evaluations_blp
from sunshine.exports.routes import blp as exports_blp
from sunshine.feedback.routes import blp as feedback_blp
from sunshine.honour_roll.routes import blp as honour_roll_blp
from sunshine.hours.correction_routes import blp as corrections_blp
from sunshine.hours.ledger_routes import blp as ledger_blp
from sunshine.hours.policy_routes import blp as approval_blp
from sunshine.hours.routes import blp as hours_blp
from sunshine.imports.routes import blp as imports_blp
from sunshine.members.routes import blp as members_blp
from sunshine.moderation.routes import blp as moderation_blp
from sunshine.needs.routes import blp as needs_blp
from sunshine.notify.routes import blp as notify_blp
from sunshine.ops.routes import blp as ops_blp
from sunshine.org.routes import blp as org_blp
from sunshine.reportin.routes import blp as reportin_blp
from sunshine.roster.routes import blp as roster_blp
from sunshine.security.routes import blp as security_blp
from sunshine.statements.routes import blp as statements_blp
from sunshine.tasks.invitation_routes import blp as invitations_blp
from sunshine.tasks.routes import blp as tasks_blp

BLUEPRINTS = [
    ops_blp,
    auth_blp,
    console_blp,
    consent_blp,
    members_blp,
    reportin_blp,
    tasks_blp,
    invitations_blp,
    attendance_blp,
    hours_blp,
    corrections_blp,
    approval_blp,
    ledger_blp,
    audit_blp,
    anomalies_blp,
    evaluations_blp,
    statements_blp,
    compliance_blp,
    honour_roll_blp,
    locks_blp,
    feedback_blp,
    callups_blp,
    campaigns_blp,
    detachments_blp,
    cobuilding_blp,
    unit_projects_blp,
    bodies_blp,
    needs_blp,
    moderation_blp,
    exports_blp,
    notify_blp,
    org_blp,
    roster_blp,
    imports_blp,
    access_blp,
    security_blp,
]

# Blueprints outside the API (HTML pages, not in the OpenAPI document).
PAGE_BLUEPRINTS = [console_pages]
