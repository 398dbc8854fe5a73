"""What the role matrix cannot read from the routes themselves.

A route declares who may call it (``sunshine.auth.current``): ``@requires(Permission.X)``
for an administrator's endpoint, ``@login_required`` for any signed-in account, nothing for a
public one. The routes without a permission are listed here by hand, each with the rule that
keeps scope B's callers away from scope A's objects; a new route missing from both fails the
matrix. ``BODIES`` holds a valid body for each write that scope B's holders of the permission
are sent (aimed at scope A's objects), so their refusal is the scope check, not the schema.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

from sunshine import clock
from sunshine.database import utcnow
from tests.steps import shift_body, task_body

# Keys are "METHOD /rule" as the url map spells rules.
PUBLIC = {
    "GET /healthz",
    "GET /readyz",
    "GET /static/<path:filename>",
    "GET /api/v1/openapi.json",
    "GET /api/v1/docs",
    "GET /api/v1/docs/assets/<path:filename>",
    "POST /api/v1/auth/login",
    "GET /api/v1/statements/verify",  # anyone holding a statement's number and code
    "GET /api/v1/privacy-notice",
    # The console's pages (HTML, not the API): a page checks the session itself (none: the
    # login page; without the page's permission: 404) and reads everything through the API.
    "GET /console/",
    "GET /console/compliance",
    "GET /console/imports",
    "GET /console/list/<key>",
    "GET /console/records",
    "GET /console/report-ins",
    "GET /console/tasks",
    "GET /console/shifts/<int:shift_id>/checkin",
    "GET /console/call-ups/<int:call_up_id>",
    "GET /console/need-stats",
    "GET /console/unit-report-ins/<int:report_in_id>",
    "GET /console/unit-yearly-reports/<int:report_id>",
    "GET /console/body",
    "GET /console/bodies/<int:body_id>",
    "GET /console/detachments/<int:detachment_id>",
    "GET /console/static/<path:filename>",
    "GET /console/vendor/<name>",
    # The console's login: the page that makes a ticket, its code, and the browser's poll
    # (which only the browser holding the ticket's nonce cookie can turn into a session).
    "GET /console/login",
    "GET /console/login/<string(length=24):ticket>/code.png",
    "POST /console/login/<string(length=24):ticket>/session",
}

# Any signed-in account, on data that is no one's (the public tree, catalogues) or the
# caller's own (``/me``: the account's own rows by construction).
ANY_ACCOUNT = {
    "GET /api/v1/areas",
    "GET /api/v1/areas/<int:area_id>",
    "GET /api/v1/units",
    "GET /api/v1/units/<int:unit_id>/party-orgs",
    "GET /api/v1/communities/<int:community_id>/teams",
    "GET /api/v1/skills",
    "GET /api/v1/cities/<int:city_id>/campaigns",  # a city's tags, shown on its tasks
    "GET /api/v1/cities/<int:city_id>/bodies",  # a city's bodies, named on their tasks
    "GET /api/v1/task-categories",
    "POST /api/v1/auth/logout",
    "GET /api/v1/me",
    "GET /api/v1/me/consents",
    "POST /api/v1/me/consents",
    "GET /api/v1/me/corrections",
    "GET /api/v1/me/data",
    "POST /api/v1/me/deactivate",
    "GET /api/v1/me/evaluations",
    "GET /api/v1/me/feed",
    "GET /api/v1/me/hours",
    "GET /api/v1/me/invitations",
    "GET /api/v1/me/member",
    "PATCH /api/v1/me/member",
    "POST /api/v1/me/member",
    "POST /api/v1/me/phone",
    "GET /api/v1/me/report-ins",
    "POST /api/v1/me/report-ins",
    "GET /api/v1/me/service-records",
    "GET /api/v1/me/signups",
    "GET /api/v1/me/statements",
    "POST /api/v1/me/statements",
    "POST /api/v1/punches",  # a code of a shift the member holds a place on
    "GET /api/v1/me/messages",
    "GET /api/v1/me/messages/unread-count",
    "POST /api/v1/me/messages/read",  # ids of others' messages are ignored, never marked
    "GET /api/v1/me/subscriptions",
    "POST /api/v1/me/subscriptions",
    "GET /api/v1/me/unit-feedback",
    # The honour roll: a member reads their own community's, street's and city's boards, an
    # admin those their grant reaches (others: 403); the names on it are masked and consented.
    "GET /api/v1/periods/<int:period_id>/rankings",
    "GET /api/v1/periods/<int:period_id>/rankings/me",
    # The admin's mini-program confirms a console login ticket; the service refuses accounts
    # without an admin grant (403 console.not_admin, logged).
    "POST /api/v1/console/tickets/<string(length=24):ticket>/confirm",
    "POST /console/logout",  # the caller's own console session
    "GET /console/qr.svg",  # draws text the page already holds (a signed-in console only)
    "GET /api/v1/exports",  # the caller's own rows (exports they asked for), nobody else's
    "GET /api/v1/me/detachments",  # the detachments the caller's own member belongs to
    # A resident's 微心愿 / 诉求: any account submits to a community, and lists its own.
    "GET /api/v1/me/needs",
    "POST /api/v1/me/needs",
}

# Any signed-in account on one object of someone's: only its holder, or an administrator in
# scope, gets it; everyone of scope B is refused with one of these statuses.
OWN_OBJECT: dict[str, set[int]] = {
    "GET /api/v1/members/<int:member_id>": {404},
    "GET /api/v1/service-records/<bigid:record_id>": {404},
    "POST /api/v1/service-records/<bigid:record_id>/corrections": {404},
    "GET /api/v1/tasks/<int:task_id>": {404},
    "GET /api/v1/shifts/<int:shift_id>": {404},
    "GET /api/v1/shifts/<int:shift_id>/checkin-code": {404},
    # Signing up is open to members reported in where the task is visible: others are not
    # eligible (a domain rule, not a permission).
    "POST /api/v1/shifts/<int:shift_id>/signups": {404, 409},
    "POST /api/v1/signups/<bigid:signup_id>/cancel": {404},
    "POST /api/v1/invitations/<bigid:invitation_id>/accept": {404},
    "POST /api/v1/invitations/<bigid:invitation_id>/decline": {404},
    "POST /api/v1/me/report-ins/<int:report_in_id>/withdraw": {404},
    "GET /api/v1/me/statements/<bigid:statement_id>": {404},
    "GET /api/v1/me/statements/<bigid:statement_id>/pdf": {404},
    "GET /api/v1/statements/<bigid:statement_id>": {404},
    "GET /api/v1/statements/<bigid:statement_id>/pdf": {404},
    # Held text: its author, or a reviewer in scope.
    "GET /api/v1/content-checks/<bigid:check_id>": {404},
    # The admin who asked for an export (still holding the kind's permission, to download).
    "GET /api/v1/exports/<int:export_id>": {404},
    "GET /api/v1/exports/<int:export_id>/file": {404},
    # A detachment's roster, hours and team signups: its leader (a member, named on the
    # detachment) or the org department of its city; anyone else as for an unknown detachment.
    "GET /api/v1/detachments/<int:detachment_id>": {404},
    "GET /api/v1/detachments/<int:detachment_id>/hours": {404},
    "POST /api/v1/shifts/<int:shift_id>/team-signups": {404},
    # A resident's need: its submitter; the photo also an admin managing the need's place.
    "GET /api/v1/me/needs/<int:need_id>": {404},
    "POST /api/v1/me/needs/<int:need_id>/rating": {404},
    "GET /api/v1/needs/<int:need_id>/photos/<int:photo_id>": {404},
}

# Reads of one area's figures named in the query (not listings): the query scope B's holders
# of the permission are sent, aimed at scope A's area.
QUERIES: dict[str, Callable[[dict[str, Any]], dict[str, Any]]] = {
    "GET /api/v1/needs/stats": lambda ids: {"area_id": ids["community_id"]},
}

# Permissions that are not scoped: the one national holiday table.
UNSCOPED = {
    "GET /api/v1/holidays",
    "PUT /api/v1/holidays/<day>",
    "DELETE /api/v1/holidays/<day>",
}

# Readers of a whole city (its periods, rules, compliance, evaluations) are let in by any
# grant that lies inside it (``require_reach``): each then sees its own part. The admin of a
# neighbouring community of the same city is no outsider there; the other city's are.
WHOLE_CITY = {
    "GET /api/v1/cities/<int:city_id>/periods",
    "GET /api/v1/periods/<int:period_id>/compliance",
    "GET /api/v1/periods/<int:period_id>/compliance/members",
    "GET /api/v1/periods/<int:period_id>/evaluation-settings",
    "GET /api/v1/periods/<int:period_id>/evaluations",
    "GET /api/v1/periods/<int:period_id>/requirement",
    "GET /api/v1/periods/<int:period_id>/requirement-history",
    "GET /api/v1/periods/<int:period_id>/streets/<int:street_id>/requirement",
}

# Writes whose permission is checked against the scope of what they produce rather than
# refused: an export is filtered to the requester's own scope (an area of another scope
# yields an empty file, as a listing filtered to it yields an empty page).
SCOPE_FILTERED = {"POST /api/v1/exports"}

Body = Callable[[dict[str, Any]], Any]
REASON: Body = lambda ids: {"reason": "矩阵测试"}  # noqa: E731
EMPTY: Body = lambda ids: {}  # noqa: E731


def _soon(hours: int = 0) -> str:
    return (utcnow() + timedelta(days=1, hours=hours)).isoformat()


BODIES: dict[str, Body] = {
    "POST /api/v1/anomalies/<bigid:anomaly_id>/answer": lambda ids: {"note": "已核实"},
    "POST /api/v1/anomalies/<bigid:anomaly_id>/review": lambda ids: {"outcome": "no_problem"},
    "POST /api/v1/content-checks/<bigid:check_id>/reject": REASON,
    "POST /api/v1/call-ups": lambda ids: {
        "area_id": ids["street_id"],
        "title": "迎检",
        "day": (clock.today() + timedelta(days=5)).isoformat(),
        "posts": [{"shift_id": ids["shift_id"], "places": 1}],
    },
    "POST /api/v1/call-ups/<int:call_up_id>/assignments": lambda ids: {
        "post_id": ids["post_id"],
        "member_id": ids["member_id"],
    },
    "POST /api/v1/call-ups/<int:call_up_id>/cancel": REASON,
    "POST /api/v1/cities/<int:city_id>/campaigns": lambda ids: {"name": "专项整治"},
    "PATCH /api/v1/campaigns/<int:campaign_id>": lambda ids: {"active": False},
    "POST /api/v1/cities/<int:city_id>/detachments": lambda ids: {"name": "矩阵支队"},
    "PATCH /api/v1/detachments/<int:detachment_id>": lambda ids: {"name": "改名支队"},
    "POST /api/v1/detachments/<int:detachment_id>/members": lambda ids: {
        "member_ids": [ids["other_member_id"]]
    },
    "POST /api/v1/shifts/<int:shift_id>/team-signups": lambda ids: {
        "detachment_id": ids["detachment_id"],
        "member_ids": [ids["member_id"]],
    },
    "POST /api/v1/cities/<int:city_id>/bodies": lambda ids: {"name": "学雷锋岗", "kind": "post"},
    "PATCH /api/v1/bodies/<int:body_id>": lambda ids: {"name": "实践中心（改）"},
    "POST /api/v1/bodies/<int:body_id>/tasks": lambda ids: (
        {k: v for k, v in task_body_for(ids).items() if k != "area_id"} | {"visibility": "city"}
    ),
    "POST /api/v1/cities/<int:city_id>/periods": lambda ids: {
        "kind": "quarter",
        "starts_on": "2030-01-01",
        "ends_on": "2030-03-31",
    },
    "PUT /api/v1/communities/<int:area_id>/approval-policy": lambda ids: {"mode": "automatic"},
    "POST /api/v1/communities/<int:community_id>/needs": lambda ids: {"content": "助餐"},
    "POST /api/v1/communities/<int:community_id>/teams": lambda ids: {"name": "矩阵服务队"},
    "POST /api/v1/corrections/<bigid:correction_id>/reject": REASON,
    "POST /api/v1/grants": lambda ids: {
        "member_id": ids["member_id"],
        "role": "community_admin",
        "area_id": ids["community_id"],
    },
    "POST /api/v1/ledger/verifications": lambda ids: {"city_id": ids["city_id"]},
    "POST /api/v1/members/<int:member_id>/review": lambda ids: {"approve": True},
    "PATCH /api/v1/needs/<int:need_id>": lambda ids: {"content": "助餐（改）"},
    "POST /api/v1/needs/<int:need_id>/decline": REASON,
    "POST /api/v1/me/needs/<int:need_id>/rating": lambda ids: {"rating": "satisfied"},
    "POST /api/v1/needs/<int:need_id>/task": lambda ids: {
        k: v for k, v in task_body_for(ids).items() if k not in {"area_id", "kind", "content"}
    },
    "POST /api/v1/periods/<int:period_id>/adjustments": lambda ids: {
        "record_id": ids["confirmed_id"],
        "minutes": 30,
        "reason": "补录",
    },
    "POST /api/v1/periods/<int:period_id>/communities/<int:community_id>/evaluations": lambda ids: {
        "items": [{"member_id": ids["member_id"], "grade": "good"}]
    },
    "PUT /api/v1/periods/<int:period_id>/communities/<int:community_id>/evaluations/"
    "<int:member_id>": lambda ids: {"grade": "excellent"},
    "PUT /api/v1/periods/<int:period_id>/evaluation-settings": lambda ids: {
        "excellent_cap_percent": 30
    },
    "PUT /api/v1/periods/<int:period_id>/requirement": lambda ids: {"min_services": 3},
    "PUT /api/v1/periods/<int:period_id>/streets/<int:street_id>/requirement": lambda ids: {
        "min_services": 5
    },
    "POST /api/v1/periods/<int:period_id>/unlock": REASON,
    "POST /api/v1/report-ins/<int:report_in_id>/end": REASON,
    "POST /api/v1/report-ins/<int:report_in_id>/reject": REASON,
    "POST /api/v1/service-records/<bigid:record_id>/adjustments": lambda ids: {
        "minutes": 30,
        "reason": "补录",
    },
    "POST /api/v1/service-records/<bigid:record_id>/reject": REASON,
    "POST /api/v1/service-records/<bigid:record_id>/void": REASON,
    "POST /api/v1/service-records/confirm": lambda ids: {"ids": [ids["record_id"]]},
    "PATCH /api/v1/shifts/<int:shift_id>": lambda ids: {"capacity": 6},
    "POST /api/v1/shifts/<int:shift_id>/attendance": lambda ids: {
        "member_id": ids["member_id"],
        "checked_in_at": _soon(),
        "checked_out_at": _soon(1),
        "reason": "手机没电",
    },
    "POST /api/v1/shifts/<int:shift_id>/cancel": REASON,
    "PUT /api/v1/shifts/<int:shift_id>/code-holder": lambda ids: {"member_id": ids["member_id"]},
    "POST /api/v1/shifts/<int:shift_id>/invitations": lambda ids: {
        "member_ids": [ids["member_id"]]
    },
    "POST /api/v1/signups/<bigid:signup_id>/excuse": REASON,
    "POST /api/v1/tasks": lambda ids: task_body_for(ids),
    "PATCH /api/v1/tasks/<int:task_id>": lambda ids: {"title": "改名"},
    "POST /api/v1/tasks/<int:task_id>/cancel": REASON,
    "POST /api/v1/tasks/<int:task_id>/shifts": lambda ids: shift_body(),
    "POST /api/v1/tasks/<int:task_id>/weekly-schedule": lambda ids: {
        "weekdays": [1],
        "start_time": "09:00",
        "end_time": "11:00",
        "capacity": 3,
    },
    "POST /api/v1/service-records/<bigid:record_id>/corrections": lambda ids: {
        "proposed_minutes": 10,
        "reason": "多算了",
    },
    "POST /api/v1/me/report-ins/<int:report_in_id>/withdraw": REASON,
    "POST /api/v1/unit-report-ins": lambda ids: {
        "unit_id": ids["unit_id"],
        "party_org_id": ids["party_org_id"],
        "community_id": ids["community_id"],
    },
    "POST /api/v1/unit-report-ins/<int:unit_report_in_id>/reject": REASON,
    "POST /api/v1/unit-report-ins/<int:unit_report_in_id>/withdraw": REASON,
    "PUT /api/v1/unit-report-ins/<int:unit_report_in_id>/agreement": lambda ids: agreement_body(
        ids
    ),
    "POST /api/v1/unit-report-ins/<int:unit_report_in_id>/projects": lambda ids: project_body(ids),
    "PUT /api/v1/unit-projects/<int:unit_project_id>/members": lambda ids: {
        "member_ids": [ids["member_id"]]
    },
    "POST /api/v1/unit-projects/<int:unit_project_id>/cancel": REASON,
    "POST /api/v1/units/<int:unit_id>/yearly-reports": lambda ids: yearly_report_body(ids),
}


def agreement_body(ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "starts_on": clock.today().isoformat(),
        "ends_on": (clock.today() + timedelta(days=365)).isoformat(),
        "text": "共驻共建协议",
        "resources": [{"kind": "vehicles", "name": "救护车", "quantity": 1, "measure": "辆"}],
    }


def project_body(ids: dict[str, Any]) -> dict[str, Any]:
    return {
        "title": "义诊",
        "description": "社区义诊",
        "planned_from": clock.today().isoformat(),
        "planned_to": (clock.today() + timedelta(days=30)).isoformat(),
    }


def yearly_report_body(ids: dict[str, Any]) -> dict[str, Any]:
    return {"year": clock.today().year, "text": "年度共建报告"}


def task_body_for(ids: dict[str, Any]) -> dict[str, Any]:
    from sunshine.extensions import db
    from sunshine.org.models import Area

    community = db.session.get(Area, ids["community_id"])
    assert community is not None
    return task_body(community)


# Upload endpoints take the city in the query and a file (multipart).
UPLOADS = {
    "POST /api/v1/org/imports/areas",
    "POST /api/v1/org/imports/units",
    "POST /api/v1/roster/imports",
    "POST /api/v1/me/needs",  # a resident's wish: its fields and photo (multipart)
}
