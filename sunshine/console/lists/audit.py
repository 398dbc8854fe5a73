"""List pages of the organisation department's audit: periods, evaluations, rankings, unit
feedback, statements."""

from __future__ import annotations

from sunshine.console.lists.shapes import (
    GRADES,
    REASON,
    Action,
    Column,
    Create,
    Field,
    ListPage,
)

PAGES = (
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
                GRADES,
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
        key="grading",
        title="评价打分",
        endpoint="/api/v1/periods/{period_id}/communities/{community_id}/evaluations",
        needs_period=True,
        filters=(Field("graded", "是否已评", "select", {"false": "未评", "true": "已评"}),),
        columns=(
            Column("党员", "name"),
            Column("报到", "status", "map", {"active": "在本社区", "ended": "已调出或退出"}),
            Column("等次", "evaluation.grade_label"),
            Column("评语", "evaluation.comment"),
            Column("评定次数", "evaluation.versions"),
        ),
        actions=(
            Action(
                "评定",
                "/api/v1/periods/{period_id}/communities/{community_id}/evaluations/{member_id}",
                method="PUT",
                fields=(
                    Field("grade", "等次", "select", GRADES, required=True),
                    Field("comment", "评语"),
                    Field("reason", "理由（不合格必填）"),
                ),
            ),
        ),
        hint="本周期在本社区报到过的党员；周期锁定后只有组织部可以修改。",
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
            Column("发出方式", "trigger", "map", {"manual": "组织部发出", "lock": "关账时发出"}),
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
)
