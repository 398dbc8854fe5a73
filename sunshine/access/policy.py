"""The one table of who may do what: every ``Permission`` and the roles that hold it.

``access.permissions`` applies it (``authorize``, ``scope_filter``); services import both
from there.
"""

from __future__ import annotations

from enum import StrEnum

from sunshine.access.models import GRID_ROLES, Role


class Permission(StrEnum):
    ACCOUNT_MANAGE = "account.manage"
    GRANT_MANAGE = "grant.manage"
    GRID_ROLE_MANAGE = "grid_role.manage"  # name and revoke the grid roles of grids in scope
    GRID_READ = "grid.read"  # a grid's members and their report-ins
    SECURITY_LOG_READ = "security_log.read"
    CATALOGUE_MANAGE = "catalogue.manage"  # skills, privacy notice, cities
    ORG_IMPORT = "org.import"  # area tree, work units, roster
    ORG_MANAGE = "org.manage"  # service teams of a community
    MEMBER_LIST = "member.list"
    MEMBER_REVIEW = "member.review"  # approve registrations missing from the roster
    MEMBER_CONTACT = "member.contact"  # see full phone numbers
    REPORT_IN_LIST = "report_in.list"
    REPORT_IN_DECIDE = "report_in.decide"  # approve, reject, end, place in grid/teams
    TASK_MANAGE = "task.manage"  # post, edit, publish, cancel tasks and shifts; see rosters
    NEED_READ = "need.read"  # the needs list and a need (a grid role: its grid's needs)
    NEED_ANSWER = "need.answer"  # record, accept, decline, edit a need, make a task of it
    NEED_CONTACT = "need.contact"  # see a resident's contact on the needs list
    HOURS_READ = "hours.read"  # service records of the communities in scope
    HOURS_CONFIRM = "hours.confirm"  # confirm, reject, void, adjust; decide corrections; policy
    CALENDAR_MANAGE = "calendar.manage"  # the holiday table that working days are counted by
    CALLUP_MANAGE = "callup.manage"  # call-ups (动员) of a street or city: propose, confirm
    LEDGER_VERIFY = "ledger.verify"  # verify the ledgers against the signed digests
    REQUIREMENT_READ = "requirement.read"  # periods and their service requirements
    REQUIREMENT_CITY = "requirement.city"  # a city's periods and requirements
    REQUIREMENT_STREET = "requirement.street"  # a street's tightening of the city's requirement
    ANOMALY_READ = "anomaly.read"  # anomalies in scope (a community: those sent back to it)
    ANOMALY_REVIEW = "anomaly.review"  # review an anomaly: no problem, void the record, send back
    ANOMALY_ANSWER = "anomaly.answer"  # answer an anomaly sent back to the community
    EVALUATION_READ = "evaluation.read"  # evaluations (评价) of the communities in scope
    EVALUATION_GRADE = "evaluation.grade"  # grade the community's members for a period
    EVALUATION_AMEND_LOCKED = "evaluation.amend_locked"  # change them once the period is locked
    EVALUATION_SETTINGS = "evaluation.settings"  # a city's cap on the share of 优秀
    STATEMENT_READ = "statement.read"  # service statements issued in the name of areas in scope
    COMPLIANCE_READ = "compliance.read"  # members' compliance with a period's requirement
    PERIOD_LOCK = "period.lock"  # lock (close the books of) an ended period of a city, unlock it
    NOTIFY_MONITOR = "notify.monitor"  # every account's outbox messages and their failures
    HOURS_ADJUST_LOCKED = "hours.adjust_locked"  # the one change to a record of a locked period
    CONSOLE_LOGIN = "console.login"  # log in to the PC console (its pages then ask for the rest)
    RANKING_READ = "ranking.read"  # the honour roll (光荣榜) of an area the grant reaches
    RANKING_UNITS = "ranking.units"  # work units ranked by their members' compliance
    CONTENT_REVIEW = "content.review"  # approve or reject public text WeChat held for a person
    UNIT_FEEDBACK_ISSUE = "unit_feedback.issue"  # tell a city's work units how their members served
    UNIT_FEEDBACK_READ = "unit_feedback.read"  # read and download a unit's feedback
    CAMPAIGN_MANAGE = "campaign.manage"  # a city's campaigns (创城, 专项整治 …) that tag tasks
    DETACHMENT_MANAGE = "detachment.manage"  # a city's volunteer detachments (支队), rosters
    COBUILD_READ = "cobuild.read"  # units' report-ins, agreements, projects, yearly reports
    COBUILD_MANAGE = "cobuild.manage"  # the unit's side: report in, agreement, projects, report
    COBUILD_DECIDE = "cobuild.decide"  # the community's side: admit, countersign, confirm done
    BODY_MANAGE = "body.manage"  # a city's bodies (实践中心、实践站、部门、学雷锋岗)


_ADMINS = frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.UNIT_ADMIN, Role.ORG_ADMIN})
_ORGANISERS = frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.ORG_ADMIN, Role.BODY_ADMIN})

POLICY: dict[Permission, frozenset[Role]] = {
    Permission.ACCOUNT_MANAGE: frozenset({Role.SYS_ADMIN}),
    Permission.GRANT_MANAGE: frozenset({Role.SYS_ADMIN, Role.ORG_ADMIN}),
    Permission.GRID_ROLE_MANAGE: frozenset({Role.SYS_ADMIN, Role.ORG_ADMIN, Role.COMMUNITY_ADMIN}),
    Permission.GRID_READ: GRID_ROLES | {Role.COMMUNITY_ADMIN},
    Permission.SECURITY_LOG_READ: frozenset({Role.SYS_ADMIN}),
    Permission.NOTIFY_MONITOR: frozenset({Role.SYS_ADMIN}),
    Permission.CATALOGUE_MANAGE: frozenset({Role.SYS_ADMIN}),
    Permission.ORG_IMPORT: frozenset({Role.ORG_ADMIN}),
    Permission.ORG_MANAGE: frozenset({Role.COMMUNITY_ADMIN, Role.ORG_ADMIN}),
    Permission.MEMBER_LIST: frozenset({Role.UNIT_ADMIN, Role.ORG_ADMIN}),
    Permission.MEMBER_REVIEW: frozenset({Role.UNIT_ADMIN, Role.ORG_ADMIN}),
    # Those who organise members in person see their numbers; oversight roles see them masked.
    Permission.MEMBER_CONTACT: frozenset({Role.COMMUNITY_ADMIN, Role.UNIT_ADMIN}),
    Permission.REPORT_IN_LIST: _ADMINS - {Role.UNIT_ADMIN},
    Permission.REPORT_IN_DECIDE: frozenset({Role.COMMUNITY_ADMIN}),
    Permission.TASK_MANAGE: _ORGANISERS | GRID_ROLES,
    Permission.NEED_READ: GRID_ROLES | _ADMINS - {Role.UNIT_ADMIN},
    # Answering a resident is the community's word (and its street's, the city's): grid roles
    # see their grid's needs but do not answer for the community.
    Permission.NEED_ANSWER: _ADMINS - {Role.UNIT_ADMIN},
    # The resident's contact stays private to the community that recorded the need.
    Permission.NEED_CONTACT: frozenset({Role.COMMUNITY_ADMIN}),
    Permission.HOURS_READ: _ORGANISERS,
    # The organising community confirms (the street its street-wide tasks; a body its own).
    Permission.HOURS_CONFIRM: frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.BODY_ADMIN}),
    Permission.CALENDAR_MANAGE: frozenset({Role.SYS_ADMIN, Role.ORG_ADMIN}),
    # A call-up spans communities: the street and the organization department run them.
    Permission.CALLUP_MANAGE: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # The audit of the city's ledgers (a global grant: every member's).
    Permission.LEDGER_VERIFY: frozenset({Role.SYS_ADMIN, Role.ORG_ADMIN}),
    Permission.REQUIREMENT_READ: _ADMINS - {Role.UNIT_ADMIN},
    # The organization department sets the rule; a street may only tighten it.
    Permission.REQUIREMENT_CITY: frozenset({Role.ORG_ADMIN}),
    Permission.REQUIREMENT_STREET: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # The street and the organization department review what the detectors find; a community
    # sees only what is sent back to it, and answers it.
    Permission.ANOMALY_READ: frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.ORG_ADMIN}),
    Permission.ANOMALY_REVIEW: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    Permission.ANOMALY_ANSWER: frozenset({Role.COMMUNITY_ADMIN}),
    Permission.EVALUATION_READ: _ADMINS - {Role.UNIT_ADMIN},
    # The community grades its members; once the period is locked only the organization
    # department changes a grade (with a reason), and it sets the city's cap on 优秀.
    Permission.EVALUATION_GRADE: frozenset({Role.COMMUNITY_ADMIN}),
    Permission.EVALUATION_AMEND_LOCKED: frozenset({Role.ORG_ADMIN}),
    Permission.EVALUATION_SETTINGS: frozenset({Role.ORG_ADMIN}),
    # The issuing community, the street above it, the organization department's oversight.
    Permission.STATEMENT_READ: frozenset({Role.COMMUNITY_ADMIN, Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # A unit admin sees its members' figures, and the detail of those who consented.
    Permission.COMPLIANCE_READ: _ADMINS,
    # The organization department closes the books, and alone may still correct them.
    Permission.PERIOD_LOCK: frozenset({Role.ORG_ADMIN}),
    Permission.HOURS_ADJUST_LOCKED: frozenset({Role.ORG_ADMIN}),
    # The console is for those who administer something; a member's place is the mini-program.
    Permission.CONSOLE_LOGIN: _ADMINS | {Role.SYS_ADMIN, Role.BODY_ADMIN},
    # The honour roll is shown in public (consenting members only, names masked): every admin
    # of the city may read the boards of the areas their grant reaches (members read their own
    # community's, street's and city's without a grant). Units are ranked for oversight only.
    Permission.RANKING_READ: _ADMINS,
    Permission.RANKING_UNITS: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # Held text is judged a level above the community that mostly writes it (never by its
    # own author: moderation.service.decide).
    Permission.CONTENT_REVIEW: frozenset({Role.STREET_ADMIN, Role.ORG_ADMIN}),
    # 双报到反馈: the organization department issues it to the city's units; the unit reads
    # its own (the organization department reads what it sent).
    Permission.UNIT_FEEDBACK_ISSUE: frozenset({Role.ORG_ADMIN}),
    Permission.UNIT_FEEDBACK_READ: frozenset({Role.UNIT_ADMIN, Role.ORG_ADMIN}),
    # The organization department names the city's campaigns; task managers tag with them.
    Permission.CAMPAIGN_MANAGE: frozenset({Role.ORG_ADMIN}),
    # The organization department runs the city's detachments; their leaders are members,
    # authorised by the detachment itself (detachments.service.steward), not by a grant.
    Permission.DETACHMENT_MANAGE: frozenset({Role.ORG_ADMIN}),
    # 单位报到 / 共驻共建: the unit writes, the community it reports in to decides; the street
    # and the organization department read (docs/units.md).
    Permission.COBUILD_READ: _ADMINS,
    Permission.COBUILD_MANAGE: frozenset({Role.UNIT_ADMIN}),
    Permission.COBUILD_DECIDE: frozenset({Role.COMMUNITY_ADMIN}),
    # The organization department keeps the city's bodies; their admins run the bodies' tasks.
    Permission.BODY_MANAGE: frozenset({Role.ORG_ADMIN}),
}
