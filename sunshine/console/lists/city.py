"""List pages of issue 17's work: units' report-ins (单位报到), their projects and yearly
reports, the city's bodies (市级机构) and volunteer detachments (志愿服务支队)."""

from __future__ import annotations

from sunshine.console.lists.shapes import REASON, Action, Column, Create, Field, ListPage

UNIT_REPORT_IN_STATUS = {
    "pending": "待审批",
    "active": "已报到",
    "rejected": "未通过",
    "withdrawn": "已撤回",
    "ended": "已结束",
}
PROJECT_STATUS = {
    "planned": "计划中",
    "in_progress": "进行中",
    "done": "已完成",
    "cancelled": "已取消",
}
BODY_KIND = {
    "practice_centre": "新时代文明实践中心",
    "practice_station": "实践所（站）",
    "department": "部门",
    "post": "学雷锋岗等岗位",
}
YES_NO = {"true": "是", "false": "否"}
SENT = Field("member_ids", "党员编号（多个用逗号分隔）", "ids", required=True)
DECIDE = "cobuild.decide"  # the community's side
MANAGE = "cobuild.manage"  # the unit's side

PAGES = (
    ListPage(
        key="unit-report-ins",
        title="单位报到",
        endpoint="/api/v1/unit-report-ins",
        filters=(Field("status", "状态", "select", UNIT_REPORT_IN_STATUS),),
        columns=(
            Column("单位", "unit.name"),
            Column("党组织", "party_org.name"),
            Column("报到社区", "community.name"),
            Column("结对社区", "paired", "map", YES_NO),
            Column("状态", "status", "map", UNIT_REPORT_IN_STATUS),
            Column("申请时间", "requested_at", "time"),
            Column("审批时间", "decided_at", "time"),
            Column("理由", "decision_reason"),
            Column("共建", "id", "link", href="/console/unit-report-ins/{id}", text="协议与项目"),
        ),
        actions=(
            Action(
                "批准",
                "/api/v1/unit-report-ins/{id}/approve",
                when={"status": "pending"},
                permission=DECIDE,
            ),
            Action(
                "驳回",
                "/api/v1/unit-report-ins/{id}/reject",
                fields=(REASON,),
                when={"status": "pending"},
                permission=DECIDE,
            ),
            Action(
                "撤回",
                "/api/v1/unit-report-ins/{id}/withdraw",
                fields=(REASON,),
                when={"status": "pending"},
                permission=MANAGE,
            ),
        ),
        create=Create(
            "到社区报到",
            "/api/v1/unit-report-ins",
            (
                Field("unit_id", "单位编号", "number", required=True),
                Field("party_org_id", "党组织编号", "number", required=True),
                Field("community_id", "社区编号", "number", required=True),
            ),
            permission=MANAGE,
        ),
        hint="单位党组织到社区报到，由该社区审批；获批后在“协议与项目”中查看共建协议（资源清单）"
        "与项目清单，社区会签协议、确认项目完成。",
    ),
    ListPage(
        key="unit-projects",
        title="共建项目",
        endpoint="/api/v1/unit-projects",
        filters=(Field("status", "状态", "select", PROJECT_STATUS),),
        columns=(
            Column("项目", "title"),
            Column("内容", "description"),
            Column("计划开始", "planned_from", "date"),
            Column("计划结束", "planned_to", "date"),
            Column("派出党员", "members", "names"),
            Column("状态", "status", "map", PROJECT_STATUS),
            Column("完成时间", "done_at", "time"),
            Column(
                "单位报到",
                "report_in_id",
                "link",
                href="/console/unit-report-ins/{report_in_id}",
                text="查看报到",
            ),
        ),
        actions=(
            Action(
                "确认完成",
                "/api/v1/unit-projects/{id}/done",
                when={"status": "in_progress"},
                permission=DECIDE,
            ),
            Action(
                "开始",
                "/api/v1/unit-projects/{id}/start",
                when={"status": "planned"},
                permission=MANAGE,
            ),
            *(
                Action(
                    "派出党员",
                    "/api/v1/unit-projects/{id}/members",
                    method="PUT",
                    fields=(SENT,),
                    when={"status": status},
                    permission=MANAGE,
                )
                for status in ("planned", "in_progress")
            ),
            Action(
                "取消",
                "/api/v1/unit-projects/{id}/cancel",
                fields=(REASON,),
                when={"status": "planned"},
                permission=MANAGE,
            ),
        ),
        create=Create(
            "新增项目",
            "/api/v1/unit-report-ins/{report_in_id}/projects",
            (
                Field("report_in_id", "单位报到编号（已获批准）", "number", required=True),
                Field("title", "项目名称", required=True),
                Field("planned_from", "计划开始", "date", required=True),
                Field("planned_to", "计划结束", "date", required=True),
                Field("need_id", "对应的需求编号", "number"),
                Field("description", "项目内容", "textarea", required=True),
            ),
            permission=MANAGE,
        ),
        hint="项目由单位新增、开始并派出党员（每次提交完整名单）；进行中且已派出党员的项目由社区确认完成。",
    ),
    ListPage(
        key="unit-yearly-reports",
        title="年度报告",
        endpoint="/api/v1/unit-yearly-reports",
        filters=(Field("year", "年度", "number"),),
        columns=(
            Column("单位", "unit.name"),
            Column("年度", "year"),
            Column("报到社区数", "report_ins"),
            Column("完成项目", "projects_done"),
            Column("派出党员", "members_sent"),
            Column("服务时长（分钟）", "service_minutes"),
            Column("提交时间", "submitted_at", "time"),
            Column("报告", "id", "link", href="/console/unit-yearly-reports/{id}", text="查看"),
        ),
        create=Create(
            "提交年度报告",
            "/api/v1/units/{unit_id}/yearly-reports",
            (
                Field("unit_id", "单位编号", "number", required=True),
                Field("year", "年度", "number", required=True),
                Field("text", "报告内容", "textarea", required=True),
            ),
            permission=MANAGE,
        ),
        hint="默认列出今年的报告；数字为提交时统计。街道看到在本街道报到过的单位，组织部看到本市的单位。",
    ),
    ListPage(
        key="bodies",
        title="市级机构",
        endpoint="/api/v1/cities/{city_id}/bodies",
        columns=(
            Column("名称", "name"),
            Column("类型", "kind", "map", BODY_KIND),
            Column("上级机构编号", "parent_id"),
            Column("编号", "id"),
            Column("创建时间", "created_at", "time"),
            Column("任务", "id", "link", href="/console/bodies/{id}", text="任务与数据"),
        ),
        create=Create(
            "新增机构",
            "/api/v1/cities/{city_id}/bodies",
            (
                Field("name", "名称", required=True),
                Field("kind", "类型", "select", BODY_KIND, required=True),
                Field("parent_id", "上级机构编号", "number"),
            ),
            permission="body.manage",
        ),
        hint="机构管理员在“授权管理”中授予（角色“机构管理员”，填写机构编号）。",
    ),
    ListPage(
        key="detachments",
        title="志愿服务支队",
        endpoint="/api/v1/cities/{city_id}/detachments",
        filters=(Field("active", "状态", "select", {"true": "启用", "false": "已停用"}),),
        columns=(
            Column("支队", "name"),
            Column("简介", "description"),
            Column("队长", "leader.name"),
            Column("成员数", "member_count"),
            Column("启用", "active", "map", YES_NO),
            Column("成立时间", "created_at", "time"),
            Column("名单", "id", "link", href="/console/detachments/{id}", text="名单与时长"),
        ),
        create=Create(
            "新建支队",
            "/api/v1/cities/{city_id}/detachments",
            (
                Field("name", "名称", required=True),
                Field("description", "简介"),
                Field("leader_member_id", "队长党员编号", "number"),
            ),
            permission="detachment.manage",
        ),
    ),
)
