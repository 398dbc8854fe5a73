"""Excel exports: ask (202), follow the progress, download the file."""

from __future__ import annotations

from typing import Any

from flask import Response, send_file
from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.api import Shown
from sunshine.auth.current import current_actor, login_required, request_origin, requires
from sunshine.exports import service, views
from sunshine.exports.kinds import PERMISSIONS as EXPORT_PERMISSIONS
from sunshine.exports.schemas import ExportIn, ExportListArgs, ExportOut, ExportPage
from sunshine.exports.xlsx import MEDIA_TYPE
from sunshine.extensions import db
from sunshine.openapi import BINARY
from sunshine.pagination import CursorPage

blp = Blueprint("exports", __name__, url_prefix="/api/v1", description="导出（Excel）")


@blp.route("/exports")
class Exports(MethodView):
    @login_required
    @blp.arguments(ExportListArgs, location="query")
    @blp.response(200, ExportPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """本人申请的导出（新的在前）

        只列出调用者自己申请的导出（任何管理员都看不到他人的导出），含状态、进度与过期时间；
        done 时 file_url 可下载。
        """
        found = service.list_own(
            actor=current_actor(), limit=args["limit"], after_id=args.get("cursor")
        )
        return views.page(found)

    @requires(*EXPORT_PERMISSIONS, action="export.request")
    @blp.arguments(ExportIn)
    @blp.response(202, ExportOut)
    @blp.alt_response(
        403, description="不持有该导出所需的权限，或超出管辖范围（auth.forbidden，记入安全日志）"
    )
    @blp.alt_response(
        404,
        description="筛选条件中的周期、区域、单位、班次、动员或反馈不存在（period.not_found、"
        "area.not_found、unit.not_found、shift.not_found、callup.not_found、"
        "unit_feedback.not_found、detachment.not_found）",
    )
    @blp.alt_response(409, description="本人已有 3 个导出在排队或生成中（export.too_many）")
    def post(self, body: dict[str, Any]) -> Shown:
        """申请导出 XLSX 表格（后台任务生成）

        kind 为导出的内容，filters 为它的筛选条件（与对应列表的筛选相同，见 docs/exports.md）：
        members（党员名单，单位管理员与组织部）、service_records（服务记录，社区、街道管理员与
        组织部）、hours_ledger（时长账本，组织部；from、to 必填）、call_up_assignments（动员名单，
        须 call_up_id）、shift_signin（签到表，须 shift_id）、compliance（达标情况）、evaluations
        （考核评价）、anomalies（异常复核）——后三者须 period_id；unit_feedback（双报到反馈，本单位
        管理员与组织部，须 feedback_id）；needs（心愿诉求台账）、needs_stats（需求办理情况，须
        area_id）、unit_cobuilding（单位共建台账）、detachment_hours（支队服务时长，组织部，须
        detachment_id）。超出管辖范围为 403（记入安全日志）；未知的 kind 或筛选条件为
        422。签到表、动员名单、双报到反馈、需求办理情况与支队服务时长当场生成（返回时 status 已
        为 done），其余由后台任务生成，用 GET /exports/{id} 查看进度。
        """
        export = service.request(actor=current_actor(), origin=request_origin(), **body)
        db.session.commit()
        return views.export(export)


@blp.route("/exports/<int:export_id>")
class ExportDetail(MethodView):
    @login_required
    @blp.response(200, ExportOut)
    def get(self, export_id: int) -> Shown:
        """导出的状态与进度

        status 为 pending、running、done、failed 或 expired；percentage 为完成百分比，rows 为已
        写出的行数；done 时 file_url 可下载，直到 expires_at。只有申请人可查看，其他人 404
        （export.not_found）。
        """
        return views.export(service.get(actor=current_actor(), export_id=export_id))


@blp.route("/exports/<int:export_id>/file")
class ExportFile(MethodView):
    @login_required
    @blp.response(200, BINARY, content_type=MEDIA_TYPE, description="xlsx 文件")
    @blp.alt_response(409, description="尚未完成（export.not_ready）或已失败（export.failed）")
    @blp.alt_response(
        410, description="文件已过期（export.expired）或已不存在（export.file_missing）"
    )
    def get(self, export_id: int) -> Response:
        """下载导出的 XLSX 文件

        只有申请人可下载（其他人 404），且须仍持有该导出所需的权限；下载记入安全日志。文件在
        expires_at 之前可下载，之后为 410（export.expired），请重新申请导出。
        """
        path, name = service.download(
            actor=current_actor(), export_id=export_id, origin=request_origin()
        )
        db.session.commit()  # the download's security-log entry
        return send_file(path, mimetype=MEDIA_TYPE, as_attachment=True, download_name=name)
