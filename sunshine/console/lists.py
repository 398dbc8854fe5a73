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
    kind: str = "text"  # text, number, select, period (a select of the user's city's periods)
    options: dict[str, str] = field(default_factory=dict)
    required: bool = False


@dataclass(frozen=True)
class Column:
    label: str
    path: str  # a dotted path into the row
    # text, time, date, percent (of a 0–1 rate), map (through ``labels``), join (a dict's
    # values), link (``href`` with ``{id}``: a file to download, named by the column's label)
    format: str = "text"
    labels: dict[str, str] = field(default_factory=dict)
    href: str = ""


@dataclass(frozen=True)
class Action:
    """A button on a row: ``path`` with ``{id}`` (the row's id) is called with ``body``, whose
    ``"$field"`` values (at any depth) are taken from the row, plus what ``fields`` asks for.
    An export the call answers as done is offered for download."""

    label: str
    path: str
    method: str = "POST"
    body: dict[str, Any] = field(default_factory=dict)
    fields: tuple[Field, ...] = ()
    when: dict[str, str] = field(default_factory=dict)  # row path → value for it to show


@dataclass(frozen=True)
class Create:
    """A form above the list that adds a row, shown to those holding ``permission``; a
    ``{field}`` in ``path`` is filled from the form's field of that name."""

    label: str
    path: str
    fields: tuple[Field, ...]
    permission: str


@dataclass(frozen=True)
class ListPage:
    key: str
    title: str
    # ``{period_id}``: the period chosen on the page; ``{city_id}``: the user's city (also in
    # the create form's path).
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
CHECK_STATUS = {
    "review": "待人工审核",
    "pending": "待微信检测",
    "passed": "已通过",
    "approved": "人工通过",
    "rejected": "已驳回",
    "refused": "违规",
    "superseded": "已被修改取代",
}
SEND_STATUS = {
    "pending": "待发送",
    "sending": "发送中",
    "sent": "已发送",
    "skipped": "仅站内",
    "failed": "失败",
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
            key="unit-feedback",
            title="单位反馈",
            endpoint="/api/v1/unit-feedback",
            filters=(Field("unit_id", "单位编号", "number"),),
            columns=(
                Column("周期", "period.starts_on", "date"),
                Column("至", "period.ends_on", "date"),
                Column("单位", "unit.name"),
                Column("版本", "version"),
                Column(
                    "发出方式", "trigger", "map", {"manual": "组织部发出", "lock": "关账时发出"}
                ),
                Column("党员", "members"),
                Column("发出时间", "issued_at", "time"),
                Column("打印版", "id", "link", href="/api/v1/unit-feedback/{id}/pdf"),
            ),
            actions=(
                Action(
                    "导出 Excel",
                    "/api/v1/exports",
                    body={"kind": "unit_feedback", "filters": {"feedback_id": "$id"}},
                ),
            ),
            create=Create(
                "发出单位反馈（不填单位编号则发给全市各单位）",
                "/api/v1/periods/{period_id}/unit-feedback",
                (
                    Field("period_id", "考核周期", "period", required=True),
                    Field("unit_id", "单位编号", "number"),
                ),
                permission="unit_feedback.issue",
            ),
            hint="未同意向单位反馈的党员显示为“未授权”，只计人数。",
        ),
        ListPage(
            key="statements",
            title="服务证明",
            endpoint="/api/v1/statements",
            columns=(
                Column("编号", "number"),
                Column("持有人", "holder_name"),
                Column("出具单位", "issuer.name"),
                Column("起", "from", "date"),
                Column("止", "to", "date"),
                Column("时长（小时）", "total_hours"),
                Column("状态", "status", "map", {"valid": "有效", "revoked": "已失效"}),
                Column("PDF", "id", "link", href="/api/v1/statements/{id}/pdf"),
            ),
        ),
        ListPage(
            key="content-checks",
            title="内容审核",
            endpoint="/api/v1/content-checks",
            filters=(Field("status", "状态", "select", CHECK_STATUS),),
            columns=(
                Column("内容", "texts", "join"),
                Column("对象", "subject", "map", {"task": "任务", "team": "服务队"}),
                Column("状态", "status", "map", CHECK_STATUS),
                Column("作者账号", "author_id"),
            ),
            actions=(
                Action("通过", "/api/v1/content-checks/{id}/approve", when={"status": "review"}),
                Action(
                    "驳回",
                    "/api/v1/content-checks/{id}/reject",
                    fields=(REASON,),
                    when={"status": "review"},
                ),
            ),
            hint="微信内容安全检测要求人工复核、或暂时无法检测的文字，在此通过后才对党员可见。",
        ),
        ListPage(
            key="notify-messages",
            title="消息发送",
            endpoint="/api/v1/notify/messages",
            filters=(Field("status", "状态", "select", SEND_STATUS),),
            columns=(
                Column("时间", "created_at", "time"),
                Column("账号", "account_id"),
                Column("消息", "title"),
                Column("状态", "status", "map", SEND_STATUS),
                Column("微信错误码", "errcode"),
                Column("原因", "error"),
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
                permission="grant.manage",
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
