"""What a console page needs to know of its user before it asks the API for anything."""

from __future__ import annotations

from typing import Any

from sunshine.access.models import Role
from sunshine.access.permissions import Actor, Permission, can_somewhere
from sunshine.bodies.models import CityBody
from sunshine.extensions import db
from sunshine.org.models import Area, WorkUnit

ROLE_LABELS = {
    Role.COMMUNITY_ADMIN: "社区管理员",
    Role.STREET_ADMIN: "街道管理员",
    Role.UNIT_ADMIN: "单位管理员",
    Role.ORG_ADMIN: "组织部",
    Role.SYS_ADMIN: "系统管理员",
    Role.BODY_ADMIN: "机构管理员",
}


def page_context(actor: Actor) -> dict[str, Any]:
    """The user's admin grants, each with the city it lies in (the periods are a city's), in
    the order the dashboard prefers them: the widest scope first."""
    scopes: list[dict[str, Any]] = []
    for grant in actor.grants:
        if grant.role not in ROLE_LABELS:
            continue
        scope: dict[str, Any] = {"role": grant.role.value, "label": ROLE_LABELS[grant.role]}
        if grant.area_id is not None:
            area = db.session.get_one(Area, grant.area_id)
            city_id = int(area.path.strip("/").split("/")[0])
            scope |= {"kind": area.level.value, "id": area.id, "name": area.name}
            scope["city_id"] = city_id
        elif grant.unit_id is not None:
            unit = db.session.get_one(WorkUnit, grant.unit_id)
            scope |= {"kind": "unit", "id": unit.id, "name": unit.name, "city_id": unit.city_id}
        elif grant.body_id is not None:
            body = db.session.get_one(CityBody, grant.body_id)
            scope |= {"kind": "body", "id": body.id, "name": body.name, "city_id": body.city_id}
        else:
            scope |= {"kind": "everywhere", "id": None, "name": "全部", "city_id": None}
        scopes.append(scope)
    order = ["everywhere", "city", "street", "unit", "community", "body", "grid"]
    scopes.sort(key=lambda s: order.index(s["kind"]) if s["kind"] in order else len(order))
    # What the pages offer (forms, buttons) follows what the user holds somewhere; the API
    # still decides on each object.
    held = [permission.value for permission in Permission if can_somewhere(actor, permission)]
    return {"scopes": scopes, "permissions": held}


# The console's menu: each page, and the permission without which it is neither shown nor
# opened (the API checks the scope of everything on it).
NAV: tuple[tuple[str, str, Permission], ...] = (
    ("dashboard", "工作台", Permission.CONSOLE_LOGIN),
    ("compliance", "达标情况", Permission.COMPLIANCE_READ),
    ("evaluations", "评价", Permission.EVALUATION_READ),
    ("grading", "评价打分", Permission.EVALUATION_GRADE),
    ("rankings", "光荣榜", Permission.RANKING_READ),
    ("unit-rankings", "单位达标排名", Permission.RANKING_UNITS),
    ("unit-feedback", "单位反馈", Permission.UNIT_FEEDBACK_READ),
    ("statements", "服务证明", Permission.STATEMENT_READ),
    ("imports", "数据导入", Permission.ORG_IMPORT),
    ("members", "党员", Permission.MEMBER_LIST),
    ("report_ins", "报到审批", Permission.REPORT_IN_LIST),
    ("tasks", "任务与班次", Permission.TASK_MANAGE),
    ("needs", "需求清单", Permission.NEED_READ),
    ("need_stats", "心愿诉求统计", Permission.NEED_ANSWER),
    ("unit-report-ins", "单位报到", Permission.COBUILD_READ),
    ("unit-projects", "共建项目", Permission.COBUILD_READ),
    ("unit-yearly-reports", "年度报告", Permission.COBUILD_READ),
    ("bodies", "市级机构", Permission.BODY_MANAGE),
    ("body", "本机构任务", Permission.TASK_MANAGE),
    ("detachments", "志愿服务支队", Permission.DETACHMENT_MANAGE),
    ("call-ups", "动员", Permission.CALLUP_MANAGE),
    ("records", "服务记录确认", Permission.HOURS_READ),
    ("corrections", "更正申请", Permission.HOURS_CONFIRM),
    ("anomalies", "异常复核", Permission.ANOMALY_READ),
    ("content-checks", "内容审核", Permission.CONTENT_REVIEW),
    ("periods", "考核周期与锁定", Permission.REQUIREMENT_READ),
    ("grants", "授权管理", Permission.GRANT_MANAGE),
    ("security", "安全日志", Permission.SECURITY_LOG_READ),
    ("notify-messages", "消息发送", Permission.NOTIFY_MONITOR),
    ("exports", "我的导出", Permission.CONSOLE_LOGIN),
)


def permission_of(page: str) -> Permission:
    return next(permission for key, _, permission in NAV if key == page)


def body_ids(actor: Actor) -> list[int]:
    """The city bodies the user administers (their body_admin grants), in grant order."""
    return [g.body_id for g in actor.grants if g.body_id is not None and g.is_active]


def may_open(actor: Actor, page: str) -> bool:
    """Whether the page is the user's: its permission held somewhere; the page of one's city
    body also needs a body grant (community admins hold task.manage too, on no body)."""
    if not can_somewhere(actor, permission_of(page)):
        return False
    return page != "body" or bool(body_ids(actor))


def menu(actor: Actor) -> list[tuple[str, str]]:
    """The pages this user may open: (key, label)."""
    return [(key, label) for key, label, _ in NAV if may_open(actor, key)]
