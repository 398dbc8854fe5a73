"""List pages of the community's and the street's daily work: members, needs, call-ups,
corrections, anomalies, held text."""

from __future__ import annotations

from sunshine.console.lists.shapes import (
    ANOMALY_STATUS,
    CHECK_STATUS,
    MEMBER_STATUS,
    NOTE,
    REASON,
    Action,
    Column,
    Field,
    ListPage,
)

NEED_STATUS = {
    "submitted": "待答复",
    "open": "待认领",
    "in_progress": "处理中",
    "done": "已完成",
    "declined": "不予受理",
    "cancelled": "已取消",
}
NEED_KIND = {"wish": "微心愿", "request": "诉求"}
NEED_RATING = {"satisfied": "满意", "fairly_satisfied": "基本满意", "dissatisfied": "不满意"}

PAGES = (
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
        key="needs",
        title="需求清单",
        endpoint="/api/v1/needs",
        filters=(
            Field("status", "状态", "select", NEED_STATUS),
            Field("kind", "类型", "select", NEED_KIND),
            Field("overdue", "超期", "select", {"true": "已超期", "false": "未超期"}),
        ),
        columns=(
            Column("社区", "community.name"),
            Column("类型", "kind", "map", NEED_KIND),
            Column("需求", "content"),
            Column(
                "紧急程度",
                "urgency",
                "map",
                {"low": "一般", "normal": "较急", "urgent": "紧急"},
            ),
            Column("状态", "status", "map", NEED_STATUS),
            Column("登记时间", "created_at", "time"),
            Column("答复期限", "answer_due_at", "time"),
            Column("办结期限", "completion_due_at", "time"),
            Column("答复超期", "overdue_answer", "map", {"true": "超期", "false": ""}),
            Column("办结超期", "overdue_completion", "map", {"true": "超期", "false": ""}),
            Column("评价", "rating", "map", NEED_RATING),
        ),
        actions=(
            Action("受理", "/api/v1/needs/{id}/accept", when={"status": "submitted"}),
            Action(
                "不予受理",
                "/api/v1/needs/{id}/decline",
                fields=(REASON,),
                when={"status": "submitted"},
            ),
        ),
        hint="居民提交的微心愿与诉求须在期限内答复；受理后可转为微心愿任务。",
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
            Column("方案", "id", "link", href="/console/call-ups/{id}", text="查看与调整"),
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
        hint="在“查看与调整”中可移除建议中的人员、手工安排党员，再确认方案。",
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
)
