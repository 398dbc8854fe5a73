"""List pages of administration: grants, the security log, the notification outbox, and the
user's own exports."""

from __future__ import annotations

from sunshine.console.lists.shapes import (
    REASON,
    ROLES,
    SEND_STATUS,
    Action,
    Column,
    Create,
    Field,
    ListPage,
)
from sunshine.exports.kinds import KINDS

EXPORT_STATUS = {
    "pending": "排队中",
    "running": "生成中",
    "done": "已完成",
    "failed": "失败",
    "expired": "已过期",
}

PAGES = (
    ListPage(
        key="exports",
        title="我的导出",
        endpoint="/api/v1/exports",
        columns=(
            Column("内容", "kind", "map", {name: kind.title for name, kind in KINDS.items()}),
            Column("状态", "status", "map", EXPORT_STATUS),
            Column("进度（%）", "percentage"),
            Column("行数", "rows"),
            Column("申请时间", "created_at", "time"),
            Column("可下载至", "expires_at", "time"),
            # file_url is null until the file is written: the link shows only then.
            Column("文件", "file_url", "link", href="/api/v1/exports/{id}/file"),
        ),
        hint="只列出您本人申请的导出；文件在“可下载至”之前可下载，过期后请在原页面重新导出。",
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
            Action("撤销", "/api/v1/grants/{id}/revoke", fields=(REASON,), when={"revoked_at": ""}),
        ),
        create=Create(
            "新增授权",
            "/api/v1/grants",
            (
                Field("member_id", "党员编号", "number", required=True),
                Field("role", "角色", "select", ROLES, required=True),
                Field("area_id", "区域编号（社区、街道、市）", "number"),
                Field("unit_id", "单位编号", "number"),
                Field("body_id", "机构编号（机构管理员）", "number"),
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
)
