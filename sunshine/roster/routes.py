"""The roster: import and read."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint

from sunshine.access.permissions import Permission
from sunshine.api import UploadIn, accepts_upload
from sunshine.auth.current import current_actor, requires
from sunshine.imports import service as imports
from sunshine.imports.models import ImportBatch
from sunshine.imports.routes import import_upload
from sunshine.imports.schemas import ImportBatchOut
from sunshine.org.schemas import CityArgs
from sunshine.pagination import CursorPage
from sunshine.roster import service, views
from sunshine.roster.schemas import RosterArgs, RosterPage

blp = Blueprint("roster", __name__, url_prefix="/api/v1", description="花名册")


@blp.route("/roster/imports")
class RosterImport(MethodView):
    @requires(Permission.ORG_IMPORT)
    @blp.arguments(CityArgs, location="query")
    @blp.arguments(UploadIn, location="files")
    @blp.response(201, ImportBatchOut)
    @accepts_upload(imports.MAX_UPLOAD_BYTES)
    @blp.alt_response(404, description="市/县不存在（area.not_found）")
    def post(self, args: dict[str, Any], files: dict[str, Any]) -> ImportBatch:
        """导入花名册

        列：姓名、手机号、单位、党组织。文件为 CSV（UTF-8 或 GBK）或 XLSX，全部成功或一行也不导入：
        有行出错时 422（import.rows_invalid），批次仍保存，可下载错误报告；文件无法读取、
        列不对等、行数或解压后大小超过上限也是 422（import.*）；超过导入时限 413
        （import.over_budget），什么也不写入。组织部可调用。
        """
        return import_upload(service.IMPORTER, args["city_id"], files["file"])


@blp.route("/roster")
class Roster(MethodView):
    @requires(Permission.MEMBER_LIST)
    @blp.arguments(RosterArgs, location="query")
    @blp.response(200, RosterPage)
    def get(self, args: dict[str, Any]) -> CursorPage:
        """管辖范围内的花名册

        组织部看本市，单位管理员看本单位。
        """
        return views.list_roster(actor=current_actor(), **args)
