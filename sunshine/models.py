"""Every model module, imported in one place so the metadata (and Alembic) sees all tables."""

from __future__ import annotations

from sunshine.access import models as access_models
from sunshine.anomalies import models as anomalies_models
from sunshine.attendance import models as attendance_models
from sunshine.audit import models as audit_models
from sunshine.auth import models as auth_models
from sunshine.bodies import models as bodies_models
from sunshine.callups import models as callups_models
from sunshine.campaigns import models as campaigns_models
from sunshine.cobuilding import models as cobuilding_models
from sunshine.consent import models as consent_models
from sunshine.console import models as console_models
from sunshine.detachments import models as detachments_models
from sunshine.evaluations import models as evaluations_models
from sunshine.exports import models as exports_models
from sunshine.feedback import models as feedback_models
from sunshine.hours import models as hours_models
from sunshine.imports import models as imports_models
from sunshine.jobs import models as jobs_models
from sunshine.members import models as members_models
from sunshine.moderation import models as moderation_models
from sunshine.needs import models as needs_models
from sunshine.notify import models as notify_models
from sunshine.org import models as org_models
from sunshine.reportin import models as reportin_models
from sunshine.roster import models as roster_models
from sunshine.security import models as security_models
from sunshine.statements import models as statements_models
from sunshine.tasks import audience as tasks_audience
from sunshine.tasks import models as tasks_models

__all__ = [
    "access_models",
    "anomalies_models",
    "attendance_models",
    "audit_models",
    "auth_models",
    "bodies_models",
    "callups_models",
    "campaigns_models",
    "cobuilding_models",
    "consent_models",
    "console_models",
    "detachments_models",
    "evaluations_models",
    "exports_models",
    "feedback_models",
    "hours_models",
    "imports_models",
    "jobs_models",
    "members_models",
    "moderation_models",
    "needs_models",
    "notify_models",
    "org_models",
    "reportin_models",
    "roster_models",
    "security_models",
    "statements_models",
    "tasks_audience",
    "tasks_models",
]
