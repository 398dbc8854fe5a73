"""The console's list pages, declared rather than written one by one: which API listing a page
shows, its filters, its columns and the actions on a row, each action one API call.
``static/list.js`` draws any of them; the API decides, as always, who may see and do what."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any


@dataclass(frozen=True)
class Field:
    """An input: a filter above the list, or what an action asks for before it is sent."""

    name: str
    label: str
    kind: str = "text"  # text, number, select
    options: dict[str, str] = field(default_factory=dict)
    required: bool = False


@dataclass(frozen=True)
class Column:
    label: str
    path: str  # a dotted path into the row
    format: str = "text"  # text, time, date, percent (of a 0–1 rate), map (through ``labels``)
    labels: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Action:
    """A button on a row: ``path`` with ``{id}`` (the row's id) is called with ``body``, whose
    ``"$field"`` values are taken from the row, plus what ``fields`` asks for."""

    label: str
    path: str
    method: str = "POST"
    body: dict[str, Any] = field(default_factory=dict)
    fields: tuple[Field, ...] = ()
    when: dict[str, str] = field(default_factory=dict)  # row path → value for it to show


@dataclass(frozen=True)
class Create:
    """A form above the list that adds a row."""

    label: str
    path: str
    fields: tuple[Field, ...]


@dataclass(frozen=True)
class ListPage:
    key: str
    title: str
    # ``{period_id}``: the period chosen on the page; ``{city_id}``: the user's city.
    endpoint: str
    columns: tuple[Column, ...]
    filters: tuple[Field, ...] = ()
    actions: tuple[Action, ...] = ()
    create: Create | None = None
    needs_period: bool = False
    hint: str = ""

    def config(self) -> dict[str, Any]:
        return asdict(self)


REASON = Field("reason", "理由", required=True)
NOTE = Field("note", "说明", required=True)
MEMBER_STATUS = {
    "pending": "待审核",
    "verified": "已认证",
    "rejected": "未通过",
    "deactivated": "已注销",
}
ANOMALY_STATUS = {
    "open": "待复核",
    "closed": "已处理",
    "sent_back": "已退回社区",
    "answered": "社区已答复",
}
ROLES = {
    "member": "党员",
    "community_admin": "社区管理员",
    "street_admin": "街道管理员",
    "unit_admin": "单位管理员",
    "org_admin": "组织部",
    "sys_admin": "系统管理员",
}

PAGES = {
    page.key: page
    for page in (
        ListPage(
            key="members",
            title="党员",
            endpoint="/api/v1/members",
            filters=(
                Field("status", "状态", "select", MEMBER_STATUS),
                Field("name", "姓名"),
            ),
            columns=(
                Column("姓名", "name"),
                Column("手机号", "phone"),
                Column("工作单位", "unit.name"),
                Column("居住社区", "residence.name"),
                Column("状态", "status", "map", MEMBER_STATUS),
            ),
            actions=(
                Action(
                    "通过",
                    "/api/v1/members/{id}/review",
                    body={"approve": True},
                    when={"status": "pending"},
                ),
                Action(
                    "不通过",
                    "/api/v1/members/{id}/review",
                    body={"approve": False},
                    fields=(REASON,),
                    when={"status": "pending"},
                ),
            ),
            hint="不在花名册中的注册由单位管理员或组织部审核。",
        ),
        ListPage(
            key="anomalies",
            title="异常复核",
            endpoint="/api/v1/anomalies",
            filters=(Field("status", "状态", "select", ANOMALY_STATUS),),
            columns=(
                Column("类型", "kind_label"),
                Column("党员", "member.name"),
                Column("社区", "area.name"),
                Column("日期", "day", "date"),
                Column("情况", "summary"),
                Column("状态", "status_label"),
            ),
            actions=(
                Action(
                    "无问题",
                    "/api/v1/anomalies/{id}/review",
                    body={"outcome": "no_problem"},
                    when={"status": "open"},
                ),
                Action(
                    "作废记录",
                    "/api/v1/anomalies/{id}/review",
                    body={"outcome": "void_record", "record_id": "$record_id"},
                    fields=(NOTE,),
                    when={"status": "open"},
                ),
                Action(
                    "退回社区",
                    "/api/v1/anomalies/{id}/review",
                    body={"outcome": "send_back"},
                    fields=(NOTE,),
                    when={"status": "open"},
                ),
                Action(
                    "答复",
                    "/api/v1/anomalies/{id}/answer",
                    fields=(NOTE,),
                    when={"status": "sent_back"},
                ),
            ),
        ),
        ListPage(
            key="corrections",
            title="更正申请",
            endpoint="/api/v1/corrections",
            filters=(
                Field(
                    "status",
                    "状态",
                    "select",
                    {"open": "待处理", "accepted": "已同意", "rejected": "已驳回"},
                ),
            ),
            columns=(
                Column("活动", "record.activity_name"),
                Column("服务日期", "record.service_date", "date"),
                Column("原时长（分钟）", "record.minutes"),
                Column("申请时长（分钟）", "proposed_minutes"),
                Column("理由", "reason"),
                Column("申请时间", "created_at", "time"),
            ),
            actions=(
                Action("同意", "/api/v1/corrections/{id}/accept", when={"status": "open"}),
                Action(
                    "驳回",
                    "/api/v1/corrections/{id}/reject",
                    fields=(REASON,),
                    when={"status": "open"},
                ),
            ),
        ),
        ListPage(
            key="needs",
            title="需求清单",
            endpoint="/api/v1/needs",
            filters=(
                Field(
                    "status",
                    "状态",
                    "select",
                    {
                        "open": "待认领",
                        "in_progress": "处理中",
                        "done": "已完成",
                        "cancelled": "已取消",
                    },
                ),
            ),
            columns=(
                Column("社区", "community.name"),
                Column("需求", "content"),
                Column(
                    "紧急程度",
                    "urgency",
                    "map",
                    {"low": "一般", "normal": "较急", "urgent": "紧急"},
                ),
                Column(
                    "状态",
                    "status",
                    "map",
                    {
                        "open": "待认领",
                        "in_progress": "处理中",
                        "done": "已完成",
                        "cancelled": "已取消",
                    },
                ),
                Column("登记时间", "created_at", "time"),
            ),
        ),
        ListPage(
            key="call-ups",
            title="动员",
            endpoint="/api/v1/call-ups",
            columns=(
                Column("动员", "title"),
                Column("日期", "day", "date"),
                Column("区域", "area.name"),
                Column(
                    "状态",
                    "status",
                    "map",
                    {
                        "draft": "草稿",
                        "proposed": "已生成方案",
                        "confirmed": "已确认",
                        "cancelled": "已取消",
                    },
                ),
            ),
            actions=(
                Action("生成方案", "/api/v1/call-ups/{id}/proposal", when={"status": "draft"}),
                Action("确认方案", "/api/v1/call-ups/{id}/confirm", when={"status": "proposed"}),
                Action(
                    "取消",
                    "/api/v1/call-ups/{id}/cancel",
                    fields=(REASON,),
                    when={"status": "draft"},
                ),
            ),
            hint="方案的逐人调整见动员详情（GET /api/v1/call-ups/{id}）。",
        ),
        ListPage(
            key="periods",
            title="考核周期与锁定",
            endpoint="/api/v1/cities/{city_id}/periods",
            columns=(
                Column("类型", "kind", "map", {"year": "年度", "half": "半年", "quarter": "季度"}),
                Column("开始", "starts_on", "date"),
                Column("结束", "ends_on", "date"),
                Column("锁定时间", "locked_at", "time"),
            ),
            actions=(
                Action("锁定", "/api/v1/periods/{id}/lock", when={"locked_at": ""}),
                Action(
                    "解锁", "/api/v1/periods/{id}/unlock", fields=(REASON,), when={"locked_at": "*"}
                ),
            ),
            hint="锁定后本周期的服务记录不再变动，只有组织部可以调整（须说明理由）。",
        ),
        ListPage(
            key="evaluations",
            title="评价",
            endpoint="/api/v1/periods/{period_id}/evaluations",
            needs_period=True,
            filters=(
                Field(
                    "grade",
                    "等次",
                    "select",
                    {"excellent": "优秀", "good": "合格", "fair": "基本合格", "poor": "不合格"},
                ),
            ),
            columns=(
                Column("党员", "member_name"),
                Column("等次", "grade_label"),
                Column("评语", "comment"),
                Column("理由", "reason"),
                Column("评定次数", "versions"),
                Column("更新时间", "updated_at", "time"),
            ),
        ),
        ListPage(
            key="rankings",
            title="光荣榜",
            endpoint="/api/v1/periods/{period_id}/rankings",
            needs_period=True,
            filters=(
                Field("by", "排名依据", "select", {"hours": "服务时长", "services": "服务次数"}),
                Field("area_id", "区域编号（街道或社区；不填为全市）", "number"),
            ),
            columns=(
                Column("名次", "rank"),
                Column("姓名", "name"),
                Column("服务次数", "services"),
                Column("服务时长（小时）", "hours"),
            ),
            hint="只列出同意公开排名的党员，姓名已隐去一字；撤回同意即从榜上消失。",
        ),
        ListPage(
            key="unit-rankings",
            title="单位达标排名",
            endpoint="/api/v1/periods/{period_id}/rankings/units",
            needs_period=True,
            filters=(Field("street_id", "街道编号（不填为全市）", "number"),),
            columns=(
                Column("名次", "rank"),
                Column("单位", "name"),
                Column("党员", "members"),
                Column("达标", "compliant"),
                Column("达标率", "compliant_rate", "percent"),
                Column("报到率", "reported_in_rate", "percent"),
                Column("服务时长（小时）", "total_hours"),
            ),
        ),
        ListPage(
            key="grants",
            title="授权管理",
            endpoint="/api/v1/grants",
            filters=(Field("role", "角色", "select", ROLES),),
            columns=(
                Column("账号", "account_id"),
                Column("角色", "role", "map", ROLES),
                Column("范围", "scope.name"),
                Column("授权时间", "granted_at", "time"),
                Column("撤销时间", "revoked_at", "time"),
            ),
            actions=(
                Action(
                    "撤销", "/api/v1/grants/{id}/revoke", fields=(REASON,), when={"revoked_at": ""}
                ),
            ),
            create=Create(
                "新增授权",
                "/api/v1/grants",
                (
                    Field("member_id", "党员编号", "number", required=True),
                    Field("role", "角色", "select", ROLES, required=True),
                    Field("area_id", "区域编号（社区、街道、市）", "number"),
                    Field("unit_id", "单位编号", "number"),
                    Field("reason", "理由"),
                ),
            ),
        ),
        ListPage(
            key="security",
            title="安全日志",
            endpoint="/api/v1/security-events",
            filters=(
                Field("action", "操作"),
                Field("outcome", "结果", "select", {"success": "成功", "failure": "失败"}),
            ),
            columns=(
                Column("时间", "occurred_at", "time"),
                Column("操作", "action"),
                Column("结果", "outcome", "map", {"success": "成功", "failure": "失败"}),
                Column("账号", "account_id"),
                Column("IP", "ip"),
                Column("对象", "object_type"),
                Column("对象编号", "object_id"),
                Column("原因", "reason"),
            ),
        ),
    )
}
